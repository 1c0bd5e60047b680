#!/usr/bin/env bash
# netns-hook as a CNI plugin, driven as the CNI specification says a client
# drives it: the environment and the network configuration on stdin. Every
# verb at every supported version (the result's shape checked), DEL twice,
# CHECK finding what was removed by hand, GC with valid attachments, STATUS
# with a full pool, the capabilities (ports, ips, mac) and CNI_ARGS, a
# network shared with the OCI hook, and hostile input: each a CNI error with
# the specification's code, and no change. Namespaces are `ip netns` names
# in the sandbox's private /run. Runs inside tests/sandbox.sh, once per
# firewall backend (NH_FIREWALL).
set -uo pipefail
HOOK=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
[ "${NH_IN_SANDBOX:-}" = 1 ] || { echo "run me through tests/sandbox.sh"; exit 2; }

WORK=$(mktemp -d /tmp/nh-cni.XXXXXX)
cleanup() { for n in $(ip netns list | awk '{print $1}'); do ip netns del "$n"; done; kill "${PIDS[@]}" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
STATE_DIR=/run/nh-cni
NETWORKS_DIR=$WORK/networks
mkdir -p "$NETWORKS_DIR"
PLUGIN=$(realpath "$1")  # the binary itself: the suite's wrapper is for the OCI hook's command line

# conf VERSION [JSON members added]: the network configuration of network cninet.
conf() {
  printf '{"cniVersion": "%s", "name": "cninet", "type": "netns-hook", "bridge": "nh-cni",
  "subnets": [{"subnet": "10.77.0.0/24"}], "stateDir": "%s", "networksDir": "%s", "firewall": "%s"%s}' \
    "$1" "$STATE_DIR" "$NETWORKS_DIR" "$FW" "${2:+, $2}"
}
# cni COMMAND ID IFNAME NETNS CONF [VAR=VALUE...]: runs the plugin; OUT is its stdout, RC its status.
cni() {
  local cmd=$1 id=$2 ifname=$3 netns=$4 config=$5; shift 5
  OUT=$(printf '%s' "$config" | env -i PATH="$PATH" CNI_COMMAND="$cmd" CNI_CONTAINERID="$id" CNI_IFNAME="$ifname" \
    CNI_NETNS="$netns" CNI_PATH=/opt/cni/bin "$@" "$PLUGIN" 2>"$WORK/stderr")
  RC=$?
}
ok() { [ "$RC" = 0 ]; }
code() { [ "$RC" != 0 ] && jq -e --argjson c "$1" '.code == $c and (.msg | length > 0) and has("details")' <<<"$OUT" >/dev/null; }
new_ns() { ip netns add "$1" && ip -n "$1" link set lo up; }
ns_addr() { ip -n "$1" -4 -o addr show dev "${2:-eth0}" 2>/dev/null | awk '{print $4}'; }

echo "# VERSION"
for v in 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0; do
  cni VERSION "" "" "" "{\"cniVersion\": \"$v\"}"
  check "VERSION at $v answers in $v and lists every version" bash -c "jq -e '.cniVersion == \"$v\" and .supportedVersions == [\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]' <<<'$OUT'"
done
cni VERSION "" "" "" ""
check "VERSION without a configuration answers in 1.1.0" bash -c "jq -e '.cniVersion == \"1.1.0\"' <<<'$OUT'"

