#!/usr/bin/env bash
# The benchmark, in one run on one machine, inside a sandbox of its own
# (tests/sandbox.sh). Each sample is one process spawned the way a runtime
# spawns it (state JSON, CNI configuration or network options on stdin),
# timed from spawn to exit by tests/tools/spawn_time, which also reads its
# peak RSS from wait4; bash's own costs stay out.
#
#   scripts/bench.sh [--quick] [--out DIR]
#     sizes 1, 100 and 1000 containers on the network, 40 samples each (23 at
#     1000: a bridge holds at most 1023 ports); --quick: sizes 1 and 20, 10
#     samples, 40 parallel containers (CI: shows regressions). --out DIR keeps
#     the raw samples, the table (bench.md) and the chart's data (setup.dat;
#     scripts/bench-chart.sh draws it).
#
# Measured: setup and teardown at each size for netns-hook as OCI hook (IPv4
# with each firewall backend; dual stack; a container on two networks; a
# published port per container, with each backend's firewall step), as CNI
# plugin, the CNI bridge plugin (host-local, ipMasq), netavark (static
# addresses: podman does its IPAM itself), and the floor (one `ip link add
# ... veth peer ... netns PID`, and with `master` on the bridge and up);
# parallel starts (many containers by 16 workers, then their teardowns);
# `runc run` with no hook, a no-op hook and netns-hook; each tool's peak RSS.
# It prints medians and p95, the ratios the targets are stated in, and the
# targets. It never fails on a figure: timings on a shared machine are for
# reading, not asserting.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "${NH_IN_SANDBOX:-}" != 1 ]; then
  bash "$top/scripts/install-deps.sh" >/dev/null
  cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNETNS_HOOK_TESTS=ON >/dev/null
  cmake --build "$top/build" -j"$(nproc)" --target netns-hook spawn_time setup_floor >/dev/null
  export NH_SANDBOX_TIMEOUT=7200
  exec "$top/tests/sandbox.sh" "$0" "$@"
fi

QUICK=0 OUT=""
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1; shift ;;
    --out) OUT=$(realpath -m "$2"); shift 2 ;;
    *) sed -n '/^#   scripts/,/^#     scripts\/bench-chart/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
if [ $QUICK = 1 ]; then SIZES=(1 20); SAMPLES=10; RUNC_SAMPLES=5; PARALLEL=40
else SIZES=(1 100 1000); SAMPLES=40; RUNC_SAMPLES=20; PARALLEL=200; fi
WORKERS=16
HOOK="$top/build/hook/netns-hook"
SPAWN="$top/build/tests/spawn_time"
SETUP_FLOOR="$top/build/tests/setup_floor"
CNI_DIR=/usr/lib/cni
NETAVARK=/usr/lib/podman/netavark
WORK=$(mktemp -d /tmp/nh-bench.XXXXXX)
RES="$WORK/results"
mkdir -p "$RES" "$WORK/nets"
. "$top/tests/integration/lib.sh"

