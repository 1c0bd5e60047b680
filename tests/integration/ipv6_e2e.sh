#!/usr/bin/env bash
# IPv6 end to end under the real runc: dual-stack containers on the default
# network (--ip6) and on a named network (--ipv6), pings over IPv6 right after
# `runc run` returns (no duplicate address detection to wait for), both
# default routes, published ports over both families from an "outside"
# namespace, the masquerade, the router-advertisement warning, and teardown
# leaving nothing of either family. Runs inside tests/sandbox.sh; every packet
# stays between the sandbox's own namespaces.
set -uo pipefail
HOOK=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
[ "${NH_IN_SANDBOX:-}" = 1 ] || { echo "run me through tests/sandbox.sh"; exit 2; }

WORK=$(mktemp -d /tmp/nh-v6.XXXXXX)
trap 'delete_all_containers; ip netns del outside 2>/dev/null; rm -rf "$WORK"' EXIT
make_rootfs "$WORK/rootfs"
STATE_DIR=/run/nh-v6 NETWORKS_DIR=$WORK/networks
G=(--state-dir "$STATE_DIR" --networks-dir "$NETWORKS_DIR" --ip6 fd00:19::1/64 --log-file "$WORK/hook.log")
nh() { "$HOOK" "${G[@]}" "$@"; }
HOST4=198.51.100.1 OUT4=198.51.100.2 HOST6=fd99::1 OUT6=fd99::2  # only between the sandbox and "outside"

ip netns add outside
ip link add uplink type veth peer name eth0 netns outside
ip addr add $HOST4/24 dev uplink
ip addr add $HOST6/64 dev uplink nodad
ip link set uplink up
ip -n outside addr add $OUT4/24 dev eth0
ip -n outside addr add $OUT6/64 dev eth0 nodad
ip -n outside link set eth0 up
ip -n outside link set lo up
# The host's IPv6 default route, as if learned from router advertisements on
# the uplink, which takes them (accept_ra 1): forwarding will make Linux
# ignore them, and the hook must say so.
echo 1 >/proc/sys/net/ipv6/conf/uplink/accept_ra
ip -6 route add default via $OUT6 dev uplink proto ra

start() {  # start ID [ANNOTATIONS] [CMD]
  ANNOTATIONS=${2:-} CMD=${3:-} HOOK_ARGS="${G[*]}" make_bundle "$WORK/$1" "$WORK/rootfs" "$HOOK"
  runc_start "$1" "$WORK/$1"
}
addr6() { timeout 10 runc exec "$1" ip -6 -o addr show "${2:-eth0}" scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1; }
addr4() { timeout 10 runc exec "$1" ip -4 -o addr show "${2:-eth0}" 2>/dev/null | awk '{print $4}' | cut -d/ -f1; }
ping6() { timeout 10 runc exec "$1" ping -6 -c1 -W2 "$2" >/dev/null 2>&1; }
routes() { timeout 10 runc exec "$1" ip "$2" route | grep '^default' | sed 's/ *$//'; }
# GET /id through busybox nc, from outside: fetch_outside HOST PORT
fetch_outside() { timeout 5 ip netns exec outside sh -c 'printf "GET /id HTTP/1.0\r\n\r\n" | busybox nc "$0" "$1" | tail -n 1' "$1" "$2" 2>/dev/null; }
web() { echo "echo $1 > /tmp/id; httpd -f -p 80 -h /tmp"; }

echo "# two dual-stack containers ping each other over IPv6 at once"
check "v1 starts" start v1
# No sleep: the addresses are added without duplicate address detection.
V1=$(addr6 v1)
check "v1 pings its IPv6 gateway right away" ping6 v1 fd00:19::1
check "v2 starts" start v2
V2=$(addr6 v2)
check "v2 pings v1 over IPv6 right away" ping6 v2 "$V1"
check "v1 pings v2 over IPv6" ping6 v1 "$V2"
check "v1's IPv6 address is in fd00:19::/64 ($V1)" grep -q '^fd00:19::' <<<"$V1"
check "v1 also has an IPv4 address" grep -qE '^172\.19\.' <<<"$(addr4 v1)"
check "v1's eth0 keeps its IPv6 link-local address" bash -c "timeout 10 runc exec v1 ip -6 -o addr show eth0 scope link | grep -q 'inet6 fe80:'"
check "the global addresses are not tentative" bash -c "timeout 10 runc exec v1 ip -6 addr show eth0 scope global | grep -q inet6 && ! timeout 10 runc exec v1 ip -6 addr show eth0 scope global | grep -q tentative"
expect_eq "v1's IPv6 default route" "default via fd00:19::1 dev eth0  metric 1024" "$(routes v1 -6 | sed 's/ proto [a-z]*//; s/ pref medium//')"
expect_eq "v1's IPv4 default route" "default via 172.19.0.1 dev eth0" "$(routes v1 -4)"
expect_eq "v2 has the same two default routes" "default via fd00:19::1 dev eth0  metric 1024|default via 172.19.0.1 dev eth0" \
  "$(routes v2 -6 | sed 's/ proto [a-z]*//; s/ pref medium//')|$(routes v2 -4)"