echo "# ADD, CHECK, DEL at every version"
for v in 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0; do
  ns=v${v//./}; new_ns "$ns"
  cni ADD "ctr-$ns" eth0 "/run/netns/$ns" "$(conf "$v")"
  check "ADD at $v succeeds" ok
  printf '%s' "$OUT" >"$WORK/result-$ns.json"
  # The result, as the specification describes it for that version.
  check "its result is in $v, with both interfaces, their MACs and the sandbox" jq -e --arg v "$v" --arg ns "/run/netns/$ns" '
    .cniVersion == $v and (.interfaces | length) == 2
    and (.interfaces[0].name | test("^nh[0-9a-f]{12}$")) and (.interfaces[0].mac | test("^([0-9a-f]{2}:){5}[0-9a-f]{2}$"))
    and .interfaces[1].name == "eth0" and .interfaces[1].sandbox == $ns and (.interfaces[1].mac | test("^([0-9a-f]{2}:){5}[0-9a-f]{2}$"))
    and (.ips | length) == 1 and .ips[0].interface == 1 and .ips[0].gateway == "10.77.0.1"
    and (.ips[0].address | test("^10\\.77\\.0\\.[0-9]+/24$"))
    and .routes == [{"dst": "0.0.0.0/0", "gw": "10.77.0.1"}]' "$WORK/result-$ns.json"
  if [[ $v == 0.* ]]; then
    check "before 1.0.0 each address names its version" jq -e '.ips[0].version == "4"' "$WORK/result-$ns.json"
  else
    check "from 1.0.0 on no address names a version" jq -e '.ips[0] | has("version") | not' "$WORK/result-$ns.json"
  fi
  expect_eq "the namespace has the result's address" "$(jq -r '.ips[0].address' "$WORK/result-$ns.json")" "$(ns_addr "$ns")"
  expect_eq "and the result's MAC" "$(jq -r '.interfaces[1].mac' "$WORK/result-$ns.json")" \
    "$(ip -n "$ns" -j link show eth0 | jq -r '.[0].address')"
  cni CHECK "ctr-$ns" eth0 "/run/netns/$ns" "$(conf "$v" "\"prevResult\": $(cat "$WORK/result-$ns.json")")"
  if [[ $v == 0.3.* ]]; then
    check "CHECK at $v is refused: CHECK came with 0.4.0 (code 1)" code 1
  else
    check "CHECK at $v finds everything in place" ok
  fi
  cni DEL "ctr-$ns" eth0 "/run/netns/$ns" "$(conf "$v" "\"prevResult\": $(cat "$WORK/result-$ns.json")")"
  check "DEL at $v succeeds" ok
  check "nothing is printed on success" test -z "$OUT"
  cni DEL "ctr-$ns" eth0 "/run/netns/$ns" "$(conf "$v")"
  check "a second DEL at $v succeeds" ok
  check "the interface is gone from the namespace" bash -c "! ip -n $ns link show eth0 >/dev/null 2>&1"
done
expect_eq "no lease left" 0 "$(lease_count)"
expect_eq "no veth left" 0 "$(veth_count)"
cni DEL never-added eth0 "" "$(conf 1.0.0)"
check "DEL of something never added succeeds" ok
new_ns never
cni CHECK never-added eth0 /run/netns/never "$(conf 1.0.0)"
check "CHECK of something never added: container unknown (code 3)" code 3
ip netns del never

echo "# CHECK finds what was removed by hand"
new_ns chk
cni ADD chk eth0 /run/netns/chk "$(conf 1.0.0 '"runtimeConfig": {"portMappings": [{"hostPort": 7070, "containerPort": 80}]}')"
check "ADD publishing 7070" ok
CHK_ADDR=$(ns_addr chk)
ip -n chk addr del "$CHK_ADDR" dev eth0
cni CHECK chk eth0 /run/netns/chk "$(conf 1.0.0)"
check "CHECK fails with code 102" code 102
check "naming the address" bash -c "jq -e '.details | contains(\"$CHK_ADDR is missing on eth0\")' <<<'$OUT'"
ip -n chk addr add "$CHK_ADDR" dev eth0
ip -n chk route add default via 10.77.0.1
cni CHECK chk eth0 /run/netns/chk "$(conf 1.0.0)"
check "CHECK passes once it is back" ok
cni CHECK chk eth0 /run/netns/chk "$(conf 1.0.0 '"prevResult": {"cniVersion": "1.0.0", "ips": [{"address": "10.77.0.250/24"}]}')"
check "CHECK with a prevResult address that is not the container's fails (102), naming it" \
  jq -e '.code == 102 and (.details | contains("10.77.0.250/24"))' <<<"$OUT"
