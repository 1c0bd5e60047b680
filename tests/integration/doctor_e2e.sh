#!/usr/bin/env bash
# `netns-hook doctor` in the sandbox, once per firewall backend: every check
# ok on a healthy setup (exit 0), then the fault named after each of: IP
# forwarding turned off, a container's veth deleted behind the hook's back,
# the NAT rules flushed, a forward chain of the other framework that drops by
# policy; and a doctor run changes nothing. Runs inside tests/sandbox.sh.
set -uo pipefail
HOOK=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
[ "${NH_IN_SANDBOX:-}" = 1 ] || { echo "run me through tests/sandbox.sh"; exit 2; }

cleanup() { kill "${PIDS[@]}" 2>/dev/null; }
trap cleanup EXIT
STATE_DIR=/run/netns-hook

# doctor_status CHECK: the status doctor gives the first check whose name
# contains CHECK (empty when there is none).
doctor_json() { "$HOOK" doctor --json 2>/dev/null; }
doctor_status() { doctor_json | jq -r --arg c "$1" 'first(.[] | select(.check | contains($c)) | .status) // ""'; }
doctor_fails() { ! "$HOOK" doctor >/dev/null 2>&1; }

echo "# a healthy setup"
new_netns_process; P1=$NEWPID
check "c1 set up publishing 8080" bash -c "echo '{\"id\":\"c1\",\"status\":\"creating\",\"pid\":$P1,\"annotations\":{\"netns-hook.ports\":\"8080:80\"}}' | '$HOOK'"
check "doctor exits 0" "$HOOK" doctor
# (br_netfilter is the machine's: a warning when it is loaded, nothing else may warn)
check "nothing fails, nothing warns but br_netfilter" bash -c "'$HOOK' doctor --json | jq -e '[.[] | select(.status != \"ok\") | .check] - [\"br_netfilter\"] | length == 0'"
check "--json lists objects with check, status, detail and hint" bash -c "'$HOOK' doctor --json | jq -e 'all(.[]; has(\"check\") and has(\"status\") and has(\"detail\") and has(\"hint\") and (.status | IN(\"ok\", \"warn\", \"fail\")))'"
expect_eq "ip forwarding is ok" ok "$(doctor_status "ip forwarding")"
expect_eq "c1's veth is ok" ok "$(doctor_status "container c1 on default: veth")"
expect_eq "c1's rules are ok" ok "$(doctor_status "container c1: rules")"
expect_eq "the backend is named" "$FW" "$(doctor_json | jq -r 'first(.[] | select(.check == "firewall backend") | .detail)' | cut -d' ' -f1)"
check "it says where the rules are" bash -c "'$HOOK' doctor | grep -E '^ok +where the rules are +($([ "$FW" = nftables ] && echo 'nft list table inet netns_hook' || echo 'iptables-legacy'))'"
BEFORE=$(snapshot)
"$HOOK" doctor >/dev/null 2>&1
expect_eq "doctor changed nothing" "$BEFORE" "$(snapshot)"

echo "# auto before any setup, and a dual-stack network not yet in use"
mkdir -p /run/nh-doc-nets
printf '{"name": "v6", "bridge": "nh-v6", "subnets": [{"subnet": "10.88.6.0/24"}, {"subnet": "fd00:88:6::/64"}]}\n' >/run/nh-doc-nets/v6.json
echo 0 >/proc/sys/net/ipv6/conf/all/forwarding
BEFORE=$(snapshot; ls -a /run; cat /proc/net/ip_tables_names 2>/dev/null; nft list tables)
AUTO=$("$HOOK" --firewall auto --state-dir /run/nh-doc-auto --networks-dir /run/nh-doc-nets doctor --json)
check "auto's choice is predicted, not made" jq -e 'any(.[]; .check == "firewall backend" and .status == "ok" and (.detail | startswith("auto, not chosen yet")))' <<<"$AUTO"
check "a state directory that does not exist is no failure" jq -e 'any(.[]; .check == "state directory" and .status == "ok")' <<<"$AUTO"
check "IPv6 forwarding off with a dual-stack network defined: a warning" jq -e 'any(.[]; .check == "ipv6 forwarding" and .status == "warn")' <<<"$AUTO"
expect_eq "and that doctor run changed nothing (files, /run, loaded tables)" "$BEFORE" "$(snapshot; ls -a /run; cat /proc/net/ip_tables_names 2>/dev/null; nft list tables)"
rm -r /run/nh-doc-nets

