#!/usr/bin/env bash
# Published ports under the real runc, inside tests/sandbox.sh. The sandbox is
# the "host"; a namespace "outside" joined to it by a veth plays a client on
# another machine. Every packet stays between the sandbox's own namespaces.
set -uo pipefail
HOOK=$(realpath "$1")
UDP_ECHO=$(realpath "$2")
. "$(dirname "$0")/lib.sh"
[ "${NH_IN_SANDBOX:-}" = 1 ] || { echo "run me through tests/sandbox.sh"; exit 2; }

WORK=$(mktemp -d /tmp/nh-ports.XXXXXX)
trap 'delete_all_containers; ip netns del outside 2>/dev/null; rm -rf "$WORK"' EXIT
make_rootfs "$WORK/rootfs"
cp "$UDP_ECHO" "$WORK/rootfs/bin/udp_echo"
STATE_DIR=/run/netns-hook
HOSTIP=198.51.100.1  # TEST-NET-2, only ever between the sandbox and "outside"

ip netns add outside
ip link add uplink type veth peer name eth0 netns outside
ip addr add $HOSTIP/24 dev uplink
ip link set uplink up
ip -n outside addr add 198.51.100.2/24 dev eth0
ip -n outside link set eth0 up
ip -n outside link set lo up
# Published ports must work where forwarding is denied by default in the
# backend's own framework. (nftables has no such default that another
# table's accept could override: a drop in any base chain is final, which
# nftables_e2e shows netns-hook warns about.)
[ "$FW" = iptables ] && iptables-legacy -P FORWARD DROP

start() {  # start ID PORTS CMD
  ANNOTATIONS="\"netns-hook.ports\": \"$2\"" CMD="$3" make_bundle "$WORK/$1" "$WORK/rootfs" "$HOOK"
  runc_start "$1" "$WORK/$1"
}
start_fails() { ! start "$@"; }
web() { echo "echo $1 > /tmp/id; httpd -f -p 80 -h /tmp"; }
# HTTP GET /id through busybox nc (busybox wget -T crashes here), bounded in time.
GET='printf "GET /id HTTP/1.0\r\n\r\n" | busybox nc ${0%:*} ${0#*:} | tail -n 1'
fetch() { timeout 5 sh -c "$GET" "$1" 2>/dev/null; }
fetch_outside() { timeout 5 ip netns exec outside sh -c "$GET" "$1" 2>/dev/null; }
fetch_from() { timeout 5 runc exec "$1" sh -c "$GET" "$2" 2>/dev/null; }

echo "# tcp: from outside, from the host, from localhost"
check "web2 starts publishing 8090" start web2 "8090:80" "$(web web2)"
RULES_WITH_WEB2=$(fw_rules)
# A first UDP datagram from the outside client's port 40000 before anything
# publishes 5353 (now that NAT rules exist, conntrack records it): without the
# flush at publish time, later datagrams of this flow would keep missing the DNAT.
timeout 10 ip netns exec outside "$UDP_ECHO" send $HOSTIP 5353 40000 early >/dev/null 2>&1
check "web1 starts publishing 8080 and 127.0.0.1:8081" start web1 "8080:80, 127.0.0.1:8081:80/tcp" "$(web web1)"
sleep 0.3  # let httpd bind
expect_eq "outside reaches HOSTIP:8080" web1 "$(fetch_outside $HOSTIP:8080)"
expect_eq "outside reaches HOSTIP:8090" web2 "$(fetch_outside $HOSTIP:8090)"
expect_eq "the host reaches HOSTIP:8080" web1 "$(fetch $HOSTIP:8080)"
expect_eq "the host reaches 127.0.0.1:8080" web1 "$(fetch 127.0.0.1:8080)"
expect_eq "the host reaches 127.0.0.1:8081 (bound to 127.0.0.1)" web1 "$(fetch 127.0.0.1:8081)"
expect_eq "outside does not reach 8081 (bound to 127.0.0.1)" "" "$(fetch_outside $HOSTIP:8081)"
expect_eq "web2 reaches web1 through the host's address (hairpin)" web1 "$(fetch_from web2 $HOSTIP:8080)"
expect_eq "web1 reaches itself through the host's address" web1 "$(fetch_from web1 $HOSTIP:8080)"
check "route_localnet is on for the bridge only" bash -c "[ \$(cat /proc/sys/net/ipv4/conf/netns0/route_localnet) = 1 ] && [ \$(cat /proc/sys/net/ipv4/conf/uplink/route_localnet) = 0 ]"
check "ls shows web1's ports" bash -c "'$HOOK' ls | grep '^web1 ' | grep -q '\*:8080->80/tcp, 127.0.0.1:8081->80/tcp'"
expect_eq "one DNAT rule per web1 port" 2 "$(port_rules_of web1)"

