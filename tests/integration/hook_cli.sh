#!/usr/bin/env bash
# The built binary driven by hand, as the runtimes drive it: a state JSON on
# stdin. Covers each runtime's state shape, status dispatch, options and config
# files, and bad input: one line on stderr, non-zero exit, nothing changed.
# Runs inside tests/sandbox.sh.
set -uo pipefail
HOOK=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
[ "${NH_IN_SANDBOX:-}" = 1 ] || { echo "run me through tests/sandbox.sh"; exit 2; }

WORK=$(mktemp -d /tmp/nh-cli.XXXXXX)
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT
STATE_DIR=/run/netns-hook

echo "# help and version"
check "--help exits 0 and documents --static-ip" bash -c "out=\$('$HOOK' --help) && grep -q -- '--static-ip' <<<\"\$out\""
check "--version prints the version" bash -c "'$HOOK' --version | grep -qE '^netns-hook [0-9]+\.[0-9]+'"

echo "# bad input: one line, non-zero exit, nothing changed"
new_netns_process; P=$NEWPID
rejects "empty input" "" "no container state on stdin"
rejects "not JSON" "hello" "not valid JSON"
rejects "a JSON array" "[1,2]" "expected a JSON object"
rejects "missing id" "{\"status\":\"creating\",\"pid\":$P}" "\"id\" is missing"
rejects "id with a slash" "{\"id\":\"../etc\",\"status\":\"creating\",\"pid\":$P}" "has a character other than"
rejects "id that is .." "{\"id\":\"..\",\"status\":\"creating\",\"pid\":$P}" "not a valid container id"
rejects "id with a newline" "{\"id\":\"a\\nb\",\"status\":\"creating\",\"pid\":$P}" "has a character other than"
rejects "negative pid" '{"id":"x","status":"creating","pid":-5}' "\"pid\" -5"
rejects "pid as a string" '{"id":"x","status":"creating","pid":"12"}' "\"pid\" is not an integer"
rejects "setup without a pid" '{"id":"x","status":"creating"}' "no pid"
rejects "pid of no process" '{"id":"x","status":"creating","pid":999999}' "no process with pid 999999"
rejects "unknown status" "{\"id\":\"x\",\"status\":\"running\",\"pid\":$P}" "status \"running\""
rejects "annotation that is not a string" "{\"id\":\"x\",\"status\":\"creating\",\"pid\":$P,\"annotations\":{\"a\":1}}" "annotation \"a\""
rejects "netns-hook.ip that is not an address" "{\"id\":\"x\",\"status\":\"creating\",\"pid\":$P,\"annotations\":{\"netns-hook.ip\":\"banana\"}}" "not an IP address"
rejects "netns-hook.ip outside the subnet" "{\"id\":\"x\",\"status\":\"creating\",\"pid\":$P,\"annotations\":{\"netns-hook.ip\":\"10.0.0.5\"}}" "not inside the subnet"
rejects "an annotation value over 16 KiB" "{\"id\":\"x\",\"status\":\"creating\",\"pid\":$P,\"annotations\":{\"netns-hook.ports\":\"$(printf "%017000d" 0)\"}}" "is longer than 16384 bytes"
rejects "netns-hook.ip equal to the gateway" "{\"id\":\"x\",\"status\":\"creating\",\"pid\":$P,\"annotations\":{\"netns-hook.ip\":\"172.19.0.1\"}}" "gateway"
rejects "netns-hook.ports with a newline stays one line" "{\"id\":\"x\",\"status\":\"creating\",\"pid\":$P,\"annotations\":{\"netns-hook.ports\":\"80:80/tc\\np\"}}" 'unknown protocol "tc\x0ap"'
rejects "ports with --firewall none" "{\"id\":\"x\",\"status\":\"creating\",\"pid\":$P,\"annotations\":{\"netns-hook.ports\":\"8080:80\"}}" "needs a firewall backend" --firewall none
BIG=$(head -c 1100000 /dev/zero | tr '\0' ' ')
rejects "input over 1 MiB" "{\"id\":\"x\",$BIG\"status\":\"creating\"}" "larger than"
GOOD="{\"id\":\"x\",\"status\":\"creating\",\"pid\":$P}"
rejects "bad --ip" "$GOOD" "invalid --ip" --ip 172.19.0.1
rejects "IPv6 --ip" "$GOOD" "IPv6" --ip fd00::1/64
rejects "long --bridge" "$GOOD" "longer than 15" --bridge abcdefghijklmnop
rejects "--iface with a slash" "$GOOD" "must not contain" --iface a/b
rejects "--mtu out of range" "$GOOD" "MTU must be" --mtu 70000
rejects "--static-ip is the broadcast address" "$GOOD" "broadcast" --static-ip 172.19.255.255
rejects "unknown option" "$GOOD" "unknown option" --frobnicate
rejects "missing config file" "$GOOD" "read config file" --config "$WORK/nope.json"
echo '{"bridge": 5' >"$WORK/broken.json"
rejects "config that is not JSON" "$GOOD" "not valid JSON" --config "$WORK/broken.json"
echo '{"colour": "blue"}' >"$WORK/unknown.json"
rejects "config with an unknown key" "$GOOD" "unknown setting \"colour\"" --config "$WORK/unknown.json"