expect_eq "the bridge takes no router advertisements" 0 "$(cat /proc/sys/net/ipv6/conf/netns0/accept_ra)"
expect_eq "IPv6 forwarding is on" 1 "$(cat /proc/sys/net/ipv6/conf/all/forwarding)"
check "the hook warned that the uplink's RA default route will be ignored" \
  grep -q 'router advertisements on uplink.*accept_ra=2' "$WORK/hook.log"
check "the bridge's gateway is not tentative either" bash -c "ip -6 addr show netns0 scope global | grep -q fd00:19::1 && ! ip -6 addr show netns0 scope global | grep -q tentative"
check "ls shows both addresses" bash -c "'$HOOK' ${G[*]} ls --json | jq -e '.[] | select(.id == \"v1\") | .addresses | length == 2' >/dev/null"

echo "# out through the masquerade, over both families"
check "v1 reaches the outside over IPv6" ping6 v1 $OUT6
check "v1 reaches the outside over IPv4" timeout 10 runc exec v1 ping -c1 -W2 $OUT4
expect_eq "one IPv6 masquerade rule for the subnet" 1 "$(masquerade_rules fd00:19::/64 netns0)"

echo "# published ports over both families"
check "w1 starts publishing 8080 (both families) and [::]:8081 (IPv6 only)" start w1 '"netns-hook.ports": "8080:80, [::]:8081:80"' "$(web w1)"
check "w4 starts publishing 0.0.0.0:8081 (IPv4 only): no clash with w1's [::]:8081" start w4 '"netns-hook.ports": "0.0.0.0:8081:80"' "$(web w4)"
sleep 0.3  # httpd binds
expect_eq "outside reaches [$HOST6]:8080 over IPv6" w1 "$(fetch_outside $HOST6 8080)"
expect_eq "outside reaches $HOST4:8080 over IPv4" w1 "$(fetch_outside $HOST4 8080)"
expect_eq "[::]:8081 leads to w1 over IPv6" w1 "$(fetch_outside $HOST6 8081)"
expect_eq "0.0.0.0:8081 leads to w4 over IPv4" w4 "$(fetch_outside $HOST4 8081)"
fw_reload  # the firewall's rules, both families, gone
not_w1() { [ "$(fetch_outside "$@")" != w1 ]; }
check "after a firewall reload outside no longer reaches [$HOST6]:8080" not_w1 $HOST6 8080
check "restore" nh restore
expect_eq "after restore outside reaches [$HOST6]:8080 again" w1 "$(fetch_outside $HOST6 8080)"
expect_eq "and v1 reaches the outside over IPv6 again" 0 "$(ping6 v1 $OUT6; echo $?)"
start_fails() { ! start "$@"; }
check "a container asking for [::1] is refused" start_fails lo6 '"netns-hook.ports": "[::1]:9000:80"' "sleep 300"
check "the error says why" grep -q "IPv6 loopback" "$WORK/lo6/log"
timeout 20 runc delete -f lo6 >/dev/null 2>&1

echo "# a named dual-stack network"
check "network create v6net --ipv6 (a random ULA /64)" nh network create v6net --ipv6 --subnet 10.89.9.0/24
SUB6=$(nh network inspect v6net | jq -r '.subnets[1].subnet')
check "its IPv6 subnet is a ULA /64 ($SUB6)" grep -qE '^fd[0-9a-f]{2}:[0-9a-f:]+/64$' <<<"$SUB6"
check "n1 starts on v6net" start n1 '"netns-hook.networks": "v6net"'
N1=$(addr6 n1)
GW6=$(nh network inspect v6net | jq -r '.subnets[1].gateway')
check "n1 pings its IPv6 gateway ($GW6)" ping6 n1 "$GW6"
check "n1 does not reach v1 over IPv6 (isolated networks)" bash -c "! timeout 10 runc exec n1 ping -6 -c1 -W1 '$V1' >/dev/null 2>&1"
check "n1 reaches the outside over IPv6" ping6 n1 $OUT6
check "n1 deleted" timeout 30 runc delete -f n1

echo "# teardown leaves nothing of either family"
delete_all_containers
expect_eq "no lease left" 0 "$(lease_count)"
expect_eq "no record left" 0 "$(record_count)"
expect_eq "no veth left" 0 "$(veth_count)"
expect_eq "no IPv6 DNAT rule left" 0 "$(port_rules 6 | wc -l)"
expect_eq "no IPv4 DNAT rule left" 0 "$(port_rules 4 | wc -l)"
check "v6net has rules in both families" bash -c "[ \"$(masquerade_rules "$SUB6" nh-v6net)\" = 1 ] && [ \"$(masquerade_rules 10.89.9.0/24 nh-v6net)\" = 1 ]"
check "network rm v6net" nh network rm v6net
expect_eq "its rules are gone from both families" 0 "$(network_rules nh-v6net)"

summary