HOLDERS=()
cleanup() {
  delete_all_containers
  [ "${#HOLDERS[@]}" -gt 0 ] && kill "${HOLDERS[@]}" 2>/dev/null
  if [ -n "$OUT" ]; then mkdir -p "$OUT" && cp -r "$RES" "$OUT/" 2>/dev/null; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# N processes, each in a network namespace of its own: the "containers".
# Fills the array NS (pids).
NS=()
make_namespaces() {
  local i p=""
  for ((i = 0; i < $1; i++)); do
    unshare --net sleep 36000 </dev/null >/dev/null 2>&1 &
    p=$!
    NS+=("$p")
    HOLDERS+=("$p")
  done
  if [ -z "$p" ]; then return 0; fi
  for _ in $(seq 100); do
    [ "$(readlink /proc/$p/ns/net 2>/dev/null)" != "$(readlink /proc/self/ns/net)" ] && break
    sleep 0.05
  done
}

# The kernel tears a dead namespace down in the background (its veths with
# it), holding locks setups need: after dropping a fill, wait until that is
# done, or the next figures measure it.
drop_fill() {
  [ "${#HOLDERS[@]}" -gt 0 ] && kill "${HOLDERS[@]}" 2>/dev/null
  HOLDERS=()
  # The hook's `ip netns` names hold their namespaces too.
  for f in /run/netns/*; do [ -e "$f" ] && umount "$f" 2>/dev/null; rm -f "$f"; done
  # Each tool starts from empty firewall tables: the rules the last one left
  # for its (now dead) containers would otherwise slow the next (the CNI
  # bridge plugin leaves chains per container; netavark and it run iptables).
  nft flush ruleset 2>/dev/null
  for t in nat filter; do iptables-legacy -t $t -F 2>/dev/null; iptables-legacy -t $t -X 2>/dev/null
    ip6tables-legacy -t $t -F 2>/dev/null; ip6tables-legacy -t $t -X 2>/dev/null; done
  for _ in $(seq 600); do
    [ "$(ip -o link show type veth 2>/dev/null | wc -l)" -eq 0 ] && break
    sleep 0.2
  done
  sleep 2
}

# time_into FILE -- spawn_time args...: one sample, appended as "us rss".
time_into() {
  local file=$1; shift
  local out
  out=$("$SPAWN" "$@")
  set -- $out
  if [ "$3" != 0 ]; then echo "bench: a measured run failed (exit $3): ${*:4}" >&2; return 1; fi
  echo "$1 $2" >>"$file"
}

# ---- the tools ------------------------------------------------------------------
# tool_cmd TOOL setup|teardown ID PID N: sets RUN (spawn_time's arguments)
# for one run of TOOL on container ID in PID's namespace; N numbers the
# container (netavark's static address comes from it).
hook_state() { printf '{"ociVersion":"1.0.2","id":"%s","status":"%s","pid":%s,"bundle":"/b"%s}' "$1" "$2" "${3:-0}" "${4:-}"; }
cat >"$WORK/nets/second.json" <<NET
{"name": "second", "bridge": "nb-second", "subnets": [{"subnet": "10.84.0.0/16"}]}
NET
declare -A HOOK_ARGS_OF=(
  [hook-ipt]="--firewall iptables --state-dir /run/b-ipt --bridge nb-ipt --ip 10.80.0.1/16"
  [hook-nft]="--firewall nftables --state-dir /run/b-nft --bridge nb-nft --ip 10.81.0.1/16"
  [dual]="--firewall iptables --state-dir /run/b-dual --bridge nb-dual --ip 10.82.0.1/16 --ip6 fd00:82::1/64"
  [twonet]="--firewall iptables --state-dir /run/b-two --bridge nb-two --ip 10.83.0.1/16 --networks-dir $WORK/nets --network default,second"
  [ports-ipt]="--firewall iptables --state-dir /run/b-pipt --bridge nb-pipt --ip 10.97.0.1/16"
  [ports-nft]="--firewall nftables --state-dir /run/b-pnft --bridge nb-pnft --ip 10.98.0.1/16"
)
NH_CNI_CONF='{"cniVersion":"1.0.0","name":"bench","type":"netns-hook","bridge":"nb-cni","subnets":[{"subnet":"10.87.0.0/16"}],"stateDir":"/run/b-cni"}'
CNI_CONF='{"cniVersion":"1.0.0","name":"bench","type":"bridge","bridge":"cni0","isGateway":true,"ipMasq":true,"ipam":{"type":"host-local","subnet":"10.88.0.0/16","dataDir":"/run/cni-bench-ipam"}}'
# The options podman passes netavark for a container on a bridge network
# (no DNS: aardvark is not part of the comparison), with the address podman's
# own IPAM would have picked.
netavark_opts() {
  printf '{"container_id":"%064d","container_name":"%s","networks":{"bench":{"static_ips":["10.86.%d.%d"],"interface_name":"eth0"}},"network_info":{"bench":{"name":"bench","id":"%064d","driver":"bridge","network_interface":"nb-nva","subnets":[{"subnet":"10.86.0.0/16","gateway":"10.86.0.1"}],"ipv6_enabled":false,"internal":false,"dns_enabled":false,"ipam_options":{"driver":"host-local"}}}}' \
    "$1" "$2" $((($1 + 2) / 250)) $((($1 + 2) % 250 + 2)) 1
}
PORT_OF=()
NEXT_PORT=20000
tool_cmd() {
  local tool=$1 what=$2 id=$3 pid=$4 n=$5 cmd
  [ "$what" = setup ] && cmd=ADD || cmd=DEL
  case $tool in
    hook-ipt | hook-nft | dual | twonet | ports-ipt | ports-nft)
      local ann=""
      if [[ $tool == ports-* ]]; then
        [ "$what" = setup ] && PORT_OF[$n]=$((NEXT_PORT++))
        ann=$(printf ',"annotations":{"netns-hook.ports":"%s:80"}' "${PORT_OF[$n]}")
      fi
      local state
      if [ "$what" = setup ]; then state=$(hook_state "$id" creating "$pid" "$ann"); else state=$(hook_state "$id" stopped); fi
      # shellcheck disable=SC2206
      RUN=(--stdin "$state" -- "$HOOK" ${HOOK_ARGS_OF[$tool]})
      # The port samples' firewall step, from their debug log's step line.
      if [[ $tool == ports-* && $what == setup ]]; then RUN+=(--log-level debug --log-file "$RES/steps-$tool.log"); fi
      ;;
    nhcni) RUN=(--stdin "$NH_CNI_CONF" $(cni_env $cmd "$id" "$pid") -- "$HOOK") ;;
    cni) RUN=(--stdin "$CNI_CONF" $(cni_env $cmd "$id" "$pid") -- "$CNI_DIR/bridge") ;;
    netavark) RUN=(--stdin "$(netavark_opts "$n" "$id")" -- "$NETAVARK" --config /run/b-nva "$what" "/proc/$pid/ns/net") ;;
  esac
}
cni_env() { echo "--env CNI_COMMAND=$1 --env CNI_CONTAINERID=$2 --env CNI_NETNS=/proc/$3/ns/net --env CNI_IFNAME=eth0 --env CNI_PATH=$CNI_DIR"; }
declare -A LABEL=(
  [hook-ipt]="netns-hook (iptables)" [hook-nft]="netns-hook (nftables)" [dual]="netns-hook, dual stack"
  [twonet]="netns-hook, two networks" [ports-ipt]="netns-hook, a port, iptables" [ports-nft]="netns-hook, a port, nftables"
  [nhcni]="netns-hook as CNI plugin" [cni]="CNI bridge plugin" [netavark]="netavark"
)
mkdir -p /run/b-nva

# ---- latency at sizes ----------------------------------------------------------------
# measure TOOL SIZE: bring the tool's network up to SIZE containers (they stay
# for the next, larger size), then time SAMPLES setups and their teardowns.
declare -A FILLED=()
COUNTER=0
measure() {
  local tool=$1 size=$2 pid n
  NS=()
  make_namespaces $((size - ${FILLED[$tool]:-0}))
  for pid in "${NS[@]}"; do
    n=$((COUNTER++))
    tool_cmd "$tool" setup "fill-$n" "$pid" "$n"
    "$SPAWN" "${RUN[@]}" | awk '$3 != 0 {exit 1}' || echo "bench: a fill setup of $tool failed" >&2
  done
  FILLED[$tool]=$size
  if [[ $tool == ports-* ]]; then : >"$RES/steps-$tool.log"; fi
  sleep 2
  # A Linux bridge has at most 1023 ports: at 1000 there is room for 23 more.
  local samples=$SAMPLES
  [ $((size + samples)) -le 1023 ] || samples=$((1023 - size))
  NS=()
  make_namespaces "$samples"
  local first=$COUNTER
  for pid in "${NS[@]}"; do
    n=$((COUNTER++))
    tool_cmd "$tool" setup "m-$n" "$pid" "$n"
    time_into "$RES/$tool-setup-$size" "${RUN[@]}"
  done
  n=$first
  for pid in "${NS[@]}"; do
    tool_cmd "$tool" teardown "m-$n" "$pid" "$n"
    time_into "$RES/$tool-teardown-$size" "${RUN[@]}"
    n=$((n + 1))
  done
  kill "${NS[@]}" 2>/dev/null || true
  if [[ $tool == ports-* ]]; then
    sed -n 's/.*steps: .*firewall \([0-9]*\) us.*/\1/p' "$RES/steps-$tool.log" >"$RES/$tool-firewall-$size"
    : >"$RES/steps-$tool.log"
  fi
}

# The kernel alone at this size: the same veth made by one `ip` process, on
# the bridge and up, as a setup makes it; and everything a setup asks of the
# kernel for its links (veth, lo and eth0 up, address, default route) made
# by one process through the hook's own netlink code (tests/tools/setup_floor).
floor_on_bridge() {
  local bridge=$1 size=$2 pid i=0
  local samples=$SAMPLES  # (a bridge holds at most 1023 ports)
  [ $((size + samples)) -le 1023 ] || samples=$((1023 - size))
  NS=()
  make_namespaces "$samples"
  for pid in "${NS[@]}"; do
    time_into "$RES/floor-bridge-$size" -- "$(command -v ip)" link add "fb$pid" master "$bridge" up type veth peer name eth0 netns "$pid"
  done
  for pid in "${NS[@]}"; do ip link del "fb$pid"; done
  kill "${NS[@]}" 2>/dev/null || true
  NS=()
  make_namespaces "$samples"
  for pid in "${NS[@]}"; do
    i=$((i + 1))
    time_into "$RES/floor-setup-$size" -- "$SETUP_FLOOR" "$pid" "$bridge" "fs$pid" "10.80.200.$i/16" 10.80.0.1
  done
  for pid in "${NS[@]}"; do ip link del "fs$pid"; done
  kill "${NS[@]}" 2>/dev/null || true
}

TOOLS=(hook-ipt hook-nft dual twonet ports-ipt ports-nft nhcni)
if [ -x "$CNI_DIR/bridge" ] && [ -x "$CNI_DIR/host-local" ]; then TOOLS+=(cni); else echo "bench: no CNI plugins in $CNI_DIR: no comparison" >&2; fi
if [ -x "$NETAVARK" ]; then TOOLS+=(netavark); else echo "bench: no $NETAVARK: no comparison" >&2; fi
for tool in "${TOOLS[@]}"; do
  echo "bench: ${LABEL[$tool]} at sizes ${SIZES[*]}" >&2
  for s in "${SIZES[@]}"; do
    measure "$tool" "$s"
    if [ "$tool" = hook-ipt ]; then floor_on_bridge nb-ipt "$s"; fi
  done
  drop_fill
done

echo "bench: the floor (one ip link add ... netns PID)" >&2
NS=()
make_namespaces "$SAMPLES"
for ((i = 0; i < SAMPLES; i++)); do
  time_into "$RES/floor" -- "$(command -v ip)" link add "fl$i" type veth peer name eth0 netns "${NS[$i]}"
done
drop_fill

# ---- parallel starts ----------------------------------------------------------------
# PARALLEL containers set up by WORKERS at once (xargs -P), then torn down the
# same way: the wall time of each wave, each setup's latency, failures.
parallel() {
  local tool=$1 pid n start
  NS=()
  make_namespaces "$PARALLEL"
  : >"$WORK/jobs-setup"; : >"$WORK/jobs-teardown"
  for pid in "${NS[@]}"; do
    n=$((COUNTER++))
    for what in setup teardown; do
      tool_cmd "$tool" "$what" "par-$n" "$pid" "$n"
      # One line per job, quoted for xargs (no argument has a single quote).
      # (No trailing blank: xargs -L would join the next line to it.)
      printf "'%s'" "${RUN[0]}" >>"$WORK/jobs-$what"
      printf " '%s'" "${RUN[@]:1}" >>"$WORK/jobs-$what"
      echo >>"$WORK/jobs-$what"
    done
  done
  for what in setup teardown; do
    start=$EPOCHREALTIME
    xargs -P "$WORKERS" -L 1 "$SPAWN" <"$WORK/jobs-$what" >"$RES/par-$tool-$what" 2>/dev/null || true
    awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%d\n", (b - a) * 1e6}' >"$RES/par-$tool-$what-wall"
  done
  kill "${NS[@]}" 2>/dev/null || true
  drop_fill
}
PAR_TOOLS=(hook-ipt hook-nft)
if [[ " ${TOOLS[*]} " == *" cni "* ]]; then PAR_TOOLS+=(cni); fi
for tool in "${PAR_TOOLS[@]}"; do
  echo "bench: $PARALLEL parallel starts, $WORKERS at once: ${LABEL[$tool]}" >&2
  parallel "$tool"
done

# ---- runc run -----------------------------------------------------------------------
echo "bench: runc run of a trivial container, without and with the hook" >&2
make_rootfs "$WORK/rootfs"
ARGS=true HOOK_ARGS="--bridge nhbench --ip 10.99.0.1/16" make_bundle "$WORK/with" "$WORK/rootfs" "$HOOK"
NO_HOOKS=1 ARGS=true make_bundle "$WORK/without" "$WORK/rootfs" "$HOOK"
# The same two hook points running a hook that does nothing but read the
# state: what runc's hook mechanism costs by itself.
printf '#!/bin/sh\ncat >/dev/null\n' >"$WORK/noop-hook"
chmod +x "$WORK/noop-hook"
ARGS=true make_bundle "$WORK/noop" "$WORK/rootfs" "$WORK/noop-hook"
for ((i = 0; i < RUNC_SAMPLES; i++)); do
  time_into "$RES/runc-without" -- "$(command -v runc)" run --bundle "$WORK/without" "plain-$i"
  time_into "$RES/runc-with" -- "$(command -v runc)" run --bundle "$WORK/with" "hooked-$i"
  time_into "$RES/runc-noop" -- "$(command -v runc)" run --bundle "$WORK/noop" "noop-$i"
done

# ---- report -------------------------------------------------------------------------
# stats FILE: "median p95" in microseconds (nearest rank)
stats() { sort -n "$1" | awk '{v[NR]=$1} END {m=v[int((NR+1)/2)]; p=v[int(NR*0.95+0.999)]; if (p=="") p=v[NR]; print m, p}'; }
median() { [ -s "$1" ] && stats "$1" | cut -d' ' -f1 || echo 0; }
ms() { awk -v u="$1" 'BEGIN {printf "%.2f", u/1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b == 0) print "-"; else printf "%.2f", a/b}'; }
row() {  # row LABEL FILE
  [ -s "$2" ] || return 0
  set -- "$1" "$2" $(stats "$2")
  printf '| %-46s | %5d | %9s | %9s |\n' "$1" "$(wc -l <"$2")" "$(ms "$3")" "$(ms "$4")"
}
first=${SIZES[0]}
mid=${SIZES[1]}
last=${SIZES[${#SIZES[@]}-1]}
m() { median "$RES/$1"; }

report() {
  echo "## netns-hook benchmark ($([ $QUICK = 1 ] && echo quick || echo full) run, $(date -u +%Y-%m-%d))"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "netns-hook $("$HOOK" --version | head -1 | cut -d' ' -f2), runc $(runc --version | awk 'NR==1 {print $3}'), CNI plugins $(dpkg-query -W -f='${Version}' containernetworking-plugins 2>/dev/null || echo none), netavark $("$NETAVARK" --version 2>/dev/null | awk '{print $2}' || echo none)"
  echo
  echo "### Latency (one container set up or torn down, N already on the network)"
  echo
  echo "| measure | n | median ms | p95 ms |"
  echo "|---|---|---|---|"
  local t s what
  for t in "${TOOLS[@]}"; do
    for what in setup teardown; do
      for s in "${SIZES[@]}"; do row "${LABEL[$t]}: $what, $s" "$RES/$t-$what-$s"; done
    done
    if [[ $t == ports-* ]]; then
      for s in "${SIZES[@]}"; do
        if [ -s "$RES/$t-firewall-$s" ]; then
          printf '| %-46s | %5d | %9s | |\n' "${LABEL[$t]}: its firewall step, $s" "$(wc -l <"$RES/$t-firewall-$s")" "$(ms "$(m "$t-firewall-$s")")"
        fi
      done
    fi
  done
  row "floor: ip link add veth peer netns PID" "$RES/floor"
  for s in "${SIZES[@]}"; do row "floor on the bridge (master, up), $s" "$RES/floor-bridge-$s"; done
  for s in "${SIZES[@]}"; do row "the kernel's share of a setup (setup_floor), $s" "$RES/floor-setup-$s"; done
  echo
  echo "### Parallel starts ($PARALLEL containers, $WORKERS at once)"
  echo
  echo "| tool | setups: wall s | per setup p95 ms | failed | teardowns: wall s | failed |"
  echo "|---|---|---|---|---|---|"
  for t in "${PAR_TOOLS[@]}"; do
    local f="$RES/par-$t-setup"
    printf '| %s | %.2f | %s | %d | %.2f | %d |\n' "${LABEL[$t]}" "$(awk '{print $1/1e6}' "$f-wall")" \
      "$(ms "$(stats <(cut -d' ' -f1 "$f") | cut -d' ' -f2)")" "$(awk '$3 != 0' "$f" | wc -l)" \
      "$(awk '{print $1/1e6}' "$RES/par-$t-teardown-wall")" "$(awk '$3 != 0' "$RES/par-$t-teardown" | wc -l)"
  done
  echo
  echo "### runc run of a trivial container"
  echo
  echo "| measure | n | median ms | p95 ms |"
  echo "|---|---|---|---|"
  row "runc run true, no hook" "$RES/runc-without"
  row "runc run true, a no-op hook (prestart, poststop)" "$RES/runc-noop"
  row "runc run true, netns-hook (prestart, poststop)" "$RES/runc-with"
  echo
  echo "### Peak RSS (each tool's own, from wait4)"
  echo
  echo "| tool | peak RSS MiB |"
  echo "|---|---|"
  for t in "${TOOLS[@]}"; do
    printf '| %s | %.1f |\n' "${LABEL[$t]}" "$(cat "$RES/$t"-setup-* "$RES/$t"-teardown-* 2>/dev/null | awk '$2 > r {r = $2} END {print r / 1024}')"
  done
  echo
  echo "### Ratios (medians) and targets"
  echo
  echo "| ratio | value | target |"
  echo "|---|---|---|"
  for s in "${SIZES[@]}"; do
    echo "| netns-hook setup / floor on the bridge, $s | $(ratio "$(m hook-ipt-setup-$s)" "$(m floor-bridge-$s)") | <= 1.15 |"
  done
  for s in "${SIZES[@]}"; do
    echo "| (netns-hook setup / the kernel's share of a setup, $s: what is the hook's own) | $(ratio "$(m hook-ipt-setup-$s)" "$(m floor-setup-$s)") | |"
  done
  for s in "${SIZES[@]}"; do
    echo "| (the kernel's share of a setup / floor on the bridge, $s: the bound) | $(ratio "$(m floor-setup-$s)" "$(m floor-bridge-$s)") | |"
  done
  echo "| (floor on the bridge at $last / at $first: the kernel's own growth) | $(ratio "$(m floor-bridge-$last)" "$(m floor-bridge-$first)") | |"
  echo "| (netns-hook setup at $last / at $first) | $(ratio "$(m hook-ipt-setup-$last)" "$(m hook-ipt-setup-$first)") | |"
  for s in "${SIZES[@]}"; do
    echo "| dual stack / IPv4 only, $s | $(ratio "$(m dual-setup-$s)" "$(m hook-ipt-setup-$s)") | <= 1.25 |"
  done
  for s in "${SIZES[@]}"; do
    echo "| two networks / one, $s | $(ratio "$(m twonet-setup-$s)" "$(m hook-ipt-setup-$s)") | <= 1.9 |"
  done
  for s in "${SIZES[@]}"; do
    echo "| nftables / iptables backend, $s | $(ratio "$(m hook-nft-setup-$s)" "$(m hook-ipt-setup-$s)") | <= 1 |"
  done
  for s in "${SIZES[@]}"; do
    echo "| nftables / iptables, publishing a port, $s | $(ratio "$(m ports-nft-setup-$s)" "$(m ports-ipt-setup-$s)") | <= 1 |"
  done
  echo "| nftables: setup with a port at $last / at $first | $(ratio "$(m ports-nft-setup-$last)" "$(m ports-nft-setup-$first)") | <= 1.3 |"
  echo "| nftables: its firewall step at $last / at $first | $(ratio "$(m ports-nft-firewall-$last)" "$(m ports-nft-firewall-$first)") | |"
  echo "| (iptables: its firewall step at $last / at $first) | $(ratio "$(m ports-ipt-firewall-$last)" "$(m ports-ipt-firewall-$first)") | |"
  if [[ " ${TOOLS[*]} " == *" cni "* ]]; then
    for s in "${SIZES[@]}"; do
      echo "| CNI bridge plugin / netns-hook setup, $s | $(ratio "$(m cni-setup-$s)" "$(m hook-ipt-setup-$s)") | >= 15 at $mid and $last |"
      echo "| CNI bridge plugin / netns-hook as CNI plugin, ADD, $s | $(ratio "$(m cni-setup-$s)" "$(m nhcni-setup-$s)") | |"
    done
    echo "| CNI bridge plugin / netns-hook, $PARALLEL parallel setups, wall | $(ratio "$(cat "$RES/par-cni-setup-wall")" "$(cat "$RES/par-hook-ipt-setup-wall")") | >= 10 |"
  fi
  if [[ " ${TOOLS[*]} " == *" netavark "* ]]; then
    for s in "${SIZES[@]}"; do
      echo "| netavark / netns-hook setup, $s | $(ratio "$(m netavark-setup-$s)" "$(m hook-ipt-setup-$s)") | >= 20 |"
      echo "| (netavark / floor on the bridge, $s: the most any tool could show) | $(ratio "$(m netavark-setup-$s)" "$(m floor-bridge-$s)") | |"
    done
  fi
  echo "| runc run: netns-hook / a no-op hook | $(ratio "$(m runc-with)" "$(m runc-noop)") | <= 1.10 |"
  echo "| (runc run: a no-op hook / no hook) | $(ratio "$(m runc-noop)" "$(m runc-without)") | |"
  echo "| netns-hook peak RSS, every mode | $(cat "$RES"/{hook-ipt,hook-nft,dual,twonet,ports-ipt,ports-nft,nhcni}-*-* 2>/dev/null | awk '$2 > r {r = $2} END {printf "%.1f MiB", r / 1024}') | < 8 MiB |"
}

# The chart's data: setup medians (ms) by size, one column per tool.
chart_data() {
  printf 'size'
  for t in "${TOOLS[@]}"; do printf '\t"%s"' "${LABEL[$t]}"; done
  printf '\t"floor on the bridge"\n'
  for s in "${SIZES[@]}"; do
    printf '%s' "$s"
    for t in "${TOOLS[@]}"; do printf '\t%s' "$(ms "$(m "$t-setup-$s")")"; done
    printf '\t%s\n' "$(ms "$(m floor-bridge-$s)")"
  done
}

report | tee "$RES/bench.md"
chart_data >"$RES/setup.dat"
