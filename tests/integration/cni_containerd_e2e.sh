#!/usr/bin/env bash
# netns-hook as the CNI plugin of containerd's `ctr run --cni`, wired with the
# shipped config-examples/cni/10-netns-hook.conflist: a private containerd
# (its own root, state and socket, no CRI), a busybox image built here and
# imported (no registry), two containers that ping each other and the
# gateway, `ctr run --rm` tearing down with a DEL that has no namespace path,
# and `netns-hook gc` releasing containers ctr stopped without any DEL. ctr
# reads /etc/cni/net.d and /opt/cni/bin and caches in /var/lib/cni: tmpfs
# over each, in this sandbox's mount namespace only. Runs inside
# tests/sandbox.sh.
set -uo pipefail
HOOK=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
[ "${NH_IN_SANDBOX:-}" = 1 ] || { echo "run me through tests/sandbox.sh"; exit 2; }
command -v containerd >/dev/null && command -v ctr >/dev/null || { echo "containerd is not installed (scripts/install-deps.sh installs it)"; exit 1; }

WORK=$(mktemp -d /tmp/nh-ctrd.XXXXXX)
EXAMPLES=$(cd "$(dirname "$0")/../../config-examples/cni" && pwd)
STATE_DIR=/run/netns-hook
SOCK=/run/ctrd/ctrd.sock
NS=nhtest
CTR=(ctr --address "$SOCK" -n "$NS")
CTRD_PID=""

cni_dirs  # tmpfs over /etc/cni/net.d, /var/lib/cni and /opt/cni/bin (lib.sh)
ln -s "$HOOK" /opt/cni/bin/netns-hook
cp "$EXAMPLES/10-netns-hook.conflist" /etc/cni/net.d/

cleanup() {
  local t
  for t in $("${CTR[@]}" task ls -q 2>/dev/null); do timeout 10 "${CTR[@]}" task kill -s KILL "$t" >/dev/null 2>&1; done
  sleep 0.5
  for t in $("${CTR[@]}" task ls -q 2>/dev/null); do timeout 10 "${CTR[@]}" task rm -f "$t" >/dev/null 2>&1; done
  for t in $("${CTR[@]}" container ls -q 2>/dev/null); do timeout 10 "${CTR[@]}" container rm "$t" >/dev/null 2>&1; done
  # shims outlive a failed ADD: every process of this sandbox goes with it, and
  # the cgroups containerd made for the test's namespace are removed here.
  [ -n "$CTRD_PID" ] && kill "$CTRD_PID" 2>/dev/null
  pkill -9 -f "containerd-shim-runc-v2 -namespace $NS" 2>/dev/null
  for d in $(find /sys/fs/cgroup -depth -type d -path "*/$NS/*" 2>/dev/null) $(find /sys/fs/cgroup -depth -type d -name "$NS" 2>/dev/null); do
    rmdir "$d" 2>/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

cat >"$WORK/config.toml" <<CONF
version = 2
root = "$WORK/root"
state = "/run/ctrd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$WORK/opt"
CONF
containerd --config "$WORK/config.toml" >"$WORK/containerd.log" 2>&1 &
CTRD_PID=$!
for _ in $(seq 100); do [ -S "$SOCK" ] && "${CTR[@]}" version >/dev/null 2>&1 && break; sleep 0.2; done
check "a private containerd answers" "${CTR[@]}" version

make_rootfs "$WORK/rootfs"
make_oci_image "$WORK/rootfs" "$WORK/image.tar" docker.io/library/nhbusybox:test
check "the busybox image is imported" "${CTR[@]}" images import "$WORK/image.tar"
IMAGE=docker.io/library/nhbusybox:test

# ctr_run NAME [ctr run options...] -- CMD...: a detached container on the CNI network.
ctr_run() {
  local name=$1; shift
  timeout 60 "${CTR[@]}" run -d --cni --snapshotter native "$@" "$IMAGE" "$name" sleep 600 >"$WORK/$name.log" 2>&1
}
EXECS=0
cexec() { local name=$1; shift; EXECS=$((EXECS + 1)); timeout 20 "${CTR[@]}" task exec --exec-id "x$EXECS-$RANDOM" "$name" "$@"; }
caddr() { cexec "$1" ip -4 -o addr show eth0 2>/dev/null | awk '{print $4}' | cut -d/ -f1; }

echo "# two containers on the network of the shipped conflist"
check "c1 starts (ctr run --cni)" ctr_run c1
check "c2 starts" ctr_run c2
A1=$(caddr c1); A2=$(caddr c2)
check "c1 has an address in 10.90.0.0/24 ($A1)" grep -qE '^10\.90\.0\.[0-9]+$' <<<"$A1"
check "c2 has another one ($A2)" bash -c "[ -n '$A2' ] && [ '$A1' != '$A2' ]"
ROUTES=$(cexec c1 ip route)
check "c1 has its default route via the gateway" grep -q '^default via 10.90.0.1 dev eth0' <<<"$ROUTES"
check "c1 pings c2" cexec c1 ping -c1 -W2 "$A2"
check "c2 pings c1" cexec c2 ping -c1 -W2 "$A1"
check "c1 pings the gateway" cexec c1 ping -c1 -W2 10.90.0.1
check "the leases are under ctr's ids (namespace-name)" bash -c "'$HOOK' ls --json | jq -e '[.[].id] | sort == [\"$NS-c1\",\"$NS-c2\"]'"
expect_eq "two veths on the conflist's bridge" 2 "$(ip -o link show master nh-cni0 | wc -l)"

echo "# ctr run --rm: the DEL comes without a namespace path"
VETHS=$(veth_count)
check "c3 runs, pings c1, and is removed" timeout 60 "${CTR[@]}" run --rm --cni --snapshotter native "$IMAGE" c3 ping -c1 -W2 "$A1"
check "no lease left for c3" not_leased "$NS-c3"
expect_eq "no veth left for c3" "$VETHS" "$(veth_count)"

echo "# a container stopped without a DEL: netns-hook gc releases it"
timeout 20 "${CTR[@]}" task kill -s KILL c2 >/dev/null 2>&1
for _ in $(seq 50); do [ "$("${CTR[@]}" task ls | awk '$1 == "c2" {print $3}')" = STOPPED ] && break; sleep 0.2; done
timeout 20 "${CTR[@]}" task rm c2 >/dev/null 2>&1
timeout 20 "${CTR[@]}" container rm c2 >/dev/null 2>&1
check "c2's lease is still there (ctr sent no DEL)" leased "$NS-c2"
check "gc releases it" bash -c "'$HOOK' gc | grep -q 'of container $NS-c2'"
check "its lease is gone" not_leased "$NS-c2"
check "c1 keeps its network" cexec c1 ping -c1 -W2 10.90.0.1

echo "# everything goes away"
timeout 20 "${CTR[@]}" task kill -s KILL c1 >/dev/null 2>&1; sleep 0.5
timeout 20 "${CTR[@]}" task rm -f c1 >/dev/null 2>&1; timeout 20 "${CTR[@]}" container rm c1 >/dev/null 2>&1
check "gc after the last container" "$HOOK" gc
expect_eq "no lease left" 0 "$(lease_count)"
expect_eq "no veth left" 0 "$(veth_count)"
expect_eq "no port rule left" 0 "$(port_rules | wc -l)"

summary
