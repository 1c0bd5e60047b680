#!/usr/bin/env bash
# What a container gets besides its address, driven by hand as a runtime
# drives the hook: an `ip netns` name, network sysctls, a resolv.conf, and the
# logs (file and levels); plus `version`. Runs inside tests/sandbox.sh.
set -uo pipefail
HOOK=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
[ "${NH_IN_SANDBOX:-}" = 1 ] || { echo "run me through tests/sandbox.sh"; exit 2; }

WORK=$(mktemp -d /tmp/nh-extras.XXXXXX)
# --netns-dir makes WORK/names a mount point (of this sandbox's mount
# namespace): unmounted first, or the directory it covers could not be removed
# and would be left in the machine's /tmp.
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  umount -R "$WORK/names" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
STATE_DIR=/run/netns-hook
# As on a systemd host, where / (and so /run) is a shared mount. This is the
# sandbox's own tmpfs: nothing reaches the machine's /run.
mount --make-shared /run

setup_json() { printf '{"id":"%s","status":"creating","pid":%s%s}' "$1" "$2" "${3:+,$3}"; }
stop_json() { printf '{"id":"%s","status":"stopped"}' "$1"; }
export -f setup_json stop_json  # for the bash -c of check

echo "# ip netns names"
new_netns_process; N1=$NEWPID
# The hook runs in a mount namespace of its own, made before /run/netns
# existed: only a shared /run/netns carries its bind back here.
check "n1 set up from another mount namespace" bash -c "setup_json n1 $N1 | unshare --mount --propagation unchanged '$HOOK'"
check "ip netns list shows nh-n1" bash -c "ip netns list | grep -qx 'nh-n1.*'"
N1_ADDR=$(nsenter -t "$N1" -n ip -4 -o addr show eth0 | awk '{print $4}')
check "ip netns exec nh-n1 sees the container's address" bash -c "ip netns exec nh-n1 ip -4 -o addr show eth0 | grep -q ' $N1_ADDR '"
check "ls --json names the path" bash -c "'$HOOK' ls --json | jq -e '.[] | select(.id == \"n1\") | .netns_link == \"/run/netns/nh-n1\"' >/dev/null"
check "/run/netns is a shared mount point, as iproute2 makes it" bash -c "grep ' /run/netns ' /proc/self/mountinfo | grep -q shared:"
new_netns_process; N2=$NEWPID
check "n2 joins n1's namespace and gets a name of its own" bash -c "setup_json n2 $N1 | '$HOOK' && ip netns list | grep -qx 'nh-n2.*'"
check "n2 torn down: its name goes, n1's stays" bash -c "stop_json n2 | '$HOOK' && ! ip netns list | grep -q nh-n2 && ip netns list | grep -q nh-n1"
check "n1 torn down: the name is gone" bash -c "stop_json n1 | '$HOOK' && [ -z \"\$(ls /run/netns)\" ]"
expect_eq "no nsfs mount is left" 0 "$(grep -c nsfs /proc/self/mountinfo)"

check "--no-netns-link names nothing" bash -c "setup_json n3 $N2 | '$HOOK' --no-netns-link && [ -z \"\$(ls /run/netns)\" ] && stop_json n3 | '$HOOK'"
mkdir -p "$WORK/names"
check "--netns-dir (not a mount point yet) and an empty --netns-prefix" bash -c "setup_json n4 $N2 | '$HOOK' --netns-dir $WORK/names --netns-prefix '' && test -e $WORK/names/n4 && nsenter --net=$WORK/names/n4 ip -4 -o addr show eth0 | grep -q 172.19."
check "n4 torn down with the same options" bash -c "stop_json n4 | '$HOOK' --netns-dir $WORK/names --netns-prefix '' && [ -z \"\$(ls $WORK/names)\" ]"
new_netns_process; N5=$NEWPID
ip netns add nh-taken
rejects "a name taken by another namespace" "$(setup_json taken "$N5")" "the name is taken by another network namespace"
check "the other namespace is left as it was" ip netns exec nh-taken true
ip netns del nh-taken

