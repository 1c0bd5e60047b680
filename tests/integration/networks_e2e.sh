#!/usr/bin/env bash
# Named networks end to end under the real runc: network files, containers on
# one network or several, isolation between networks, internal networks,
# static addresses per network, rollback across networks, ls/gc/restore/rm,
# and hostile network files and command lines. Runs inside tests/sandbox.sh;
# an "outside" namespace joined by a veth plays another machine, and every
# packet stays between the sandbox's own namespaces.
set -uo pipefail
HOOK=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
[ "${NH_IN_SANDBOX:-}" = 1 ] || { echo "run me through tests/sandbox.sh"; exit 2; }

WORK=$(mktemp -d /tmp/nh-nets.XXXXXX)
trap 'delete_all_containers; ip netns del outside 2>/dev/null; rm -rf "$WORK"' EXIT
make_rootfs "$WORK/rootfs"
NETWORKS_DIR=$WORK/networks STATE_DIR=/run/nh-nets
G=(--networks-dir "$NETWORKS_DIR" --state-dir "$STATE_DIR")
nh() { "$HOOK" "${G[@]}" "$@"; }
fw_restore() { nh restore >/dev/null; }
HOSTIP=198.51.100.1 OUTSIDE=198.51.100.2  # TEST-NET-2, only between the sandbox and "outside"

ip netns add outside
ip link add uplink type veth peer name eth0 netns outside
ip addr add $HOSTIP/24 dev uplink
ip link set uplink up
ip -n outside addr add $OUTSIDE/24 dev eth0
ip -n outside link set eth0 up
ip -n outside link set lo up

# start ID NETWORKS [IPS]: a runc container on those networks (and static addresses).
start() {
  local ann="\"netns-hook.networks\": \"$2\""
  [ -n "${3:-}" ] && ann+=", \"netns-hook.ip\": \"$3\""
  ANNOTATIONS=$ann HOOK_ARGS="${G[*]}" make_bundle "$WORK/$1" "$WORK/rootfs" "$HOOK"
  runc_start "$1" "$WORK/$1"
}
start_fails() { ! start "$@"; }
addr_of() { timeout 10 runc exec "$1" ip -4 -o addr show "${2:-eth0}" 2>/dev/null | awk '{print $4}' | cut -d/ -f1; }
pings() { timeout 10 runc exec "$1" ping -c1 -W1 "$2" >/dev/null 2>&1; }
cant_ping() { ! pings "$@"; }
pid_of() { runc state "$1" | jq .pid; }
bridge_of() { nh network inspect "$1" | jq -r .bridge; }
rules_of() { network_rules "$1"; }

echo "# network definitions"
check "network create web --subnet 10.89.1.0/24" nh network create web --subnet 10.89.1.0/24
check "network create db picks a free /24 by itself" nh network create db
expect_eq "db's subnet is the first free /24 of 10.89.0.0/16" 10.89.0.0/24 "$(nh network inspect db | jq -r '.subnets[0].subnet')"
expect_eq "db's gateway is its first address" 10.89.0.1 "$(nh network inspect db | jq -r '.subnets[0].gateway')"
expect_eq "db's bridge is nh-db" nh-db "$(bridge_of db)"
check "network create back --internal" nh network create back --internal --subnet 10.89.3.0/24 --gateway 10.89.3.254
check "network create open1 and open2 --no-isolate" bash -c "'$HOOK' ${G[*]} network create open1 --no-isolate --subnet 10.89.4.0/24 && '$HOOK' ${G[*]} network create open2 --no-isolate --subnet 10.89.5.0/24"
check "a long name gets a bridge cut to 15 characters" nh network create averyverylongnetworkname --subnet 10.89.6.0/24 --mtu 1400
expect_eq "its bridge" 15 "$(bridge_of averyverylongnetworkname | tr -d '\n' | wc -c)"
check "the files are the documented JSON" bash -c "jq -e '.name == \"back\" and .internal == true and .isolate == true and .masquerade == true and .mtu == 1500 and (.created | test(\"Z$\"))' '$NETWORKS_DIR/back.json'"
expect_eq "network ls --json lists default and the files" "default,averyverylongnetworkname,back,db,open1,open2,web" \
  "$(nh network ls --json | jq -r '[.[].name] | join(",")')"