echo "# udp, and a stale conntrack entry from before the port was published"
check "udp1 starts publishing 5353/udp" start udp1 "5353:5353/udp" "udp_echo serve 5353 udp1"
sleep 0.3
expect_eq "outside reaches udp 5353 from the port that had a flow before" "udp1:again" "$(timeout 10 ip netns exec outside "$UDP_ECHO" send $HOSTIP 5353 40000 again)"
expect_eq "hairpin mode is on for the three publishing containers' ports" 3 "$(for l in $(ip -o link show master netns0 | awk -F'[:@ ]+' '{print $2}'); do bridge -d link show dev "$l"; done | grep -c 'hairpin on')"
expect_eq "outside reaches udp 5353 from another port" "udp1:hi" "$(timeout 10 ip netns exec outside "$UDP_ECHO" send $HOSTIP 5353 40001 hi)"

echo "# conflicts are refused and leave nothing"
VETHS=$(veth_count); LEASES=$(lease_count); RULES=$(fw_rules)
check "a second container asking for 8080 fails" start_fails dup "8080:80" "$(web dup)"
check "the error names the holder" grep -q "host port 8080/tcp is already published by container web1" "$WORK/dup/log"
check "127.0.0.1:8090 conflicts with web2's 0.0.0.0:8090" start_fails dup2 "127.0.0.1:8090:80" "$(web dup2)"
check "the error names web2" grep -q "already published by container web2" "$WORK/dup2/log"
expect_eq "no veth left" "$VETHS" "$(veth_count)"
expect_eq "no lease left" "$LEASES" "$(lease_count)"
expect_eq "no rule changed" "$RULES" "$(fw_rules)"
timeout 20 runc delete -f dup >/dev/null 2>&1; timeout 20 runc delete -f dup2 >/dev/null 2>&1
check "the same port over udp is not a conflict" start other "8090:80/udp" "sleep 300"
check "other is deleted" timeout 30 runc delete -f other

echo "# bad annotations: their message, nothing changed"
# annotation | the item the error must quote
while IFS='|' read -r bad item; do
  rm -rf "$WORK/bad"
  check "\"$bad\" is refused" start_fails bad "$bad" "sleep 300"
  check "\"$bad\" is quoted in the error" grep -qF "item \\\"$item\\\"" "$WORK/bad/log"
  timeout 20 runc delete -f bad >/dev/null 2>&1
done <<'TABLE'
0:80|0:80
70000:80|70000:80
8080-8081:80|8080-8081:80
8080:80/icmp|8080:80/icmp
10.9.9.9:8080:80|10.9.9.9:8080:80/tcp
abc|abc
8080:80,,9090:90|
TABLE
expect_eq "no veth left by bad annotations" "$VETHS" "$(veth_count)"
expect_eq "no lease left by bad annotations" "$LEASES" "$(lease_count)"
expect_eq "no rule changed by bad annotations" "$RULES" "$(fw_rules)"

echo "# teardown removes exactly one container's rules"
check "web1 deleted" timeout 30 runc delete -f web1
check "udp1 deleted" timeout 30 runc delete -f udp1
expect_eq "the rules are what they were before web1 and udp1" "$RULES_WITH_WEB2" "$(fw_rules)"
expect_eq "web2 still answers" web2 "$(fetch_outside $HOSTIP:8090)"
expect_eq "8080 is closed" "" "$(fetch_outside $HOSTIP:8080)"
check "8080 is free again" start web3 "8080:80" "$(web web3)"
sleep 0.3
expect_eq "and reaches the new container" web3 "$(fetch_outside $HOSTIP:8080)"

summary