fw_reload  # the firewall's rules, gone
cni CHECK chk eth0 /run/netns/chk "$(conf 1.0.0)"
check "CHECK after a firewall reload fails, naming the missing rules" bash -c "jq -e '.code == 102 and (.details | contains(\"missing firewall rule\"))' <<<'$OUT'"
cni STATUS "" "" "" "$(conf 1.1.0)"
check "STATUS says existing containers lost their rules (code 51)" code 51
"$PLUGIN" --state-dir "$STATE_DIR" --firewall "$FW" restore >/dev/null
cni CHECK chk eth0 /run/netns/chk "$(conf 1.0.0)"
check "CHECK passes after restore" ok
expect_eq "chk has its port rule" 1 "$(port_rules_of chk)"
cni DEL chk eth0 /run/netns/chk "$(conf 1.0.0)"
expect_eq "DEL removes its port rule" 0 "$(port_rules_of chk)"

echo "# GC releases what is not listed"
for n in g1 g2 g3; do new_ns "$n"; cni ADD "$n" eth0 "/run/netns/$n" "$(conf 1.1.0)"; check "$n added" ok; done
# An OCI hook container on a network of the same name: not the runtime's to collect.
check "network create cninet: the same network, as a file for the hook" \
  "$PLUGIN" --networks-dir "$NETWORKS_DIR" --state-dir "$STATE_DIR" network create cninet --subnet 10.77.0.0/24 --bridge nh-cni
new_netns_process
check "an OCI container joins the same network through the hook" bash -c "echo '{\"id\":\"oci1\",\"status\":\"creating\",\"pid\":$NEWPID,\"annotations\":{\"netns-hook.networks\":\"cninet\"}}' | '$PLUGIN' --firewall $FW --networks-dir '$NETWORKS_DIR' --state-dir '$STATE_DIR'"
check "ls lists the CNI and the OCI containers on cninet" bash -c "'$PLUGIN' --state-dir '$STATE_DIR' ls --json | jq -e '[.[] | select(.network == \"cninet\") | .id] | sort == [\"g1\",\"g2\",\"g3\",\"oci1\"]'"
check "they share the pool: four different addresses" bash -c "'$PLUGIN' --state-dir '$STATE_DIR' ls --json | jq -e '[.[].addresses[0]] | unique | length == 4'"
cni GC "" "" "" "$(conf 1.1.0)"
check "GC without cni.dev/valid-attachments is refused (code 7)" code 7
check "and releases nothing" bash -c "'$PLUGIN' --state-dir '$STATE_DIR' ls --json | jq -e '[.[] | .id] | sort == [\"g1\",\"g2\",\"g3\",\"oci1\"]'"
cni GC "" "" "" "$(conf 1.1.0 '"cni.dev/valid-attachments": [{"containerID": "g2", "ifname": "eth0"}]')"
check "GC succeeds" ok
check "g1 and g3 are released, g2 and the OCI container stay" bash -c "'$PLUGIN' --state-dir '$STATE_DIR' ls --json | jq -e '[.[] | .id] | sort == [\"g2\",\"oci1\"]'"
check "g1's interface is gone" bash -c "! ip -n g1 link show eth0 >/dev/null 2>&1"
check "g2 keeps its address" test -n "$(ns_addr g2)"
cni GC "" "" "" "$(conf 1.1.0 '"cni.dev/attachments": [{"containerID": "g2", "ifname": "eth0"}]')"
check "GC with the older key, nothing more to release" ok
cni GC "" "" "" "$(conf 1.0.0)"
check "GC at 1.0.0 is refused (code 1)" code 1
cni DEL g2 eth0 /run/netns/g2 "$(conf 1.1.0)"
check "the OCI container torn down by the hook" bash -c "echo '{\"id\":\"oci1\",\"status\":\"stopped\"}' | '$PLUGIN' --firewall $FW --state-dir '$STATE_DIR'"
check "network rm cninet, now unused" "$PLUGIN" --networks-dir "$NETWORKS_DIR" --state-dir "$STATE_DIR" network rm cninet