echo "# each runtime's state shape"
new_netns_process; P1=$NEWPID; new_netns_process; P2=$NEWPID
check "runc prestart state sets up" bash -c "echo '{\"ociVersion\":\"1.0.2-dev\",\"id\":\"r1\",\"status\":\"creating\",\"pid\":$P1,\"bundle\":\"/b\"}' | '$HOOK'"
check "r1 got eth0 with an address" bash -c "nsenter -t $P1 -n ip -4 -o addr show eth0 | grep -q ' 172.19.'"
check "crun createRuntime state (status created, extra root field) sets up" bash -c "echo '{\"ociVersion\":\"1.0\",\"id\":\"k1\",\"status\":\"created\",\"pid\":$P2,\"bundle\":\"/b\",\"root\":\"/r\",\"annotations\":{\"x\":\"y\"}}' | '$HOOK'"
check "k1 got eth0 with an address" bash -c "nsenter -t $P2 -n ip -4 -o addr show eth0 | grep -q ' 172.19.'"
check "setup twice is a no-op" bash -c "echo '{\"id\":\"r1\",\"status\":\"creating\",\"pid\":$P1}' | '$HOOK' && [ \$(nsenter -t $P1 -n ip -4 -o addr show eth0 | wc -l) -eq 1 ]"
check "crun poststop state (pid 0) tears down" bash -c "echo '{\"ociVersion\":\"1.0\",\"id\":\"k1\",\"status\":\"stopped\",\"pid\":0,\"bundle\":\"/b\",\"root\":\"/r\"}' | '$HOOK'"
check "k1's eth0 is gone" bash -c "! nsenter -t $P2 -n ip link show eth0 >/dev/null 2>&1"
check "podman poststop state (no pid) tears down" bash -c "echo '{\"ociVersion\":\"1.0.0\",\"id\":\"r1\",\"status\":\"stopped\",\"bundle\":\"/b\"}' | '$HOOK'"
check "unknown id at teardown exits 0" bash -c "echo '{\"id\":\"never-seen\",\"status\":\"stopped\"}' | '$HOOK'"
check "teardown sub-command ignores the status" bash -c "echo '{\"id\":\"never-seen\",\"status\":\"creating\",\"pid\":$P1}' | '$HOOK' teardown"
expect_eq "no lease left" 0 "$(lease_count)"