check "network ls shows a table" bash -c "'$HOOK' ${G[*]} network ls | grep -qE '^web +nh-web +10.89.1.0/24 +no +yes +0'"
check "network rm of a network nothing uses" nh network rm averyverylongnetworkname
check "its file is gone" test ! -e "$NETWORKS_DIR/averyverylongnetworkname.json"

echo "# bad network commands and files: one line, non-zero exit, nothing changed"
rejects "a name with a slash" "" "only letters, digits" "${G[@]}" network create a/b
rejects "the reserved name default" "" "reserved" "${G[@]}" network create default
rejects "an overlapping subnet, naming the other network" "" "networks app and web: their subnets 10.89.1.128/25 and 10.89.1.0/24 overlap" "${G[@]}" network create app --subnet 10.89.1.128/25
rejects "a bridge another network uses" "" "both use the bridge nh-web" "${G[@]}" network create app --bridge nh-web
rejects "a subnet with host bits" "" "host bits are set (did you mean 10.89.9.0/24?)" "${G[@]}" network create app --subnet 10.89.9.1/24
rejects "a gateway outside the subnet" "" "not inside 10.89.9.0/24" "${G[@]}" network create app --subnet 10.89.9.0/24 --gateway 10.89.8.1
rejects "a name taken already" "" "exists already" "${G[@]}" network create web --subnet 10.89.9.0/24
rejects "an unknown option" "" "unknown option \"--vlan\" of network create" "${G[@]}" network create app --vlan 3
rejects "inspect of an unknown network" "" "unknown network \"nope\"" "${G[@]}" network inspect nope
rejects "rm of default" "" "described by the options" "${G[@]}" network rm default
new_netns_process; P=$NEWPID
ann() { printf '{"id":"bad","status":"creating","pid":%s,"annotations":{"netns-hook.networks":"%s"}}' "$P" "$1"; }
rejects "an unknown network in the annotation" "$(ann web,nope)" "unknown network \"nope\"" "${G[@]}"
rejects "a bad name in the annotation" "$(ann 'web,x y')" "only letters, digits" "${G[@]}"
echo '{"name": "broken", "bridge": ' >"$NETWORKS_DIR/broken.json"
rejects "a network file that is not JSON" "$(ann broken)" "network file $NETWORKS_DIR/broken.json: not valid JSON" "${G[@]}"
echo '{"name": "extra", "bridge": "nh-extra", "subnets": [{"subnet": "10.89.7.0/24"}], "vlan": 5}' >"$NETWORKS_DIR/extra.json"
rejects "a network file with an unknown field" "$(ann extra)" "unknown field \"vlan\"" "${G[@]}"
echo '{"name": "clash", "bridge": "nh-clash", "subnets": [{"subnet": "10.89.1.0/25"}]}' >"$NETWORKS_DIR/clash.json"
rejects "a network file overlapping another, naming both" "$(ann clash)" "$NETWORKS_DIR/clash.json and $NETWORKS_DIR/web.json" "${G[@]}"
echo '{"name": "twin", "bridge": "nh-db", "subnets": [{"subnet": "10.89.8.0/24"}]}' >"$NETWORKS_DIR/twin.json"
rejects "a network file reusing another's bridge" "$(ann twin)" "both use the bridge nh-db" "${G[@]}"
rejects "network ls names the broken file" "" "broken.json" "${G[@]}" network ls
rm -f "$NETWORKS_DIR"/{broken,extra,clash,twin}.json

