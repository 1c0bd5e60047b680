#!/usr/bin/env bash
# Builds the Debian package: build/netns-hook_<version>_<arch>.deb, its path
# printed as the last line. The binary, the hooks.d file, the CNI plugin link
# in /usr/lib/cni, the man page, the systemd units, bash completion and the
# examples, with the runtime dependencies computed by dpkg-shlibdeps.
#   scripts/package.sh            then: apt install ./build/netns-hook_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh >/dev/null
out=build-package
# (RelWithDebInfo: -O2, as the tests build it; CPack strips the binary.)
cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr -DNETNS_HOOK_TESTS=OFF \
  -DNETNS_HOOK_PACKAGE=ON >/dev/null
cmake --build "$out" -j"$(nproc)" >/dev/null
(cd "$out" && cpack -G DEB >/dev/null)
mkdir -p build
deb=$(ls "$out"/netns-hook_*.deb)
mv "$deb" build/
echo "build/$(basename "$deb")"