echo "# options and config file"
new_netns_process; P3=$NEWPID
cat >"$WORK/conf.json" <<JSON
{"bridge": "br-test", "ip": "10.77.0.1/24", "mtu": 1400, "iface": "ceth0", "state-dir": "$WORK/state"}
JSON
check "setup with a config file" bash -c "echo '{\"id\":\"o1\",\"status\":\"creating\",\"pid\":$P3}' | '$HOOK' --config '$WORK/conf.json' --static-ip 10.77.0.50"
check "the bridge is br-test with 10.77.0.1/24" bash -c "ip -4 -o addr show br-test | grep -q ' 10.77.0.1/24 '"
check "the bridge MTU is 1400" bash -c "ip -o link show br-test | grep -q 'mtu 1400'"
check "the container interface is ceth0 with the static address and MTU 1400" bash -c "nsenter -t $P3 -n ip -o addr show ceth0 | grep -q ' 10.77.0.50/24 ' && nsenter -t $P3 -n ip -o link show ceth0 | grep -q 'mtu 1400'"
STATE_DIR="$WORK/state" check "the lease lives in the configured state dir" address_leased 10.77.0.50
check "the state dir is 0700" bash -c "[ \$(stat -c %a '$WORK/state') = 700 ]"
check "a flag wins over the config file" bash -c "'$HOOK' --config '$WORK/conf.json' --state-dir '$WORK/other' ls >/dev/null && test -d '$WORK/other'"
check "ls shows o1 with its namespace alive" bash -c "'$HOOK' --config '$WORK/conf.json' ls | grep -E '^o1 .*10.77.0.50/24.*alive'"
new_netns_process; P4=$NEWPID
STATE_DIR="$WORK/state" rejects "a bridge that exists with another address" "{\"id\":\"o2\",\"status\":\"creating\",\"pid\":$P4}" "has address 10.77.0.1/24, not the configured 10.88.0.1/24" --bridge br-test --ip 10.88.0.1/24 --state-dir "$WORK/state"
rejects "a taken address with another --mtu leaves the bridge's MTU alone" "{\"id\":\"o3\",\"status\":\"creating\",\"pid\":$P4}" "already leased to o1" --config "$WORK/conf.json" --mtu 1300 --static-ip 10.77.0.50
kill "$P3"; wait "$P3" 2>/dev/null
check "ls shows o1's namespace gone after its process died" bash -c "'$HOOK' --config '$WORK/conf.json' ls | grep -E '^o1 .*gone'"
check "teardown after the namespace died" bash -c "echo '{\"id\":\"o1\",\"status\":\"stopped\"}' | '$HOOK' --config '$WORK/conf.json'"
STATE_DIR="$WORK/state" check "o1's lease is gone" not address_leased 10.77.0.50

EXAMPLES=$(cd "$(dirname "$0")/../../config-examples" && pwd)
check "config-examples/netns-hook.json is a valid config" "$HOOK" --config "$EXAMPLES/netns-hook.json" ls
check "config-examples/networks/ are valid network files" bash -c "'$HOOK' --networks-dir '$EXAMPLES/networks' network ls --json | jq -e '[.[].name] == [\"default\", \"backend\", \"web\"]' >/dev/null"

echo "# a restarted container whose poststop never ran"
new_netns_process; Q1=$NEWPID; new_netns_process; Q2=$NEWPID
check "q1 set up in its first namespace" bash -c "echo '{\"id\":\"q1\",\"status\":\"creating\",\"pid\":$Q1}' | '$HOOK'"
# While the first namespace lives, the same id elsewhere is another container: refused.
rejects "q1 in a second namespace while the first lives" "{\"id\":\"q1\",\"status\":\"creating\",\"pid\":$Q2}" "set up in another network namespace, still alive"
check "the first namespace keeps its network" bash -c "nsenter -t $Q1 -n ip -4 -o addr show eth0 | grep -q ' 172.19.'"
Q1_VETH=$("$HOOK" ls --json | jq -r '.[] | select(.id == "q1") | .host_veth')
kill "$Q1"; wait "$Q1" 2>/dev/null  # the container is restarted: its first process is gone
check "q1 set up again in a new namespace (no teardown in between)" bash -c "echo '{\"id\":\"q1\",\"status\":\"creating\",\"pid\":$Q2}' | '$HOOK'"
check "the new namespace has eth0 with an address" bash -c "nsenter -t $Q2 -n ip -4 -o addr show eth0 | grep -q ' 172.19.'"
# The old veth went with the old record; the link by that name now is the new
# namespace's (its eth0 is the peer of that index).
check "the veth by that name is the new namespace's" bash -c "[ -n '$Q1_VETH' ] && idx=\$(ip -o link show $Q1_VETH | cut -d: -f1) && nsenter -t $Q2 -n ip -o link show eth0 | grep -q \"eth0@if\$idx:\""
expect_eq "q1 holds one lease" 1 "$("$HOOK" ls --json | jq '[.[] | select(.id == "q1")] | length')"
check "q1 torn down" bash -c "echo '{\"id\":\"q1\",\"status\":\"stopped\"}' | '$HOOK'"