echo "# containers on one network, and one on two"
check "a1 starts on web" start a1 web
check "a2 starts on web" start a2 web
check "b1 starts on db" start b1 db
check "ab starts on web and db, with a static address on each" start ab web,db 10.89.1.50,10.89.0.50
A1=$(addr_of a1); A2=$(addr_of a2); B1=$(addr_of b1)
check "a1 is on web ($A1)" grep -q '^10\.89\.1\.' <<<"$A1"
check "b1 is on db ($B1)" grep -q '^10\.89\.0\.' <<<"$B1"
expect_eq "ab's eth0 is its static address on web" 10.89.1.50 "$(addr_of ab eth0)"
expect_eq "ab's eth1 is its static address on db" 10.89.0.50 "$(addr_of ab eth1)"
# (busybox's ip ignores "show default": grep for it)
default_routes() { timeout 10 runc exec "$1" ip route | grep '^default' | sed 's/ *$//'; }
expect_eq "ab has one default route, via web's gateway" "default via 10.89.1.1 dev eth0" "$(default_routes ab)"
check "ab has db's subnet route on eth1" bash -c "timeout 10 runc exec ab ip route | grep -q '^10.89.0.0/24 dev eth1'"
check "a1 pings a2 (same network)" pings a1 "$A2"
check "a1 pings its gateway" pings a1 10.89.1.1
check "b1 pings its gateway" pings b1 10.89.0.1
check "a1 does not reach b1 (isolated networks)" cant_ping a1 "$B1"
check "b1 does not reach a1 (isolated networks)" cant_ping b1 "$A1"
check "ab reaches a1 on web" pings ab "$A1"
check "ab reaches b1 on db" pings ab "$B1"
check "a1 reaches the outside through the masquerade" pings a1 $OUTSIDE
expect_eq "web has one rule set however many containers (one MASQUERADE of its subnet)" 1 \
  "$(masquerade_rules 10.89.1.0/24 nh-web)"
expect_eq "ls shows a row per attachment: ab twice" 2 "$(nh ls --json | jq '[.[] | select(.id == "ab")] | length')"
expect_eq "ls --json names each row's network and interface" "web/eth0/10.89.1.50/24,db/eth1/10.89.0.50/24" \
  "$(nh ls --json | jq -r '[.[] | select(.id == "ab") | "\(.network)/\(.interface)/\(.addresses[0])"] | join(",")')"
check "ls shows the network column" bash -c "'$HOOK' ${G[*]} ls | grep -E '^ab +[0-9]+ +db +eth1 +10.89.0.50/24'"
expect_eq "network inspect web lists its containers" "a1,a2,ab" "$(nh network inspect web | jq -r '[.attachments[].id] | sort | join(",")')"
expect_eq "network ls --json counts them" 3 "$(nh network ls --json | jq '.[] | select(.name == "web") | .containers | length')"

echo "# internal networks"
check "i1 starts on back" start i1 back
check "i2 starts on back" start i2 back
I1=$(addr_of i1); I2=$(addr_of i2)
expect_eq "i1 has no default route" "" "$(default_routes i1)"
check "i1 pings i2 (same internal network)" pings i1 "$I2"
expect_eq "no masquerade rule exists for back's subnet" 0 "$(masquerade_rules 10.89.3.0/24 nh-back)"
# Even with a route of its own, nothing leaves an internal network's bridge.
nsenter -t "$(pid_of i1)" -n ip route add default via 10.89.3.254
check "i1 does not reach the outside, even with a route" cant_ping i1 $OUTSIDE
check "i1 does not reach a1 on another network" cant_ping i1 "$A1"
check "a1 does not reach i1" cant_ping a1 "$I1"
rejects "ports on an internal-only container are refused" \
  "{\"id\":\"ip\",\"status\":\"creating\",\"pid\":$P,\"annotations\":{\"netns-hook.networks\":\"back\",\"netns-hook.ports\":\"8080:80\"}}" \
  "on internal networks only" "${G[@]}"

echo "# networks that are not isolated reach each other; an isolated one still does not"
check "o1 starts on open1" start o1 open1
check "o2 starts on open2" start o2 open2
O1=$(addr_of o1); O2=$(addr_of o2)
check "o1 pings o2 across networks" pings o1 "$O2"
check "o2 pings o1 across networks" pings o2 "$O1"
check "o1 does not reach a1 (web is isolated)" cant_ping o1 "$A1"
check "a1 does not reach o1 (web is isolated)" cant_ping a1 "$O1"

