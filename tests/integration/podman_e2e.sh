#!/usr/bin/env bash
# End to end under the real podman (with runc), wired the way users wire it:
# the hooks.d files shipped in config-examples/hooks.d/ (only the binary path
# substituted) given to podman with --hooks-dir, containers started with
# --network none. Runs inside tests/sandbox.sh; only ever sends packets between
# the sandbox's own namespaces.
set -uo pipefail
HOOK=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
[ "${NH_IN_SANDBOX:-}" = 1 ] || { echo "run me through tests/sandbox.sh"; exit 2; }
command -v podman >/dev/null || { echo "podman is not installed (scripts/install-deps.sh installs it)"; exit 1; }

WORK=$(mktemp -d /tmp/nh-podman.XXXXXX)
EXAMPLES=$(cd "$(dirname "$0")/../../config-examples/hooks.d" && pwd)
STATE_DIR=/run/netns-hook
# Everything podman keeps goes under WORK or the sandbox's private /run; the
# machine's containers.conf and storage.conf are not read, no registry is used
# (the root filesystem is a directory). cgroups are kernel-wide, so every
# container and its conmon go under a parent of this test's own, removed at the end.
CGROUP_PARENT=nh-podman-${WORK##*.}
: >"$WORK/containers.conf"
cat >"$WORK/storage.conf" <<CONF
[storage]
driver = "vfs"
runroot = "/run/nh-podman"
graphroot = "$WORK/storage"
CONF
export CONTAINERS_CONF=$WORK/containers.conf CONTAINERS_STORAGE_CONF=$WORK/storage.conf
PODMAN=(podman --root "$WORK/storage" --runroot /run/nh-podman --tmpdir /run/nh-podman-tmp
        --storage-driver vfs --events-backend file --cgroup-manager cgroupfs --runtime runc
        --network-config-dir "$WORK/cni")
mkdir -p "$WORK/hooks" "$WORK/hooks-always" "$WORK/hooks-prestart" "$WORK/hooks-nets" "$WORK/networks"
sed "s|/usr/bin/netns-hook|$HOOK|g" "$EXAMPLES/netns-hook.json" >"$WORK/hooks/netns-hook.json"
sed "s|/usr/bin/netns-hook|$HOOK|g" "$EXAMPLES/netns-hook-always.json" >"$WORK/hooks-always/netns-hook.json"
sed "s|/usr/bin/netns-hook|$HOOK|g" "$EXAMPLES/prestart/netns-hook.json" >"$WORK/hooks-prestart/netns-hook.json"
# The opt-in file and the per-network one side by side, both told where this
# test keeps its network files (the machine's /etc is not ours).
for f in netns-hook.json netns-hook-web.json; do
  sed -e "s|/usr/bin/netns-hook|$HOOK|g" -e "s|\"args\": \[\"netns-hook\"|\"args\": [\"netns-hook\", \"--networks-dir\", \"$WORK/networks\"|" \
    "$EXAMPLES/$f" >"$WORK/hooks-nets/$f"
done
cp "$EXAMPLES/../networks/web.json" "$EXAMPLES/../networks/backend.json" "$WORK/networks/"

our_cgroups() { find /sys/fs/cgroup/*/"$CGROUP_PARENT" -depth -type d 2>/dev/null; }
remove_cgroups() {  # kill what is left in our cgroups (by pid), then remove them
  local d pid
  for d in $(our_cgroups); do
    for pid in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  done
  for d in $(our_cgroups); do rmdir "$d" 2>/dev/null || true; done
  [ -z "$(our_cgroups)" ]
}
cleanup() {
  timeout 60 "${PODMAN[@]}" rm -af -t 0 >/dev/null 2>&1 || true
  remove_cgroups || echo "cgroups left behind: $(our_cgroups | tr '\n' ' ')"
  rm -rf "$WORK"
}
trap cleanup EXIT
# podman writes into the root filesystem (mount points for /etc/hosts and
# friends), so it gets a copy of its own.
make_rootfs "$WORK/rootfs"

# run NAME HOOKS_DIR [podman run options...]: a detached busybox container,
# with --network none unless NET says otherwise, running CMD (split on spaces;
# default sleep 600). podman's output goes to WORK/NAME.log, the id to WORK/NAME.id.
run() {
  local name=$1 hooks=$2; shift 2
  local cmd; read -ra cmd <<<"${CMD:-sleep 600}"
  timeout 60 "${PODMAN[@]}" --hooks-dir "$hooks" run -d --name "$name" --network "${NET:-none}" \
    --cgroup-parent "/$CGROUP_PARENT" --cap-add NET_RAW --rootfs "$@" "$WORK/rootfs" \
    "${cmd[@]}" </dev/null >"$WORK/$name.log" 2>&1 && tail -n1 "$WORK/$name.log" >"$WORK/$name.id"
}
pexec() { local name=$1; shift; timeout 20 "${PODMAN[@]}" exec "$name" "$@"; }
pip() { pexec "$1" ip -4 -o addr show eth0 2>/dev/null | awk '{print $4}' | cut -d/ -f1; }
id_of() { cat "$WORK/$1.id"; }
ctr_leased() { leased "$(id_of "$1")"; }
# released NAME: the container was started (its id is known) and has no lease
released() { [ -s "$WORK/$1.id" ] && not_leased "$(id_of "$1")"; }
no_link() { link_gone "$1"; }
wait_until() {  # wait_until SECONDS command...: poll every 0.2 s
  local _
  for _ in $(seq $(($1 * 5))); do "${@:2}" && return 0; sleep 0.2; done
  return 1
}
ON=(--annotation netns-hook.enable=true)

echo "# the shipped hooks.d files"
check "netns-hook.json is opt-in by annotation" grep -q '"^netns-hook\\\\.enable\$": "^true\$"' "$EXAMPLES/netns-hook.json"
check "netns-hook-always.json matches every container" grep -q '"always": true' "$EXAMPLES/netns-hook-always.json"

echo "# two containers that opt in"
check "p1 starts" run p1 "$WORK/hooks" "${ON[@]}"
check "p2 starts" run p2 "$WORK/hooks" "${ON[@]}"
IP1=$(pip p1); IP2=$(pip p2)
check "p1 has an address in 172.19.0.0/16 ($IP1)" grep -qE '^172\.19\.[0-9]+\.[0-9]+$' <<<"$IP1"
check "p2 has an address in 172.19.0.0/16 ($IP2)" grep -qE '^172\.19\.[0-9]+\.[0-9]+$' <<<"$IP2"
check "the two addresses differ" test "$IP1" != "$IP2"
check "p1 has a default route via the gateway" grep -q '^default via 172.19.0.1 dev eth0' <<<"$(pexec p1 ip route)"
check "p1 pings p2" pexec p1 ping -c1 -W2 "$IP2"
check "p2 pings p1" pexec p2 ping -c1 -W2 "$IP1"
check "p1 pings the gateway" pexec p1 ping -c1 -W2 172.19.0.1
check "p2 pings the gateway" pexec p2 ping -c1 -W2 172.19.0.1
check "the lease is under podman's full container id" ctr_leased p1
expect_eq "two host veths on the bridge" 2 "$(ip -o link show master netns0 | wc -l)"
check "the containers are in this test's cgroup" grep -q "/libpod-$(id_of p1)$" <<<"$(our_cgroups)"

echo "# a container without the annotation is left alone"
VETHS_BEFORE=$(veth_count)
check "p3 starts without the annotation" run p3 "$WORK/hooks"
expect_eq "p3 has no eth0" "" "$(pexec p3 ip -o link show 2>/dev/null | grep -o eth0)"
expect_eq "p3 has only lo" 1 "$(pexec p3 ip -o link show | wc -l)"
check "no lease for p3" released p3
expect_eq "no veth for p3" "$VETHS_BEFORE" "$(veth_count)"

echo "# a failing setup fails podman run and leaves nothing"
VETHS_BEFORE=$(veth_count)
check "a container asking for p1's address fails to start" not run taken "$WORK/hooks" "${ON[@]}" --annotation "netns-hook.ip=$IP1"
check "podman shows the hook's error" grep -q "already leased to $(id_of p1)" "$WORK/taken.log"
expect_eq "no veth left by the failed setup" "$VETHS_BEFORE" "$(veth_count)"
timeout 60 "${PODMAN[@]}" rm -f taken >/dev/null 2>&1

echo "# a container that already has an eth0 (a network of its own) is refused clearly"
# As with podman's default network: here a namespace of the test's own with an
# eth0 in it, joined with --network ns:PATH.
ip netns add nh-own-net && ip -n nh-own-net link add eth0 type veth peer name eth0-peer
VETHS_BEFORE=$(veth_count)
LEASES_BEFORE=$(lease_count)
NET=ns:/run/netns/nh-own-net check "a container with its own eth0 fails to start" not run ownnet "$WORK/hooks" "${ON[@]}"
check "it failed in the hook" grep -q "netns-hook: set up container" "$WORK/ownnet.log"
check "the error says the container already has eth0" grep -q "the container already has a link named eth0" "$WORK/ownnet.log"
expect_eq "no veth left" "$VETHS_BEFORE" "$(veth_count)"
expect_eq "no lease left" "$LEASES_BEFORE" "$(lease_count)"
timeout 60 "${PODMAN[@]}" rm -f ownnet >/dev/null 2>&1
ip netns delete nh-own-net

echo "# podman stop: podman runs the poststop hook itself (no pid) and it tears down"
VETH1=$(veth_of "$IP1")
check "p1's veth is known ($VETH1)" test -n "$VETH1"
check "podman stop p1" timeout 60 "${PODMAN[@]}" stop -t 0 p1
check "p1's lease is gone" released p1
check "p1's address is free" not address_leased "$IP1"
check "p1's veth is gone" no_link "$VETH1"
check "podman rm p1" timeout 60 "${PODMAN[@]}" rm p1
check "p2 still pings the gateway" pexec p2 ping -c1 -W2 172.19.0.1

echo "# podman rm -f of a running container tears down"
VETH2=$(veth_of "$IP2")
check "podman rm -f p2" timeout 60 "${PODMAN[@]}" rm -f -t 0 p2
check "p2's lease is gone" released p2
check "p2's veth is gone" no_link "$VETH2"

echo "# a container that exits by itself: conmon's cleanup runs the poststop hook"
CMD="sleep 2" check "p4 starts" run p4 "$WORK/hooks" "${ON[@]}"
check "p4 had a lease" ctr_leased p4
check "p4's lease is released after it exits (at most 30 s)" wait_until 30 released p4
timeout 60 "${PODMAN[@]}" rm -f p4 >/dev/null 2>&1

echo "# netns-hook-always.json: every container gets a network"
check "p5 starts without the annotation" run p5 "$WORK/hooks-always"
IP5=$(pip p5)
check "p5 has an address in 172.19.0.0/16 ($IP5)" grep -qE '^172\.19\.[0-9]+\.[0-9]+$' <<<"$IP5"
check "p5 pings the gateway" pexec p5 ping -c1 -W2 172.19.0.1
check "podman rm -f p5" timeout 60 "${PODMAN[@]}" rm -f -t 0 p5
check "p5's lease is gone" released p5

echo "# prestart/netns-hook.json, for runtimes older than createRuntime"
check "p6 starts" run p6 "$WORK/hooks-prestart" "${ON[@]}"
IP6=$(pip p6)
check "p6 has an address in 172.19.0.0/16 ($IP6)" grep -qE '^172\.19\.[0-9]+\.[0-9]+$' <<<"$IP6"
check "p6 pings the gateway" pexec p6 ping -c1 -W2 172.19.0.1
check "podman rm -f p6" timeout 60 "${PODMAN[@]}" rm -f -t 0 p6
check "p6's lease is gone" released p6

echo "# named networks: the per-network hooks.d file, and the annotation"
check "the per-network file adds --network web" grep -q '"--network", "web"' "$EXAMPLES/netns-hook-web.json"
check "w1 starts opted in for web" run w1 "$WORK/hooks-nets" --annotation netns-hook.enable=web
check "w1 is on web (10.89.1.0/24)" grep -qE '^10\.89\.1\.[0-9]+$' <<<"$(pip w1)"
check "w1's default route is web's gateway" grep -q '^default via 10.89.1.1 dev eth0' <<<"$(pexec w1 ip route)"
check "d1 starts opted in as usual, and on default" run d1 "$WORK/hooks-nets" "${ON[@]}"
check "d1 is on default (172.19.0.0/16)" grep -qE '^172\.19\.[0-9]+\.[0-9]+$' <<<"$(pip d1)"
# podman splits --annotation on commas (CSV): a list is quoted as one CSV field.
check "w2 starts on web and backend by annotation" run w2 "$WORK/hooks-nets" "${ON[@]}" --annotation '"netns-hook.networks=web,backend"'
check "w2 has eth1 on backend (10.89.2.0/24)" grep -q ' 10.89.2.' <<<"$(pexec w2 ip -4 -o addr show eth1)"
check "w2 reaches w1 on web" pexec w2 ping -c1 -W2 "$(pip w1)"
check "w1 does not reach d1 (isolated networks)" not pexec w1 ping -c1 -W1 "$(pip d1)"
check "podman rm -f w1 w2 d1" timeout 60 "${PODMAN[@]}" rm -f -t 0 w1 w2 d1
expect_eq "their leases are gone" 0 "$("$HOOK" --state-dir "$STATE_DIR" ls --json | jq '[.[] | select(.network != "default")] | length')"

echo "# everything goes away"
timeout 60 "${PODMAN[@]}" rm -af -t 0 >/dev/null 2>&1
expect_eq "no veth left" 0 "$(veth_count)"
expect_eq "no lease left" 0 "$(lease_count)"
expect_eq "no record or id index left" 0 "$(record_count)"
check "this test's cgroups can all be removed (no process left in them)" remove_cgroups

summary
