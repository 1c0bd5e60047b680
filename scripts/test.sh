#!/usr/bin/env bash
# Builds netns-hook and runs every test: unit tests, then the privileged and
# runc end-to-end tests, each inside a sandbox of its own (run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNETNS_HOOK_TESTS=ON
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure
bash scripts/sanitize.sh
bash scripts/fuzz.sh
