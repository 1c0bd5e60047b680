#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang, ASan+UBSan) in build-fuzz/
# and runs each for SECONDS (default 60) on a copy of its seed corpus; the
# committed corpus is never written. A crash or broken invariant fails the run,
# and the input that caused it is kept in build-fuzz/crashes/<target>/.
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: SECONDS must be a positive integer, not \"$seconds\"" >&2
  exit 2
fi
targets=(oci_state ports config cidr network cni_config)

bash scripts/install-deps.sh
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DNETNS_HOOK_FUZZ=ON -DNETNS_HOOK_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]/#/fuzz_}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
for t in "${targets[@]}"; do
  corpus="$work/$t"
  crashes="build-fuzz/crashes/$t"
  mkdir -p "$corpus" "$crashes"
  cp tests/fuzz/corpus/"$t"/* "$corpus"/
  seeds=$(find "$corpus" -type f | wc -l)
  log="build-fuzz/fuzz_$t.log"
  rc=0
  # A UBSan report aborts (-fno-sanitize-recover); LeakSanitizer runs too.
  UBSAN_OPTIONS=print_stacktrace=1 \
    "build-fuzz/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=30 -print_final_stats=1 \
    -artifact_prefix="$crashes/" "$corpus" >"$log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2 || true)
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    echo "fuzz $t: ok, ${runs:-?} runs in ${seconds}s, coverage ${cov:-?}, corpus $seeds -> $(find "$corpus" -type f | wc -l) inputs"
  else
    failed=$((failed + 1))
    echo "fuzz $t: FAILED (exit $rc) after ${runs:-?} runs; inputs in $crashes/, log $log" >&2
    grep -a -m3 -E 'fuzz invariant broken|terminate called|what\(\):|runtime error: |ERROR: ' "$log" >&2 || tail -n5 "$log" >&2
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
