#!/usr/bin/env bash
# End to end under the real crun, with the bundle configuration shipped in
# config-examples/crun/ (only the binary and rootfs paths substituted), so the
# example is what is tested. Runs inside tests/sandbox.sh; only ever sends
# packets between the sandbox's own namespaces.
set -uo pipefail
HOOK=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
[ "${NH_IN_SANDBOX:-}" = 1 ] || { echo "run me through tests/sandbox.sh"; exit 2; }
command -v crun >/dev/null || { echo "crun is not installed (scripts/install-deps.sh installs it)"; exit 1; }

# crun refuses the hybrid cgroup layout (v1 controllers plus an empty v2
# hierarchy). The containers run with --cgroup-manager=disabled, so they need
# no cgroup at all; a cgroup2 mount over /sys/fs/cgroup, made in the sandbox's
# private mount namespace, only satisfies crun's layout check. The host keeps
# its own layout, and the test checks no cgroup was created.
if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
  mount -t cgroup2 cgroup2 /sys/fs/cgroup || { echo "cannot mount cgroup2 in the sandbox"; exit 1; }
fi
# cgroups are kernel-wide: other suites running beside this one make their
# own. Only a cgroup named after one of this test's containers is ours.
our_cgroups() { find /sys/fs/cgroup -mindepth 1 -type d -name 'crun*' 2>/dev/null | sort; }
CGROUPS_BEFORE=$(our_cgroups)