echo "# sysctls"
new_netns_process; S1=$NEWPID
check "s1 set up with three sysctls, one per interface" bash -c "setup_json s1 $S1 '\"annotations\":{\"netns-hook.sysctl\":\"net.ipv4.tcp_keepalive_time=600, net.core.somaxconn=1024,net/ipv4/conf/eth0/arp_ignore=1\"}' | '$HOOK'"
expect_eq "tcp_keepalive_time inside" 600 "$(nsenter -t "$S1" -n cat /proc/sys/net/ipv4/tcp_keepalive_time)"
expect_eq "somaxconn inside" 1024 "$(nsenter -t "$S1" -n cat /proc/sys/net/core/somaxconn)"
expect_eq "eth0's arp_ignore inside" 1 "$(nsenter -t "$S1" -n cat /proc/sys/net/ipv4/conf/eth0/arp_ignore)"
check "the host's own values are untouched" bash -c "[ \"\$(cat /proc/sys/net/core/somaxconn)\" != 1024 ] && [ \"\$(cat /proc/sys/net/ipv4/tcp_keepalive_time)\" != 600 ]"
check "s1 torn down" bash -c "stop_json s1 | '$HOOK'"
new_netns_process; S2=$NEWPID
sysctl_ann() { printf '"annotations":{"netns-hook.sysctl":"%s"}' "$1"; }
rejects "a sysctl outside net.*" "$(setup_json s2 "$S2" "$(sysctl_ann kernel.shmmax=1)")" "only network sysctls (net.*)"
rejects "a net.* sysctl that is not per-namespace" "$(setup_json s2 "$S2" "$(sysctl_ann 'net.ipv4.tcp_mem=1 2 3')")" "no such sysctl in the container's network namespace"
rejects "a key climbing out of /proc/sys/net" "$(setup_json s2 "$S2" "$(sysctl_ann net/../kernel/hostname=x)")" "not a sysctl name"
rejects "an item without =" "$(setup_json s2 "$S2" "$(sysctl_ann net.core.somaxconn)")" "expected KEY=VALUE"
rejects "a value with a control character" "$(setup_json s2 "$S2" "$(sysctl_ann 'net.core.somaxconn=1\u0007')")" "printable ASCII"
rejects "a value the kernel refuses" "$(setup_json s2 "$S2" "$(sysctl_ann net.ipv4.tcp_keepalive_time=banana)")" "tcp_keepalive_time"
rejects "a good item, then a value the kernel refuses" "$(setup_json s2 "$S2" "$(sysctl_ann net.core.somaxconn=77,net.ipv4.tcp_keepalive_time=banana)")" "net.ipv4.tcp_keepalive_time=banana"
expect_eq "and s2's namespace was not changed by the refusals" "$(cat /proc/sys/net/core/somaxconn)" "$(nsenter -t "$S2" -n cat /proc/sys/net/core/somaxconn)"

