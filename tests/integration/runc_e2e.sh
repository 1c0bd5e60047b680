#!/usr/bin/env bash
# End to end under the real runc: containers started with netns-hook as their
# prestart and poststop hooks. Runs inside tests/sandbox.sh; only ever sends
# packets between the sandbox's own namespaces.
set -uo pipefail
HOOK=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
[ "${NH_IN_SANDBOX:-}" = 1 ] || { echo "run me through tests/sandbox.sh"; exit 2; }

WORK=$(mktemp -d /tmp/nh-runc.XXXXXX)
trap 'delete_all_containers; rm -rf "$WORK"' EXIT
make_rootfs "$WORK/rootfs"
STATE_DIR=/run/netns-hook

start() {  # start ID [make_bundle options already exported]
  make_bundle "$WORK/$1" "$WORK/rootfs" "$HOOK"
  runc_start "$1" "$WORK/$1"
}
start_fails() { ! start "$@"; }

echo "# two containers on the bridge"
check "c1 starts" start c1
check "c2 starts" start c2
IP1=$(container_ip c1); IP2=$(container_ip c2)
check "c1 has an address in 172.19.0.0/16 ($IP1)" grep -qE '^172\.19\.[0-9]+\.[0-9]+$' <<<"$IP1"
check "c2 has an address in 172.19.0.0/16 ($IP2)" grep -qE '^172\.19\.[0-9]+\.[0-9]+$' <<<"$IP2"
check "the two addresses differ" test "$IP1" != "$IP2"
check "c1 has a default route via the gateway" bash -c "runc exec c1 ip route | grep -q '^default via 172.19.0.1 dev eth0'"
check "c2 has a default route via the gateway" bash -c "runc exec c2 ip route | grep -q '^default via 172.19.0.1 dev eth0'"
check "c1 has lo up" bash -c "runc exec c1 ip link show lo | grep -q UP"
check "the bridge has the gateway address" bash -c "ip -4 -o addr show netns0 | grep -q ' 172.19.0.1/16 '"
check "c1 pings c2" timeout 10 runc exec c1 ping -c1 -W2 "$IP2"
check "c2 pings c1" timeout 10 runc exec c2 ping -c1 -W2 "$IP1"
check "c1 pings the gateway" timeout 10 runc exec c1 ping -c1 -W2 172.19.0.1
check "the host reaches c2" timeout 10 busybox ping -c1 -W2 "$IP2"
check "ip_forward is on" grep -qx 1 /proc/sys/net/ipv4/ip_forward
expect_eq "two host veths on the bridge" 2 "$(ip -o link show master netns0 | wc -l)"
# IPv4-only: nothing of IPv6 on either end, so nothing is flooded to the other ports.
expect_eq "the host veth has IPv6 off" 1 "$(cat /proc/sys/net/ipv6/conf/"$(veth_of "$IP1")"/disable_ipv6)"
expect_eq "c1's eth0 has no IPv6 address" "" "$(timeout 10 runc exec c1 ip -6 -o addr show dev eth0)"

echo "# one rule set per bridge, however many containers"
check "c3 starts" start c3
expect_eq "MASQUERADE rule exists once" 1 "$(masquerade_rules 172.19.0.0/16 netns0)"
expect_eq "forwarding is hooked once" 1 "$(forward_hooks)"
expect_eq "forwarding from the bridge is accepted once" 1 "$(forward_accepts netns0)"
expect_eq "replies to the bridge are accepted once" 1 "$(reply_accepts netns0)"
check "ls lists c1, c2 and c3" bash -c "'$HOOK' ls | grep -q '^c1 ' && '$HOOK' ls | grep -q '^c2 ' && '$HOOK' ls | grep -q '^c3 '"