echo "# STATUS"
SMALL='"name": "small", "bridge": "nh-small", "subnets": [{"subnet": "10.78.0.0/30"}]'
small() { printf '{"cniVersion": "1.1.0", "type": "netns-hook", %s, "stateDir": "%s", "firewall": "%s"}' "$SMALL" "$STATE_DIR" "$FW"; }
cni STATUS "" "" "" "$(small)"
check "STATUS of a network with a free address succeeds" ok
new_ns s1
cni ADD s1 eth0 /run/netns/s1 "$(small)"
check "the /30's only address is leased" ok
cni STATUS "" "" "" "$(small)"
check "STATUS with a full pool fails with code 50" code 50
check "naming the subnet" bash -c "jq -e '.details | contains(\"10.78.0.0/30\")' <<<'$OUT'"
new_ns s2
cni ADD s2 eth0 /run/netns/s2 "$(small)"
check "ADD to the full pool fails" bash -c "[ $RC != 0 ]"
cni DEL s1 eth0 /run/netns/s1 "$(small)"
cni STATUS "" "" "" "$(small)"
check "STATUS succeeds again after DEL" ok
cni STATUS "" "" "" "$(conf 1.0.0)"
check "STATUS at 1.0.0 is refused (code 1)" code 1

echo "# what the runtime asks for: ports, addresses, MACs"
new_ns r1
cni ADD r1 eth0 /run/netns/r1 "$(conf 1.1.0 '"runtimeConfig": {"ips": ["10.77.0.50/24"], "mac": "02:11:22:33:44:55", "portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp", "hostIP": ""}, {"hostPort": 5353, "containerPort": 53, "protocol": "udp", "hostIP": "127.0.0.1"}]}')"
check "ADD with runtimeConfig succeeds" ok
expect_eq "runtimeConfig.ips is honoured" 10.77.0.50/24 "$(ns_addr r1)"
expect_eq "runtimeConfig.mac is honoured" 02:11:22:33:44:55 "$(ip -n r1 -j link show eth0 | jq -r '.[0].address')"
expect_eq "the result names that MAC" 02:11:22:33:44:55 "$(jq -r '.interfaces[1].mac' <<<"$OUT")"
check "both ports are published" bash -c "[ '$(port_rules | grep -c '^r1 ')' = 2 ]"
new_ns r2
cni ADD r2 eth0 /run/netns/r2 "$(conf 1.0.0)" CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.77.0.60;MAC=02:aa:bb:cc:dd:ee"
check "ADD with CNI_ARGS succeeds" ok
expect_eq "CNI_ARGS IP is honoured" 10.77.0.60/24 "$(ns_addr r2)"
expect_eq "CNI_ARGS MAC is honoured" 02:aa:bb:cc:dd:ee "$(ip -n r2 -j link show eth0 | jq -r '.[0].address')"
new_ns r3
cni ADD r3 eth0 /run/netns/r3 "$(conf 1.0.0 '"runtimeConfig": {"portMappings": [{"hostPort": 8080, "containerPort": 80}]}')"
check "a port another container publishes is refused (code 100)" code 100
check "naming the holder" bash -c "jq -e '.details | contains(\"r1\")' <<<'$OUT'"
new_ns r4
cni ADD r4 eth1 /run/netns/r4 "$(conf 1.0.0)"
FIRST=$(jq -c '.ips' <<<"$OUT")
# The specification lets ADD adjust an interface that exists: a retried ADD
# gets what is there.
cni ADD r4 eth1 /run/netns/r4 "$(conf 1.0.0)"
check "a second ADD of the same interface succeeds" ok
expect_eq "with the same address" "$FIRST" "$(jq -c '.ips' <<<"$OUT")"
expect_eq "and one interface in the namespace" 1 "$(ip -n r4 -o link show | grep -c eth1)"
for id in r1 r2 r4; do cni DEL "$id" eth$([ $id = r4 ] && echo 1 || echo 0) "/run/netns/$id" "$(conf 1.0.0)"; done
expect_eq "no port rule left" 0 "$(port_rules | wc -l)"