echo "# resolv.conf"
make_dns_bundle() {  # DIR [mounts-json]: a bundle whose config.json names rootfs
  mkdir -p "$1/rootfs/etc"
  printf '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"mounts":[%s]}' "${2:-}" >"$1/config.json"
}
new_netns_process; D1=$NEWPID
make_dns_bundle "$WORK/d1"
check "--dns writes the nameservers" bash -c "setup_json d1 $D1 '\"bundle\":\"$WORK/d1\"' | '$HOOK' --dns 10.0.0.53,10.0.0.54 && grep -qx 'nameserver 10.0.0.53' $WORK/d1/rootfs/etc/resolv.conf && grep -qx 'nameserver 10.0.0.54' $WORK/d1/rootfs/etc/resolv.conf"
check "d1 torn down" bash -c "stop_json d1 | '$HOOK'"
new_netns_process; D2=$NEWPID
make_dns_bundle "$WORK/d2"; echo "nameserver 192.0.2.1" >"$WORK/d2/rootfs/etc/resolv.conf"
check "an image's own resolv.conf is left alone" bash -c "setup_json d2 $D2 '\"bundle\":\"$WORK/d2\"' | '$HOOK' --dns 10.0.0.53 && [ \"\$(cat $WORK/d2/rootfs/etc/resolv.conf)\" = 'nameserver 192.0.2.1' ] && stop_json d2 | '$HOOK'"
make_dns_bundle "$WORK/d3" '{"destination":"/etc/resolv.conf","source":"/etc/resolv.conf","type":"bind","options":["rbind"]}'
check "a runtime-mounted resolv.conf is left alone" bash -c "setup_json d3 $D2 '\"bundle\":\"$WORK/d3\"' | '$HOOK' --dns 10.0.0.53 && test ! -e $WORK/d3/rootfs/etc/resolv.conf && stop_json d3 | '$HOOK'"
make_dns_bundle "$WORK/d4"
check "the annotation netns-hook.dns wins over --dns" bash -c "setup_json d4 $D2 '\"bundle\":\"$WORK/d4\",\"annotations\":{\"netns-hook.dns\":\"10.9.9.9\"}' | '$HOOK' --dns 10.0.0.53 && grep -q 10.9.9.9 $WORK/d4/rootfs/etc/resolv.conf && ! grep -q 10.0.0.53 $WORK/d4/rootfs/etc/resolv.conf && stop_json d4 | '$HOOK'"
make_dns_bundle "$WORK/d5"; ln -s /tmp/nh-escape "$WORK/d5/rootfs/etc/resolv.conf"
rejects "a resolv.conf that is a symlink out of the root" "$(setup_json d5 "$D2" "\"bundle\":\"$WORK/d5\"")" "resolv.conf" --dns 10.0.0.53
check "nothing was written through the symlink" test ! -e /tmp/nh-escape
rm -rf "$WORK/d6"; mkdir -p "$WORK/d6"; ln -s /etc "$WORK/d6/etcdir"; mkdir "$WORK/d6/rootfs"; ln -s ../etcdir "$WORK/d6/rootfs/etc"
printf '{"root":{"path":"rootfs"}}' >"$WORK/d6/config.json"
rejects "an etc that is a symlink" "$(setup_json d6 "$D2" "\"bundle\":\"$WORK/d6\"")" "etc must be a directory" --dns 10.0.0.53
rejects "--dns with no bundle in the state" "$(setup_json d7 "$D2")" "no absolute \"bundle\"" --dns 10.0.0.53
rejects "a bad nameserver in the annotation" "$(setup_json d7 "$D2" '"annotations":{"netns-hook.dns":"ns.example"}')" "annotation netns-hook.dns"
rejects "a bad --dns" "$(setup_json d7 "$D2")" "invalid --dns" --dns 10.0.0.1,x

echo "# logs and version"
new_netns_process; L1=$NEWPID
check "--log-file gets JSON lines with the steps at --log-level debug" bash -c "setup_json l1 $L1 | '$HOOK' --log-file $WORK/hook.log --log-level debug && grep -q '\"msg\":\"steps: namespace [0-9]* us, .*veth [0-9]* us' $WORK/hook.log && grep -q '\"level\":\"info\"' $WORK/hook.log"
check "every line is a JSON object with time, level, pid and msg" bash -c "while read -r l; do jq -e 'has(\"time\") and has(\"level\") and has(\"pid\") and has(\"msg\")' <<<\"\$l\" >/dev/null || exit 1; done <$WORK/hook.log"
check "--log-level error logs nothing on success" bash -c "stop_json l1 | '$HOOK' --log-file $WORK/quiet.log --log-level error && [ ! -s $WORK/quiet.log ]"
check "an error reaches stderr and the log file" bash -c "! echo '{\"id\":\"l2\",\"status\":\"creating\"}' | '$HOOK' --log-file $WORK/err.log 2>$WORK/err.txt && grep -q 'no pid' $WORK/err.txt && grep -q '\"level\":\"error\".*no pid' $WORK/err.log"
rejects "a log file that cannot be opened" "$(setup_json l3 "$L1")" "open log file $WORK/none/x.log" --log-file "$WORK/none/x.log"
rejects "a relative log file" "$(setup_json l3 "$L1")" "must be an absolute path" --log-file x.log
rejects "an unknown log level" "$(setup_json l3 "$L1")" "expected error, info or debug" --log-level loud
check "version names the libraries" bash -c "out=\$('$HOOK' version); grep -q '^netns-hook ' <<<\"\$out\" && grep -q '^libnl 3\.' <<<\"\$out\" && grep -q '^libiptc' <<<\"\$out\" && grep -q '^nlohmann/json' <<<\"\$out\""

summary