echo "# a teardown that cannot remove the port rules keeps the lease for a retry"
new_netns_process; W1=$NEWPID
check "w1 set up publishing 7070" bash -c "echo '{\"id\":\"w1\",\"status\":\"creating\",\"pid\":$W1,\"annotations\":{\"netns-hook.ports\":\"7070:80\"}}' | '$HOOK'"
# (How a removal fails differs: the xtables lock for iptables; for nftables,
# the rules vanish with a table another program then owns, so the teardown
# has nothing left to fail on. Hence iptables only.)
if [ "$FW" = iptables ]; then
  check "teardown fails while the firewall lock is unusable" bash -c "! echo '{\"id\":\"w1\",\"status\":\"stopped\"}' | XTABLES_LOCKFILE=/nonexistent/dir/lock '$HOOK'"
  check "w1's lease is still there" indexed w1
fi
check "the retry succeeds" bash -c "echo '{\"id\":\"w1\",\"status\":\"stopped\"}' | '$HOOK'"
expect_eq "w1's DNAT rule is gone" 0 "$(port_rules_of w1)"
check "w1's lease is gone" not indexed w1

echo "# restore after a firewall reload"
new_netns_process; R1=$NEWPID; new_netns_process; R2=$NEWPID
check "rs1 set up publishing 6060" bash -c "echo '{\"id\":\"rs1\",\"status\":\"creating\",\"pid\":$R1,\"annotations\":{\"netns-hook.ports\":\"6060:80\"}}' | '$HOOK'"
check "rs2 set up" bash -c "echo '{\"id\":\"rs2\",\"status\":\"creating\",\"pid\":$R2}' | '$HOOK'"
# (br-test's rules stay out: no lease is left on that bridge to restore them for)
BEFORE_RELOAD=$(fw_rules | grep -v br-test)
fw_reload  # inside this sandbox only
expect_eq "the reload wiped netns-hook's rules" 0 "$(fw_rules | grep -c netns-hook)"
check "restore reports the rules it added" bash -c "'$HOOK' restore | grep -qE 'added [1-9][0-9]* that were missing'"
expect_eq "restore brings back exactly the rules the leases need" "$BEFORE_RELOAD" "$(fw_rules)"
check "restore again adds nothing" bash -c "'$HOOK' restore | grep -q 'added 0 that were missing'"
for id in rs1 rs2; do check "$id torn down" bash -c "echo '{\"id\":\"$id\",\"status\":\"stopped\"}' | '$HOOK'"; done

echo "# gc after namespaces died without a teardown"
new_netns_process; G1=$NEWPID; new_netns_process; G2=$NEWPID
check "gc1 set up publishing 5050" bash -c "echo '{\"id\":\"gc1\",\"status\":\"creating\",\"pid\":$G1,\"annotations\":{\"netns-hook.ports\":\"5050:80\"}}' | '$HOOK'"
check "gc2 set up publishing 5151" bash -c "echo '{\"id\":\"gc2\",\"status\":\"creating\",\"pid\":$G2,\"annotations\":{\"netns-hook.ports\":\"5151:80\"}}' | '$HOOK'"
# a rule of a container long gone, as a reload from an old saved rule set brings back
fw_add_stale_port ghost 5252 172.19.9.9
kill "$G1"; wait "$G1" 2>/dev/null  # gc1's container dies; its poststop never runs
# what runs killed mid-write leave: a dead writer's temporary file, and a live one's
echo '{"half":' >"$STATE_DIR/sandboxes/4-99.tmp.999999"
echo x >"$STATE_DIR/containers/gc-live.tmp.$$"
# and a lease whose record a killed claim never wrote
echo 4-123 >"$STATE_DIR/pools/default/172.19.9.9"
ip link add nh0123456789ab type veth peer name nhpeer0
ip link set nh0123456789ab master netns0
ip link add other0 type veth peer name other1
ip link set other0 master netns0
check "gc --dry-run names gc1's lease and the orphan veth" bash -c "out=\$('$HOOK' gc --dry-run); grep -q 'would release .* of container gc1' <<<\"\$out\" && grep -q 'would delete orphan veth nh0123456789ab' <<<\"\$out\" && grep -q 'would remove DNAT rule of ghost' <<<\"\$out\" && grep -q 'would remove sandboxes/4-99.tmp.999999' <<<\"\$out\" && grep -q 'would remove pools/default/172.19.9.9 (names no record)' <<<\"\$out\" && ! grep -q gc2 <<<\"\$out\""
check "--dry-run changed nothing" bash -c "test -e '$STATE_DIR/containers/gc1' && test -e '$STATE_DIR/sandboxes/4-99.tmp.999999' && test -e '$STATE_DIR/pools/default/172.19.9.9' && ip link show nh0123456789ab >/dev/null"
expect_eq "--dry-run kept the stale DNAT rule" 1 "$(port_rules_of ghost)"
check "gc releases gc1 and deletes the orphan" bash -c "'$HOOK' gc | grep -q 'released .* of container gc1'"
check "gc1's lease is gone" not indexed gc1
check "the lease that named no record is gone" not address_leased 172.19.9.9
expect_eq "gc1's DNAT rule is gone" 0 "$(port_rules_of gc1)"
check "the orphan veth is gone" bash -c "! ip link show nh0123456789ab >/dev/null 2>&1"
expect_eq "the DNAT rule with no lease is gone" 0 "$(port_rules_of ghost)"
expect_eq "gc2's DNAT rule stays" 1 "$(port_rules_of gc2)"
check "a link not named like ours is left alone" ip link show other0
check "the dead writer's temporary file is gone" test ! -e "$STATE_DIR/sandboxes/4-99.tmp.999999"
check "a live writer's temporary file stays" test -e "$STATE_DIR/containers/gc-live.tmp.$$"
rm -f "$STATE_DIR/containers/gc-live.tmp.$$"
check "gc2, still alive, keeps its lease and network" bash -c "test -e '$STATE_DIR/containers/gc2' && nsenter -t $G2 -n ip -4 -o addr show eth0 | grep -q ' 172.19.'"
check "a second gc finds nothing to do" bash -c "out=\$('$HOOK' gc) && [ -z \"\$out\" ]"
ip link del other0
check "gc2 torn down" bash -c "echo '{\"id\":\"gc2\",\"status\":\"stopped\"}' | '$HOOK'"