echo "# an interface name taken by another network: that network's interface is left alone"
conf2() { conf "$1" | jq -c '.name = "cninet2" | .bridge = "nh-cni2" | .subnets = [{"subnet": "10.79.0.0/24"}]'; }
new_ns two
cni ADD two eth0 /run/netns/two "$(conf 1.1.0)"
check "ADD on cninet" ok
TWO_ADDR=$(ns_addr two)
cni ADD two eth0 /run/netns/two "$(conf2 1.1.0)"
check "ADD of the same interface on cninet2 is refused" bash -c "[ $RC != 0 ]"
cni CHECK two eth0 /run/netns/two "$(conf2 1.1.0)"
check "CHECK on cninet2 fails, naming cninet" bash -c "jq -e '.code == 102 and (.details | contains(\"on network cninet,\"))' <<<'$OUT'"
# The runtime cleans up the failed ADD with a DEL on cninet2.
cni DEL two eth0 /run/netns/two "$(conf2 1.1.0)"
check "DEL on cninet2 succeeds" ok
expect_eq "and leaves cninet's eth0 with its address" "$TWO_ADDR" "$(ns_addr two)"
check "whose lease stays" indexed two
cni CHECK two eth0 /run/netns/two "$(conf 1.1.0)"
check "CHECK on cninet still passes" ok
cni DEL two eth0 /run/netns/two "$(conf 1.1.0)"
check "DEL on cninet takes it" bash -c "! ip -n two link show eth0 >/dev/null 2>&1"
ip netns del two

echo "# DEL without a namespace, after it is gone (as ctr run --rm sends it)"
new_ns gone
cni ADD gone eth0 /run/netns/gone "$(conf 1.0.0)"
GONE_VETH=$(jq -r '.interfaces[0].name' <<<"$OUT")
ip netns del gone
cni DEL gone eth0 "" "$(conf 1.0.0)"
check "DEL without CNI_NETNS succeeds" ok
check "its veth is gone" link_gone "$GONE_VETH"
check "its lease is gone" not indexed gone

echo "# hostile input: one CNI error with the right code, nothing changed"
new_ns h1
# cni_rejects DESC CODE COMMAND ID IFNAME NETNS CONF [VAR=VALUE...]
cni_rejects() {
  local desc=$1 want=$2; shift 2
  local before after; before=$(snapshot)
  cni "$@"
  after=$(snapshot)
  if ! code "$want"; then fail "$desc: expected code $want, got exit $RC: $OUT"; return; fi
  if [ "$before" != "$after" ]; then fail "$desc: the system changed"; diff <(echo "$before") <(echo "$after") | head; return; fi
  pass "$desc ($(jq -r '.msg + ": " + .details' <<<"$OUT"))"
}
# stdin that cannot be read (a directory): an I/O failure, code 5
OUT=$(env -i PATH="$PATH" CNI_COMMAND=ADD CNI_CONTAINERID=h1 CNI_IFNAME=eth0 CNI_NETNS=/run/netns/h1 CNI_PATH=/opt/cni/bin "$PLUGIN" </ 2>/dev/null); RC=$?
check "stdin that cannot be read: code 5" code 5
cni_rejects "configuration that is not JSON" 6 ADD h1 eth0 /run/netns/h1 '{"cniVersion": '
cni_rejects "a JSON array" 6 ADD h1 eth0 /run/netns/h1 '[]'
cni_rejects "an unknown cniVersion" 1 ADD h1 eth0 /run/netns/h1 "$(conf 9.9.9)"
cni_rejects "no cniVersion" 7 ADD h1 eth0 /run/netns/h1 '{"name": "cninet", "type": "netns-hook", "subnets": [{"subnet": "10.77.0.0/24"}]}'
cni_rejects "CNI_IFNAME missing" 4 ADD h1 "" /run/netns/h1 "$(conf 1.0.0)"
cni_rejects "CNI_CONTAINERID with a slash" 4 ADD "a/b" eth0 /run/netns/h1 "$(conf 1.0.0)"
cni_rejects "CNI_NETNS that is not a namespace" 4 ADD h1 eth0 /etc/hostname "$(conf 1.0.0)"
cni_rejects "CNI_NETNS missing at ADD" 4 ADD h1 eth0 "" "$(conf 1.0.0)"
cni_rejects "CNI_NETNS the plugin's own namespace" 4 ADD h1 eth0 /proc/self/ns/net "$(conf 1.0.0)"
cni_rejects "an unknown CNI_COMMAND" 4 FROB h1 eth0 /run/netns/h1 "$(conf 1.0.0)"
cni_rejects "an unknown CNI_ARGS key" 4 ADD h1 eth0 /run/netns/h1 "$(conf 1.0.0)" CNI_ARGS="FOO=bar"
cni_rejects "CNI_ARGS IP that is not an address" 4 ADD h1 eth0 /run/netns/h1 "$(conf 1.0.0)" CNI_ARGS="IP=10.77.0"
cni_rejects "no subnets" 7 ADD h1 eth0 /run/netns/h1 '{"cniVersion": "1.0.0", "name": "cninet", "type": "netns-hook"}'
cni_rejects "a subnet with host bits" 7 ADD h1 eth0 /run/netns/h1 '{"cniVersion": "1.0.0", "name": "cninet", "type": "netns-hook", "subnets": [{"subnet": "10.77.0.1/24"}]}'
cni_rejects "a bad network name" 7 ADD h1 eth0 /run/netns/h1 '{"cniVersion": "1.0.0", "name": "a b", "type": "netns-hook", "subnets": [{"subnet": "10.77.0.0/24"}]}'
cni_rejects "ipMasq that is not a boolean" 7 ADD h1 eth0 /run/netns/h1 "$(conf 1.0.0 '"ipMasq": "yes"')"
cni_rejects "a relative stateDir" 7 ADD h1 eth0 /run/netns/h1 "$(conf 1.0.0 | sed 's|"stateDir": "/|"stateDir": "|')"
cni_rejects "a multicast MAC" 7 ADD h1 eth0 /run/netns/h1 "$(conf 1.0.0 '"runtimeConfig": {"mac": "01:00:5e:00:00:01"}')"
cni_rejects "a port of 0" 7 ADD h1 eth0 /run/netns/h1 "$(conf 1.0.0 '"runtimeConfig": {"portMappings": [{"hostPort": 0, "containerPort": 80}]}')"
cni_rejects "an address outside the subnet" 7 ADD h1 eth0 /run/netns/h1 "$(conf 1.0.0 '"runtimeConfig": {"ips": ["10.99.0.5"]}')"
cni_rejects "the gateway's address" 7 ADD h1 eth0 /run/netns/h1 "$(conf 1.0.0 '"runtimeConfig": {"ips": ["10.77.0.1"]}')"
printf '{"name": "cninet", "bridge": "nh-other", "subnets": [{"subnet": "10.77.0.0/24"}]}\n' >"$NETWORKS_DIR/cninet.json"
cni_rejects "a network file of the same name that differs" 7 ADD h1 eth0 /run/netns/h1 "$(conf 1.0.0)"
rm -f "$NETWORKS_DIR/cninet.json"
printf '{"name": "other", "bridge": "nh-other", "subnets": [{"subnet": "10.77.0.0/25"}]}\n' >"$NETWORKS_DIR/other.json"
cni_rejects "a network file whose subnet overlaps" 7 ADD h1 eth0 /run/netns/h1 "$(conf 1.0.0)"
rm -f "$NETWORKS_DIR/other.json"