CRUN=(crun --cgroup-manager=disabled)
WORK=$(mktemp -d /tmp/nh-crun.XXXXXX)
cleanup() {
  local id
  for id in $(crun list -q 2>/dev/null); do timeout 20 crun delete -f "$id" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
make_rootfs "$WORK/rootfs"
STATE_DIR=/run/netns-hook
EXAMPLE=$(cd "$(dirname "$0")/../../config-examples/crun" && pwd)/config.json
# The example sends the hook's output to this file (crun discards it otherwise).
HOOK_LOG=$(sed -n 's/.*"run.oci.hooks.stderr": "\([^"]*\)".*/\1/p' "$EXAMPLE")

# bundle ID [sed expressions...]: a bundle made from the shipped example.
bundle() {
  local id=$1; shift
  mkdir -p "$WORK/$id"
  sed -e "s|/usr/bin/netns-hook|$HOOK|g" -e "s|\"path\": \"rootfs\"|\"path\": \"$WORK/rootfs\"|" "$@" \
    "$EXAMPLE" >"$WORK/$id/config.json"
}
start() {  # start ID: run the bundle detached; crun's own output goes to ID/log
  (cd "$WORK/$1" && timeout 30 "${CRUN[@]}" run -d "$1" </dev/null >"$WORK/$1/log" 2>&1)
}
cexec() { local id=$1; shift; timeout 10 crun exec "$id" "$@"; }
cip() { cexec "$1" ip -4 -o addr show eth0 2>/dev/null | awk '{print $4}' | cut -d/ -f1; }
status_is() { crun state "$1" 2>/dev/null | grep -q "\"status\": \"$2\""; }
wait_status() {  # wait_status ID STATUS: at most 10 s
  local _
  for _ in $(seq 50); do status_is "$1" "$2" && return 0; sleep 0.2; done
  return 1
}

echo "# the example's hook log annotation"
check "the example names a hook log ($HOOK_LOG)" test -n "$HOOK_LOG"
check "it is the same file for stdout" grep -q "\"run.oci.hooks.stdout\": \"$HOOK_LOG\"" "$EXAMPLE"
check "the example wires createRuntime and poststop" grep -q '"createRuntime"' "$EXAMPLE"

echo "# two containers from the example"
# crun1 also records the state crun hands its hooks, to check what crun sends.
bundle crun1 -e "s|\"createRuntime\": \[|\"createRuntime\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"cat > $WORK/crun1.create.json\"]},|" \
          -e "s|\"poststop\": \[|\"poststop\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"cat > $WORK/crun1.poststop.json\"]},|"
bundle crun2
check "crun1 starts" start crun1
check "crun2 starts" start crun2
check "crun ran the hooks with the log annotation (the log exists)" test -e "$HOOK_LOG"
check "crun1's setup state says created with a pid" grep -qE '"status": *"created".*"pid": *[1-9]|"pid": *[1-9].*"status": *"created"' "$WORK/crun1.create.json"
IP1=$(cip crun1); IP2=$(cip crun2)
check "crun1 has an address in 172.19.0.0/16 ($IP1)" grep -qE '^172\.19\.[0-9]+\.[0-9]+$' <<<"$IP1"
check "crun2 has an address in 172.19.0.0/16 ($IP2)" grep -qE '^172\.19\.[0-9]+\.[0-9]+$' <<<"$IP2"
check "the two addresses differ" test "$IP1" != "$IP2"
check "crun1 has a default route via the gateway" bash -c "timeout 10 crun exec crun1 ip route | grep -q '^default via 172.19.0.1 dev eth0'"
check "crun1 pings crun2" cexec crun1 ping -c1 -W2 "$IP2"
check "crun2 pings crun1" cexec crun2 ping -c1 -W2 "$IP1"
check "crun1 pings the gateway" cexec crun1 ping -c1 -W2 172.19.0.1
check "crun2 pings the gateway" cexec crun2 ping -c1 -W2 172.19.0.1
expect_eq "two host veths on the bridge" 2 "$(ip -o link show master netns0 | wc -l)"
check "ls lists crun1 and crun2" bash -c "'$HOOK' ls | grep -q '^crun1 ' && '$HOOK' ls | grep -q '^crun2 '"

echo "# a failing setup: crun hides the hook's error, the log annotation keeps it"
bundle crun-taken -e "s|\"annotations\": {|\"annotations\": {\"netns-hook.ip\": \"$IP1\",|"
VETHS_BEFORE=$(veth_count)
check "a container asking for crun1's address fails to start" not start crun-taken
check "the hook's error is in the hook log" grep -q "already leased to crun1" "$HOOK_LOG"
expect_eq "no veth left by the failed setup" "$VETHS_BEFORE" "$(veth_count)"
check "no lease for the failed container" not_leased crun-taken
timeout 20 crun delete -f crun-taken >/dev/null 2>&1

echo "# crun kill + crun delete: the poststop hook (pid 0, status stopped) tears down"
VETH1=$(veth_of "$IP1")
check "crun1's veth is known ($VETH1)" test -n "$VETH1"
check "crun kill crun1" timeout 10 crun kill crun1 KILL
check "crun1 is stopped" wait_status crun1 stopped
check "crun1's lease stays until crun delete (crun runs poststop there)" leased crun1
check "crun delete crun1" timeout 30 crun delete crun1
check "crun's poststop state says stopped" grep -qE '"status": *"stopped"' "$WORK/crun1.poststop.json"
check "crun's poststop state has no live pid" bash -c "! grep -qE '\"pid\": *[1-9]' '$WORK/crun1.poststop.json'"
check "crun1's lease is gone" not_leased crun1
check "crun1's id file is gone" not indexed crun1
check "crun1's address is free" not address_leased "$IP1"
check "crun1's veth is gone" link_gone "$VETH1"

echo "# crun delete -f of a running container tears down too"
check "crun delete -f crun2" timeout 30 crun delete -f crun2
check "crun2's lease is gone" not_leased crun2

echo "# everything goes away"
expect_eq "no veth left" 0 "$(veth_count)"
expect_eq "no lease left" 0 "$(lease_count)"
expect_eq "no record or id index left" 0 "$(record_count)"
check "the hook logged no other error" bash -c "! grep -v 'already leased to crun1' '$HOOK_LOG' | grep -q ."
expect_eq "no cgroup was created for the containers" "$CGROUPS_BEFORE" "$(our_cgroups)"

summary