echo "# ip forwarding turned off"
echo 0 >/proc/sys/net/ipv4/ip_forward
check "doctor fails" doctor_fails
expect_eq "naming ip forwarding" fail "$(doctor_status "ip forwarding")"
check "with a hint" bash -c "'$HOOK' doctor | grep -A1 '^fail  ip forwarding' | grep -q 'hint: sysctl -w net.ipv4.ip_forward=1'"
echo 1 >/proc/sys/net/ipv4/ip_forward
check "doctor passes again" "$HOOK" doctor

echo "# a veth deleted behind the hook's back"
new_netns_process; P2=$NEWPID
check "c2 set up" bash -c "echo '{\"id\":\"c2\",\"status\":\"creating\",\"pid\":$P2}' | '$HOOK'"
ip link del "$("$HOOK" ls --json | jq -r '.[] | select(.id == "c2") | .host_veth')"
check "doctor fails" doctor_fails
expect_eq "naming c2's veth" fail "$(doctor_status "container c2 on default: veth")"
expect_eq "c1's veth is still ok" ok "$(doctor_status "container c1 on default: veth")"
check "c2 torn down" bash -c "echo '{\"id\":\"c2\",\"status\":\"stopped\"}' | '$HOOK'"
check "doctor passes again" "$HOOK" doctor

echo "# the NAT rules flushed"
case $FW in
  iptables) iptables-legacy -t nat -F ;;
  nftables) nft flush chain inet netns_hook postrouting && nft flush chain inet netns_hook prerouting ;;
esac
check "doctor fails" doctor_fails
expect_eq "naming c1's rules" fail "$(doctor_status "container c1: rules")"
check "the hint is restore" bash -c "'$HOOK' doctor --json | jq -e 'any(.[]; .check == \"container c1: rules\" and (.hint | contains(\"netns-hook restore\")))'"
"$HOOK" restore >/dev/null
check "doctor passes after restore" "$HOOK" doctor

echo "# the other framework drops forwarded packets by policy"
case $FW in
  iptables) nft add table inet fw && nft add chain inet fw filter_FORWARD '{ type filter hook forward priority 0; policy drop; }' ;;
  nftables) iptables-legacy -P FORWARD DROP ;;
esac
check "doctor fails" doctor_fails
expect_eq "naming the forward chain" fail "$(doctor_status "forward chains of others")"
check "with what to accept" bash -c "'$HOOK' doctor --json | jq -e 'any(.[]; .check == \"forward chains of others\" and (.hint | contains(\"netns0\")))'"
case $FW in
  iptables) nft delete table inet fw ;;
  nftables) iptables-legacy -P FORWARD ACCEPT ;;
esac
check "doctor passes again" "$HOOK" doctor
# firewalld's way: policy accept, and a last rule that rejects what no zone accepted
nft add table inet firewalld && nft add chain inet firewalld filter_FORWARD '{ type filter hook forward priority 10; policy accept; }'
nft add rule inet firewalld filter_FORWARD ct state established,related accept
nft add rule inet firewalld filter_FORWARD counter reject with icmpx type admin-prohibited
check "a forward chain ending in a reject: doctor fails" doctor_fails
check "naming the chain and its last rule" bash -c "'$HOOK' doctor --json | jq -e 'any(.[]; .check == \"forward chains of others\" and (.detail | contains(\"inet firewalld filter_FORWARD drops or rejects\")))'"
nft delete table inet firewalld
check "doctor passes again" "$HOOK" doctor

echo "# a container whose namespace died"
kill "$P1"; wait "$P1" 2>/dev/null
expect_eq "a warning, not a failure" warn "$(doctor_status "container c1: namespace")"
check "doctor still exits 0" "$HOOK" doctor
check "gc" "$HOOK" gc

summary