echo "# a container sharing c3's network namespace"
PID3=$(runc state c3 | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
VETHS_BEFORE=$(veth_count)
NETNS_PATH=/proc/$PID3/ns/net check "c3b starts in c3's namespace" start c3b
expect_eq "no second veth for a shared namespace" "$VETHS_BEFORE" "$(veth_count)"
expect_eq "c3b sees c3's address" "$(container_ip c3)" "$(container_ip c3b)"
expect_eq "c3b has one eth0" 1 "$(runc exec c3b ip -o link show | grep -c 'eth0')"
expect_eq "ls shows c3b's own pid, not c3's" "$(runc state c3b | jq .pid)" "$("$HOOK" ls --json | jq '.[] | select(.id == "c3b") | .pid')"
check "c3 is torn down" timeout 30 runc delete -f c3
check "c3b keeps its network after c3 left" timeout 10 runc exec c3b ping -c1 -W2 172.19.0.1
check "c3b's lease remains" leased c3b
expect_eq "c3's veth stays while c3b uses it" "$VETHS_BEFORE" "$(veth_count)"
check "c3b is torn down" timeout 30 runc delete -f c3b
expect_eq "the shared veth is gone with the last container" "$((VETHS_BEFORE - 1))" "$(veth_count)"
check "no lease left for c3b" not_leased c3b

echo "# a host-network container is left alone"
VETHS_BEFORE=$(veth_count)
HOST_NET=1 check "host-network container starts" start hostnet
expect_eq "no veth for a host-network container" "$VETHS_BEFORE" "$(veth_count)"
check "no lease for a host-network container" not_leased hostnet
check "host-network container is deleted" timeout 30 runc delete -f hostnet

echo "# teardown by runc delete"
VETH2=$(veth_of "$IP2")
check "c2's veth is known ($VETH2)" test -n "$VETH2"
check "runc delete -f c2" timeout 30 runc delete -f c2
check "c2's veth is gone" link_gone "$VETH2"
check "c2's lease is gone" not_leased c2
check "c2's id file is gone" not indexed c2
check "c2's address is free" not address_leased "$IP2"
check "a second teardown of c2 is a no-op" bash -c "echo '{\"id\":\"c2\",\"status\":\"stopped\"}' | '$HOOK'"

echo "# failures roll back"
VETHS_BEFORE=$(veth_count)
LEASES_BEFORE=$(lease_count)
ANNOTATIONS="\"netns-hook.ip\": \"$IP1\"" check "a container asking for c1's address fails to start" start_fails taken
check "the error names the address and its holder" grep -q "already leased to c1" "$WORK/taken/log"
expect_eq "no veth left by the failed setup" "$VETHS_BEFORE" "$(veth_count)"
expect_eq "no lease left by the failed setup" "$LEASES_BEFORE" "$(lease_count)"
timeout 20 runc delete -f taken >/dev/null 2>&1

# The firewall step fails: the lease claimed before it is released, and no
# link is left. It publishes a port, so even with every network rule in
# place its setup has something to add.
ANNOTATIONS='"netns-hook.ports": "9099:80"' with_firewall_failing check "a setup failing at the firewall step fails the start" start_fails latefail
check "the error says why the firewall failed" grep -q "$FW_FAILURE" "$WORK/latefail/log"
expect_eq "no veth is left" "$VETHS_BEFORE" "$(veth_count)"
expect_eq "the lease made before the failure was released" "$LEASES_BEFORE" "$(lease_count)"
timeout 20 runc delete -f latefail >/dev/null 2>&1

echo "# the runc example in config-examples/ works as shipped"
EXAMPLES=$(cd "$(dirname "$0")/../../config-examples" && pwd)
mkdir -p "$WORK/example"
sed -e "s|/usr/bin/netns-hook|$HOOK|g" -e "s|\"path\": \"rootfs\"|\"path\": \"$WORK/rootfs\"|" \
  "$EXAMPLES/runc/config.json" >"$WORK/example/config.json"
check "the example bundle starts" runc_start example "$WORK/example"
check "a second container from the same file starts too" runc_start example2 "$WORK/example"
EX1=$(container_ip example); EX2=$(container_ip example2)
check "they get addresses of their own ($EX1, $EX2)" bash -c "[ -n '$EX1' ] && [ -n '$EX2' ] && [ '$EX1' != '$EX2' ]"
check "it pings c1" timeout 10 runc exec example ping -c1 -W2 "$IP1"
check "it pings the second" timeout 10 runc exec example ping -c1 -W2 "$EX2"
check "the examples are deleted" bash -c "timeout 30 runc delete -f example && timeout 30 runc delete -f example2"

echo "# sysctls, a resolv.conf and an ip netns name, seen from inside"
make_rootfs "$WORK/rootfs-x"  # its own: the resolv.conf is written into it
HOOK_ARGS="--dns 10.0.0.53" ANNOTATIONS='"netns-hook.sysctl": "net.core.somaxconn=1024,net.ipv4.conf.eth0.arp_ignore=1,net.ipv6.conf.eth0.disable_ipv6=0"' \
  make_bundle "$WORK/x1" "$WORK/rootfs-x" "$HOOK"
check "x1 starts" runc_start x1 "$WORK/x1"
expect_eq "somaxconn as annotated, inside" 1024 "$(timeout 10 runc exec x1 cat /proc/sys/net/core/somaxconn)"
expect_eq "eth0's arp_ignore as annotated, inside" 1 "$(timeout 10 runc exec x1 cat /proc/sys/net/ipv4/conf/eth0/arp_ignore)"
expect_eq "an annotation turns eth0's IPv6 back on" 0 "$(timeout 10 runc exec x1 cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6)"
check "the container reads the nameserver" bash -c "timeout 10 runc exec x1 cat /etc/resolv.conf | grep -qx 'nameserver 10.0.0.53'"
check "ip netns exec nh-x1 sees its address" bash -c "ip netns exec nh-x1 ip -4 -o addr show eth0 | grep -q ' $(container_ip x1)/'"
check "x1 deleted" timeout 30 runc delete -f x1
check "its ip netns name is gone" bash -c "! ip netns list | grep -q nh-x1"

echo "# everything goes away"
check "c1 deleted" timeout 30 runc delete -f c1
expect_eq "no veth left" 0 "$(veth_count)"
expect_eq "no lease left" 0 "$(lease_count)"
expect_eq "no record or id index left" 0 "$(record_count)"

summary