echo "# an internal network that is not isolated, added after open ones, is still closed"
check "network create back2 --internal --no-isolate" nh network create back2 --internal --no-isolate --subnet 10.89.8.0/24
check "i3 starts on back2" start i3 back2
I3=$(addr_of i3)
nsenter -t "$(pid_of i3)" -n ip route add default via 10.89.8.1
check "o1 (open) does not reach i3" cant_ping o1 "$I3"
check "i3 does not reach o1" cant_ping i3 "$O1"
check "i3 does not reach the outside" cant_ping i3 $OUTSIDE
check "i3 deleted" timeout 30 runc delete -f i3
check "network rm back2" nh network rm back2

echo "# a failure on the second network leaves nothing of the first"
VETHS=$(veth_count); LEASES=$(lease_count)
check "a container asking for b1's address on db fails" start_fails x1 web,db "$B1"
check "the error names the address's holder" grep -q "already leased to b1" "$WORK/x1/log"
expect_eq "no veth left" "$VETHS" "$(veth_count)"
expect_eq "no lease left (web's included)" "$LEASES" "$(lease_count)"
timeout 20 runc delete -f x1 >/dev/null 2>&1
# (The firewall step runs first, right after both claims: a late failure rolls back two claims.)
with_firewall_failing check "a setup whose firewall step fails after both networks are claimed fails" start_fails x2 web,db
check "the error says why the firewall failed" grep -q "$FW_FAILURE" "$WORK/x2/log"
expect_eq "no veth left by the late failure" "$VETHS" "$(veth_count)"
expect_eq "no lease left by the late failure" "$LEASES" "$(lease_count)"
timeout 20 runc delete -f x2 >/dev/null 2>&1

echo "# restore and gc across networks"
BEFORE=$(fw_rules)
fw_reload
check "restore reports what it added" bash -c "'$HOOK' ${G[*]} restore | grep -qE 'on 5 networks; added [1-9][0-9]* that were missing'"
expect_eq "restore brings back exactly the rules of every network" "$BEFORE" "$(fw_rules)"
check "isolation works again after restore" cant_ping a1 "$B1"
check "and a1 reaches the outside again" pings a1 $OUTSIDE
AB_VETHS=$(nh ls --json | jq -r '.[] | select(.id == "ab") | .host_veth' | tr '\n' ' ')
timeout 10 runc kill ab KILL; sleep 0.5
check "gc releases both of ab's attachments" bash -c "'$HOOK' ${G[*]} gc | grep -q 'released 10.89.1.50, 10.89.0.50 of container ab'"
# shellcheck disable=SC2086
check "ab's veths are gone" link_gone $AB_VETHS
expect_eq "ab's leases are gone" 0 "$("$HOOK" "${G[@]}" ls --json | jq '[.[] | select(.id == "ab")] | length')"
check "a1 still pings a2" pings a1 "$A2"
timeout 20 runc delete -f ab >/dev/null 2>&1

echo "# network rm"
rejects "rm of a network containers use names them" "" "containers are attached to it: a1, a2" "${G[@]}" network rm web
for c in a1 a2; do check "$c deleted" timeout 30 runc delete -f $c; done
check "rm of web, now unused" nh network rm web
check "its bridge is gone" bash -c "! ip link show nh-web >/dev/null 2>&1"
expect_eq "its rules are gone" 0 "$(rules_of nh-web)"
check "its pool is gone" test ! -e "$STATE_DIR/pools/web"
check "db keeps its rules" test "$(rules_of nh-db)" -gt 0
check "b1 still pings its gateway" pings b1 10.89.0.1

echo "# everything goes away"
delete_all_containers
expect_eq "no veth left" 0 "$(veth_count)"
expect_eq "no lease left" 0 "$(lease_count)"
expect_eq "no record left" 0 "$(record_count)"
for n in db back open1 open2; do check "network rm $n" nh network rm $n; done
expect_eq "no netns-hook rule left but the shared jumps" 0 "$(tagged_rules)"

summary
