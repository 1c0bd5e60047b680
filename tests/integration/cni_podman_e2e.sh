#!/usr/bin/env bash
# netns-hook as the CNI plugin of podman's CNI network backend, wired with the
# shipped config-examples/cni/87-podman-netns-hook.conflist as a podman network:
# `-p` reachable from an "outside" namespace, `--ip` and `--mac-address`
# honoured (they arrive in CNI_ARGS), two containers pinging each other, and
# `podman rm -f` leaving nothing. Everything podman keeps goes under WORK,
# the sandbox's private /run or its tmpfs over /var/lib (cni_dirs). Runs inside tests/sandbox.sh.
set -uo pipefail
HOOK=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
[ "${NH_IN_SANDBOX:-}" = 1 ] || { echo "run me through tests/sandbox.sh"; exit 2; }
command -v podman >/dev/null || { echo "podman is not installed (scripts/install-deps.sh installs it)"; exit 1; }

WORK=$(mktemp -d /tmp/nh-pcni.XXXXXX)
EXAMPLES=$(cd "$(dirname "$0")/../../config-examples/cni" && pwd)
STATE_DIR=/run/netns-hook
CGROUP_PARENT=nh-pcni-${WORK##*.}
mkdir -p "$WORK/plugins" "$WORK/networks"
ln -s "$HOOK" "$WORK/plugins/netns-hook"
cp "$EXAMPLES/87-podman-netns-hook.conflist" "$WORK/networks/"
cat >"$WORK/containers.conf" <<CONF
[network]
network_backend = "cni"
cni_plugin_dirs = ["$WORK/plugins"]
network_config_dir = "$WORK/networks"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
CONF
cat >"$WORK/storage.conf" <<CONF
[storage]
driver = "vfs"
runroot = "/run/nh-pcni"
graphroot = "$WORK/storage"
CONF
export CONTAINERS_CONF=$WORK/containers.conf CONTAINERS_STORAGE_CONF=$WORK/storage.conf
PODMAN=(podman --root "$WORK/storage" --runroot /run/nh-pcni --tmpdir /run/nh-pcni-tmp --storage-driver vfs)

our_cgroups() { find /sys/fs/cgroup/*/"$CGROUP_PARENT" -depth -type d 2>/dev/null; }
cleanup() {
  local d pid
  timeout 60 "${PODMAN[@]}" rm -af -t 0 >/dev/null 2>&1
  for d in $(our_cgroups); do for pid in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done; done
  for d in $(our_cgroups); do rmdir "$d" 2>/dev/null; done
  ip netns del outside 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
# podman's CNI backend caches results in libcni's /var/lib/cni, which no
# option moves: a tmpfs of this sandbox, as for every CNI client (lib.sh).
cni_dirs
make_rootfs "$WORK/rootfs"

# An "outside" machine, joined to the sandbox by a veth (TEST-NET-2 only).
HOSTIP=198.51.100.1
ip netns add outside
ip link add uplink type veth peer name eth0 netns outside
ip addr add $HOSTIP/24 dev uplink && ip link set uplink up
ip -n outside addr add 198.51.100.2/24 dev eth0 && ip -n outside link set eth0 up && ip -n outside link set lo up

# run NAME [podman run options...]: a detached busybox container on nhpodman
# running the shell command SH (default: sleep 600).
run() {
  local name=$1; shift
  local cmd=(sh -c "${SH:-sleep 600}")
  timeout 60 "${PODMAN[@]}" run -d --name "$name" --network nhpodman --cgroup-parent "/$CGROUP_PARENT" \
    --cap-add NET_RAW "$@" --rootfs "$WORK/rootfs" "${cmd[@]}" </dev/null >"$WORK/$name.log" 2>&1
}
pexec() { local name=$1; shift; timeout 20 "${PODMAN[@]}" exec "$name" "$@"; }
paddr() { pexec "$1" ip -4 -o addr show eth0 2>/dev/null | awk '{print $4}' | cut -d/ -f1; }
GET='printf "GET /id HTTP/1.0\r\n\r\n" | busybox nc ${0%:*} ${0#*:} | tail -n 1'

echo "# podman sees the shipped conflist as a network"
check "podman network ls lists nhpodman" bash -c "timeout 30 ${PODMAN[*]} network ls --format '{{.Name}}' | grep -qx nhpodman"

echo "# -p, --ip and --mac-address"
SH="echo w1 > /tmp/id; httpd -f -p 80 -h /tmp" check "w1 starts with -p 8080:80 --ip 10.91.0.50 --mac-address" \
  run w1 -p 8080:80 --ip 10.91.0.50 --mac-address 02:42:0a:5b:00:32
expect_eq "w1 has the address asked for" 10.91.0.50 "$(paddr w1)"
expect_eq "and the MAC" 02:42:0a:5b:00:32 "$(pexec w1 cat /sys/class/net/eth0/address)"
check "w1 has its default route via the gateway" bash -c "timeout 20 ${PODMAN[*]} exec w1 ip route | grep -q '^default via 10.91.0.1 dev eth0'"
sleep 0.3  # httpd binds
expect_eq "outside reaches HOSTIP:8080" w1 "$(timeout 5 ip netns exec outside sh -c "$GET" $HOSTIP:8080 2>/dev/null)"
check "w2 starts" run w2
check "w2 pings w1" pexec w2 ping -c1 -W2 10.91.0.50
check "w1 pings the gateway" pexec w1 ping -c1 -W2 10.91.0.1
ID1=$(timeout 20 "${PODMAN[@]}" inspect -f '{{.Id}}' w1)
check "the lease is under podman's container id" leased "$ID1"
expect_eq "w1 publishes its port" 1 "$(port_rules | awk -v id="$ID1" '$1 == substr(id, 1, 100)' | wc -l)"
rejects_run() { ! run "$@"; }
check "a second container asking for 10.91.0.50 fails" rejects_run w3 --ip 10.91.0.50
check "podman shows why" grep -q "already leased" "$WORK/w3.log"
timeout 30 "${PODMAN[@]}" rm -f w3 >/dev/null 2>&1

echo "# podman rm -f leaves nothing"
check "podman rm -f w1 w2" timeout 60 "${PODMAN[@]}" rm -f -t 0 w1 w2
expect_eq "no lease left" 0 "$(lease_count)"
expect_eq "no veth left" 0 "$(veth_count)"
expect_eq "no port rule left" 0 "$(port_rules | wc -l)"
expect_eq "outside no longer reaches 8080" "" "$(timeout 5 ip netns exec outside sh -c "$GET" $HOSTIP:8080 2>/dev/null)"

summary