echo "# the shipped configurations, as a client hands them to the plugin"
EXAMPLES=$(cd "$(dirname "$0")/../../config-examples/cni" && pwd)
# (containerd's CRI fills {{.PodCIDR}} in from the node's pod CIDR.)
for f in 10-netns-hook.conflist:10.90.0. 87-podman-netns-hook.conflist:10.91.0. containerd-cri-template.conflist:10.244.1.; do
  file=${f%%:*} prefix=${f#*:}
  plugin=$(sed 's|{{.PodCIDR}}|10.244.1.0/24|' "$EXAMPLES/$file" |
    jq -c --arg s "$STATE_DIR" --arg n "$NETWORKS_DIR" --arg fw "$FW" \
      '.plugins[0] + {cniVersion: .cniVersion, name: .name, stateDir: $s, networksDir: $n, firewall: $fw}')
  ip netns add ex 2>/dev/null
  cni ADD ex eth0 /run/netns/ex "$plugin"
  check "$file: ADD succeeds" ok
  check "$file: the address is in its subnet ($(ns_addr ex))" bash -c "[[ '$(ns_addr ex)' == $prefix* ]]"
  cni DEL ex eth0 /run/netns/ex "$plugin"
  check "$file: DEL succeeds" ok
  ip netns del ex
done

echo "# everything goes away"
expect_eq "no lease left" 0 "$(lease_count)"
expect_eq "no veth left" 0 "$(veth_count)"
expect_eq "no port rule left" 0 "$(port_rules | wc -l)"

summary
