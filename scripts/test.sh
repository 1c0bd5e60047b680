#!/usr/bin/env bash
# Every test, in stages: build; CTest (unit, privileged and end-to-end
# suites, each sandboxed, several at once); the Debian package, built and
# checked; the unit tests under ASan+UBSan; then each fuzz target for
# FUZZ_SECONDS (default 60). Every stage runs even
# when an earlier one failed; the summary lists each stage's result and the
# script fails at the end if any did. Run as root (the sandboxes need it).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh || exit 1

results=()
failed=0
stage() {  # stage NAME command...: runs it, records ok/FAILED and the time it took
  local name=$1 start=$SECONDS rc=0
  shift
  echo "=== $name"
  "$@" || rc=$?
  if [ "$rc" -eq 0 ]; then results+=("ok      $name ($((SECONDS - start)) s)")
  else results+=("FAILED  $name (exit $rc, $((SECONDS - start)) s)"); failed=1; fi
  return 0
}

build() {
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNETNS_HOOK_TESTS=ON >/dev/null &&
    cmake --build build -j"$(nproc)"
}
stage "build" build
if [ "$failed" -eq 0 ]; then
  # The sandboxed suites mostly wait on the kernel and on runtimes: three at a
  # time keep two cores busy.
  stage "ctest" ctest --test-dir build --output-on-failure -j3
else
  results+=("skipped ctest (the build failed)")
fi
# The Debian package: built as scripts/package.sh builds it, then checked
# (contents, control fields, lintian, the unpacked binary) in a sandbox.
package() {
  local deb
  deb=$(scripts/package.sh | tail -n 1) && tests/sandbox.sh tests/integration/package_check.sh "$deb"
}
stage "package" package
stage "sanitizers (unit tests under ASan+UBSan)" bash scripts/sanitize.sh
stage "fuzzing" bash scripts/fuzz.sh "${FUZZ_SECONDS:-60}"

echo
echo "=== summary"
printf '%s\n' "${results[@]}"
exit "$failed"
