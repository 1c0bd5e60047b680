#!/usr/bin/env bash
# What only the nftables backend has, in the sandbox: published ports as map
# elements (the rule count does not grow with publishers), teardown that
# leaves the ruleset exactly as it found it, restore after `nft flush
# ruleset`, `--firewall auto` and its recorded choice, the warning about
# another framework's forward drop, and nothing outside its own table.
# "Containers" are processes in network namespaces of their own, set up as a
# runtime does it (a state JSON on stdin). Runs inside tests/sandbox.sh.
set -uo pipefail
HOOK=$(realpath "$1")
NH_FIREWALL=nftables
. "$(dirname "$0")/lib.sh"
[ "${NH_IN_SANDBOX:-}" = 1 ] || { echo "run me through tests/sandbox.sh"; exit 2; }

WORK=$(mktemp -d /tmp/nh-nft.XXXXXX)
cleanup() { kill "${PIDS[@]}" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
STATE_DIR=/run/netns-hook

# up ID [PORTS [ARGS...]]: sets ID up in a new namespace (its pid in PID_OF[ID]).
declare -A PID_OF
up() {
  local id=$1 ports=${2:-}; shift 2 2>/dev/null || shift
  new_netns_process; PID_OF[$id]=$NEWPID
  local ann=""
  [ -n "$ports" ] && ann=",\"annotations\":{\"netns-hook.ports\":\"$ports\"}"
  printf '{"id":"%s","status":"creating","pid":%s%s}' "$id" "$NEWPID" "$ann" | "$HOOK" "$@"
}
down() { local id=$1; shift; printf '{"id":"%s","status":"stopped"}' "$id" | "$HOOK" "$@"; }
ruleset() { nft -j list ruleset | jq -S 'del(.nftables[] | select(.metainfo))'; }

echo "# nothing outside its own table, and every base chain accepts by policy"
check_here "p1 set up publishing 7000" up p1 7000:80
expect_eq "the only table is inet netns_hook" "inet netns_hook" "$(nft list tables | sed 's/^table //')"
expect_eq "no base chain drops by policy" 0 "$(nft -j list table inet netns_hook | jq '[.nftables[].chain? // empty | select(.policy and .policy != "accept")] | length')"
check "ls names the backend" bash -c "'$HOOK' ls | grep -E '^p1 .* nftables\$'"
check "version names it too" bash -c "'$HOOK' version | grep -q '^firewall nftables'"

echo "# published ports are elements: the rule count stays put"
RULES_AT_1=$(rule_count)
for i in $(seq 2 50); do up "p$i" "$((7000 + i)):80" || fail "p$i set up"; done
expect_eq "the maps hold 50 elements" 50 "$(port_rules | wc -l)"
expect_eq "the rule count with 50 publishers is the one with 1 ($RULES_AT_1)" "$RULES_AT_1" "$(rule_count)"
expect_eq "each container has exactly its element" "p17 tcp 7017" "$(port_rules | grep '^p17 ')"

echo "# a teardown leaves the ruleset exactly as it was before the setup"
BEFORE=$(ruleset)
check_here "q1 set up publishing 7100 and 127.0.0.1:7101/udp" up q1 "7100:80, 127.0.0.1:7101:53/udp"
expect_eq "q1 has its two elements" 2 "$(port_rules_of q1)"
check "q1 torn down" down q1
expect_eq "the ruleset is as before q1 (nft -j list ruleset)" "$BEFORE" "$(ruleset)"
# A container without ports on a network whose rules are all in place.
nft monitor >"$WORK/monitor" 2>&1 &
MONITOR=$!
sleep 0.3
check_here "n1 set up without ports" up n1
sleep 0.3; kill "$MONITOR"; wait "$MONITOR" 2>/dev/null
expect_eq "a setup that finds everything in place sends no batch (nft monitor saw nothing)" "" "$(cat "$WORK/monitor")"
check "n1 torn down" down n1
for i in $(seq 2 50); do down "p$i" || fail "p$i torn down"; done
expect_eq "49 teardowns leave p1's element only" "p1 tcp 7000" "$(port_rules)"

echo "# nft flush ruleset, then restore, brings traffic back"
nsenter -t "${PID_OF[p1]}" -n busybox httpd -p 80 -h "$WORK" && echo p1 >"$WORK/id"
GET='printf "GET /id HTTP/1.0\r\n\r\n" | busybox nc 127.0.0.1 7000 | tail -n 1'
sleep 0.2
expect_eq "the host reaches p1 on 127.0.0.1:7000" p1 "$(timeout 5 sh -c "$GET" 2>/dev/null)"
nft flush ruleset
expect_eq "not after the flush" "" "$(timeout 5 sh -c "$GET" 2>/dev/null)"
check "restore" bash -c "'$HOOK' restore | grep -qE 'added [1-9][0-9]* that were missing'"
expect_eq "the host reaches p1 again" p1 "$(timeout 5 sh -c "$GET" 2>/dev/null)"
check "p1 torn down" down p1

echo "# another framework's forward drop is named in one warning line"
# (The legacy FORWARD policy applies to every packet whatever nftables accepts.)
iptables-legacy -P FORWARD DROP
new_netns_process
# (auto, as the check comes with auto's first choice: nftables, since its table exists here)
ERR=$(printf '{"id":"w1","status":"creating","pid":%s}' "$NEWPID" | "$HOOK" --firewall auto --state-dir /run/nh-warn --bridge br-warn --ip 10.77.0.1/24 2>&1 >/dev/null)
expect_eq "one warning line" 1 "$(grep -c 'warning: the legacy iptables FORWARD policy is DROP' <<<"$ERR")"
check "it names the bridge to accept" grep -q 'br-warn' <<<"$ERR"
check "restore warns again" bash -c "'$HOOK' --firewall auto --state-dir /run/nh-warn restore 2>&1 >/dev/null | grep -q 'FORWARD policy is DROP'"
iptables-legacy -P FORWARD ACCEPT
ip6tables-legacy -P FORWARD DROP
check "the ip6tables FORWARD policy is named too (dual-stack networks)" bash -c "'$HOOK' --firewall auto --state-dir /run/nh-warn restore 2>&1 >/dev/null | grep -q 'legacy ip6tables FORWARD policy is DROP'"
ip6tables-legacy -P FORWARD ACCEPT
check "w1 torn down" down w1 --state-dir /run/nh-warn
# The other way round: an nftables forward chain with policy drop, netns-hook on iptables.
nft add table inet fw && nft add chain inet fw filter_FORWARD '{ type filter hook forward priority 0; policy drop; }'
new_netns_process
printf '{"id":"w2","status":"creating","pid":%s}' "$NEWPID" | "$HOOK" --firewall iptables --state-dir /run/nh-warn2 --bridge br-warn2 --ip 10.78.0.1/24 2>/dev/null
# (an explicit backend is checked by restore, as after a firewall manager started)
ERR=$("$HOOK" --firewall iptables --state-dir /run/nh-warn2 restore 2>&1 >/dev/null)
check "iptables backend: restore names the nftables chain" grep -q 'warning: the nftables chain inet fw filter_FORWARD drops forwarded packets by policy' <<<"$ERR"
check "w2 torn down" down w2 --firewall iptables --state-dir /run/nh-warn2
nft delete table inet fw

echo "# --firewall auto: chosen once per state directory, and kept"
# (The real binary: the suite's wrapper would pass --firewall nftables.)
REAL=$(realpath "$1")
auto() { "$REAL" --firewall auto "$@"; }
auto_up() {  # auto_up ID STATE-DIR SUBNET-PREFIX: on bridge br-ID... of that state directory
  new_netns_process
  printf '{"id":"%s","status":"creating","pid":%s}' "$1" "$NEWPID" | auto --state-dir "$2" --bridge "br-${2#/run/nh-}" --ip "$3.1/24"
}
nft flush ruleset
iptables-legacy -A INPUT -i lo -j ACCEPT  # only legacy rules exist
check_here "a1: auto with only legacy rules" auto_up a1 /run/nh-a1 10.81.0
expect_eq "picks iptables, and records it" iptables "$(cat /run/nh-a1/firewall)"
expect_eq "its rules are legacy ones" 1 "$(FW=iptables masquerade_rules 10.81.0.0/24 br-a1)"
nft add table ip filter && nft add chain ip filter INPUT '{ type filter hook input priority 0; }' && nft add rule ip filter INPUT iifname lo accept
check_here "a2: auto once an nftables table with rules exists" auto_up a2 /run/nh-a2 10.82.0
expect_eq "picks nftables" nftables "$(cat /run/nh-a2/firewall)"
expect_eq "its rules are in inet netns_hook" 1 "$(FW=nftables masquerade_rules 10.82.0.0/24 br-a2)"
check_here "a3: auto again in a1's state directory" auto_up a3 /run/nh-a1 10.81.0
expect_eq "keeps the first choice: a3 is on iptables like a1" iptables "$(auto --state-dir /run/nh-a1 ls --json | jq -r '.[] | select(.id == "a3") | .firewall')"
check "version says what auto chose" bash -c "'$REAL' --state-dir /run/nh-a1 version | grep -q '^firewall iptables (auto'"
check "a1 torn down" down a1 --firewall auto --state-dir /run/nh-a1
check "a3 torn down" down a3 --firewall auto --state-dir /run/nh-a1
check "a2 torn down" down a2 --firewall auto --state-dir /run/nh-a2
expect_eq "no port rule left in either" "" "$(FW=iptables port_rules; FW=nftables port_rules)"
nft delete table ip filter; iptables-legacy -D INPUT -i lo -j ACCEPT

summary
