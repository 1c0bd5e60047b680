#!/usr/bin/env bash
# Concurrency and crash safety, end to end: scripts/stress.sh at a size that
# fits CI, and each of its figures checked. 50 containers set up all at once;
# then 50 more set up while the first 50 are torn down, 10 of those hook runs
# SIGKILLed at a random moment; a few containers killed behind the hook's
# back; then `netns-hook gc`. Runs inside tests/sandbox.sh.
set -uo pipefail
HOOK=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ "${NH_IN_SANDBOX:-}" = 1 ] || { echo "run me through tests/sandbox.sh"; exit 2; }

OUT=$("$here/../../scripts/stress.sh" --hook "$HOOK" -n 100 -k 10 -p 50 -t 30 2>&1)
RC=$?
printf '%s\n' "$OUT" | sed 's/^/  | /'

# fig NAME: the value stress.sh printed for that figure (empty if missing)
fig() { printf '%s\n' "$OUT" | awk -v k="$1: " 'index($0, k) == 1 {print substr($0, length(k) + 1)}'; }
# zero WHEN NAME...: each figure "WHEN: NAME" is 0
zero() {
  local when=$1 name; shift
  for name in "$@"; do expect_eq "$when: $name" 0 "$(fig "$when: $name")"; done
}
at_least() { if [ "${3:-0}" -ge "$2" ] 2>/dev/null; then pass "$1 (${3})"; else fail "$1 (expected at least $2, got '${3:-}')"; fi; }

SEEN="duplicate addresses inside the namespaces" TWO_NS="namespaces with two leases" TWO_IDS="ids on two leases"
MISMATCH="live containers whose address is not their lease's"
LOST="lost leases (live container without lease or address)"

echo "# 50 parallel setups"
expect_eq "all 50 succeed" 50 "$(fig "parallel setups ok")"
expect_eq "none fails" 0 "$(fig "parallel setups failed")"
zero "after the parallel setups" "$SEEN" "$TWO_NS" "$TWO_IDS" "$MISMATCH" "$LOST" "leaked leases" "leaked veths" \
  "live containers missing their port rule"
expect_eq "exactly one bridge rule set (3 MASQUERADE rules)" 3 "$(fig "after the parallel setups: bridge MASQUERADE rules (one set: 3)")"
expect_eq "no rule line twice" 0 "$(fig "after the parallel setups: repeated rule lines")"

echo "# 50 setups mixed with 50 teardowns, 10 runs SIGKILLed"
expect_eq "no setup that was not killed fails" 0 "$(fig "mixed: setups failed (not killed)")"
expect_eq "no teardown that was not killed fails" 0 "$(fig "mixed: teardowns failed (not killed)")"
expect_eq "a teardown after a killed setup succeeds" 0 "$(fig "teardowns after a killed or failed setup that failed")"
at_least "kills landed while hooks ran" 1 "$(($(fig "mixed: setups killed") + $(fig "mixed: teardowns killed")))"
expect_eq "the state still loads after the kills (ls --json parses)" yes "$(fig "ls --json parses after the kills")"

echo "# containers killed behind the hook's back, then gc"
gone=$(fig "containers killed without a teardown")
at_least "containers were killed without a teardown" 1 "$gone"
at_least "gc released at least their leases" "${gone:-1}" "$(fig "gc released")"
expect_eq "gc succeeds" 0 "$(fig "gc exit status")"
zero "after gc" "$SEEN" "$TWO_NS" "$TWO_IDS" "$MISMATCH" "$LOST" "leaked leases" "leaked veths" \
  "leaked rules (ids without a lease)" "live containers missing their port rule"
expect_eq "stress.sh exits 0" 0 "$RC"
summary