echo "# a full pool first releases the leases of dead namespaces"
SMALL="--bridge br-small --ip 10.66.0.1/29 --state-dir $WORK/small"
FULL=()
for i in 1 2 3 4 5; do
  new_netns_process; FULL+=("$NEWPID")
  check "small pool: f$i set up" bash -c "echo '{\"id\":\"f$i\",\"status\":\"creating\",\"pid\":$NEWPID}' | '$HOOK' $SMALL"
done
new_netns_process; F6=$NEWPID
STATE_DIR="$WORK/small" rejects "a sixth container when all five are alive" "{\"id\":\"f6\",\"status\":\"creating\",\"pid\":$F6}" "is full (5 addresses leased)" $SMALL
kill "${FULL[2]}"; wait "${FULL[2]}" 2>/dev/null  # f3 dies without a teardown
check "the sixth gets f3's address once f3's namespace is gone" bash -c "echo '{\"id\":\"f6\",\"status\":\"creating\",\"pid\":$F6}' | '$HOOK' $SMALL && test ! -e '$WORK/small/containers/f3' && test -e '$WORK/small/containers/f6'"
for i in 1 2 4 5 6; do echo "{\"id\":\"f$i\",\"status\":\"stopped\"}" | "$HOOK" $SMALL; done

echo "# the state directory must be private"
mkdir -m 0777 "$WORK/open-state"
STATE_DIR="$WORK/open-state" rejects "a world-writable state directory" "$GOOD" "writable by group or others (mode 0777)" --state-dir "$WORK/open-state"
mkdir -m 0700 "$WORK/foreign-state"; chown 65534 "$WORK/foreign-state"
STATE_DIR="$WORK/foreign-state" rejects "a state directory owned by someone else" "$GOOD" "owned by uid 65534" --state-dir "$WORK/foreign-state"

echo "# the hook's own namespace is never configured"
VETHS=$(veth_count)
check "a pid in the hook's namespace exits 0" bash -c "echo '{\"id\":\"h1\",\"status\":\"creating\",\"pid\":$$}' | '$HOOK'"
check "pid 1 of the sandbox (same namespace) exits 0" bash -c "echo '{\"id\":\"h2\",\"status\":\"creating\",\"pid\":1}' | '$HOOK'"
expect_eq "no veth for them" "$VETHS" "$(veth_count)"
check "no lease for them" not indexed h1
check "no lease for them" not indexed h2

summary
