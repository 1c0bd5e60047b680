#!/usr/bin/env bash
# The benchmark: netns-hook against the CNI bridge plugin (host-local IPAM,
# ipMasq), against the one-process floor, and inside `runc run`, in one run
# on one machine, inside a sandbox of its own (tests/sandbox.sh); and each
# firewall backend's setup of a container publishing a port, with 1, 100
# and 1000 containers already publishing one.
#
#   scripts/bench.sh            sizes 1, 100 and 1000 containers, 40 samples each
#                               (23 at 1000: a bridge holds at most 1023 ports)
#   scripts/bench.sh --quick    sizes 1 and 20, 10 samples (for CI: shows regressions)
#
# Each sample is one process started the way a runtime starts it (state JSON or
# CNI config on stdin) and timed from spawn to exit by tests/tools/spawn_time,
# so the shell's own costs stay out. It prints medians and p95, the ratios the
# targets are stated in, and the targets themselves. It never fails on a
# figure: timings on a shared machine are for reading, not for asserting.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "${NH_IN_SANDBOX:-}" != 1 ]; then
  bash "$top/scripts/install-deps.sh" >/dev/null
  cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNETNS_HOOK_TESTS=ON >/dev/null
  cmake --build "$top/build" -j"$(nproc)" --target netns-hook spawn_time >/dev/null
  export NH_SANDBOX_TIMEOUT=5400
  exec "$top/tests/sandbox.sh" "$0" "$@"
fi

QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
if [ $QUICK = 1 ]; then SIZES=(1 20); SAMPLES=10; RUNC_SAMPLES=5; else SIZES=(1 100 1000); SAMPLES=40; RUNC_SAMPLES=20; fi
HOOK="$top/build/hook/netns-hook"
SPAWN="$top/build/tests/spawn_time"
CNI_DIR=/usr/lib/cni
WORK=$(mktemp -d /tmp/nh-bench.XXXXXX)
RES="$WORK/results"
mkdir -p "$RES"
. "$top/tests/integration/lib.sh"

HOLDERS=()
cleanup() {
  delete_all_containers
  [ "${#HOLDERS[@]}" -gt 0 ] && kill "${HOLDERS[@]}" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# N processes, each in a network namespace of its own: the "containers".
# Fills the array NS (pids).
NS=()
make_namespaces() {
  local i p
  for ((i = 0; i < $1; i++)); do
    unshare --net sleep 36000 </dev/null >/dev/null 2>&1 &
    p=$!
    NS+=("$p")
    HOLDERS+=("$p")
  done
  # wait (bounded) until the last one has its own namespace
  for _ in $(seq 100); do
    [ "$(readlink /proc/$p/ns/net 2>/dev/null)" != "$(readlink /proc/self/ns/net)" ] && break
    sleep 0.05
  done
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

hook_state() { printf '{"ociVersion":"1.0.2","id":"%s","status":"%s","pid":%s,"bundle":"/b"%s}' "$1" "$2" "${3:-0}" "${4:-}"; }
publishing() { printf ',"annotations":{"netns-hook.ports":"%s:80"}' "$1"; }
hook_setup() { printf '%s' "$(hook_state "$1" creating "$2")" | "$HOOK" >/dev/null; }

CNI_CONF='{"cniVersion":"1.0.0","name":"bench","type":"bridge","bridge":"cni0","isGateway":true,"ipMasq":true,"ipam":{"type":"host-local","subnet":"10.88.0.0/16","dataDir":"/run/cni-bench-ipam"}}'
cni_env() { echo "--env CNI_COMMAND=$1 --env CNI_CONTAINERID=$2 --env CNI_NETNS=/proc/$3/ns/net --env CNI_IFNAME=eth0 --env CNI_PATH=$CNI_DIR"; }
cni_add() { printf '%s' "$CNI_CONF" | env CNI_COMMAND=ADD CNI_CONTAINERID="$1" CNI_NETNS="/proc/$2/ns/net" CNI_IFNAME=eth0 CNI_PATH=$CNI_DIR $CNI_DIR/bridge >/dev/null; }
# netns-hook as a CNI plugin, on a network and state directory of its own.
NH_CNI_CONF='{"cniVersion":"1.0.0","name":"bench","type":"netns-hook","bridge":"nhcni0","subnets":[{"subnet":"10.87.0.0/16"}],"stateDir":"/run/nh-bench-cni"}'
nhcni_add() { printf '%s' "$NH_CNI_CONF" | env CNI_COMMAND=ADD CNI_CONTAINERID="$1" CNI_NETNS="/proc/$2/ns/net" CNI_IFNAME=eth0 CNI_PATH=$CNI_DIR "$HOOK" >/dev/null; }

# One container set up (fill), or one timed setup or teardown (into
# RES/TOOL-setup-SIZE, RES/TOOL-teardown-SIZE), by TOOL: hook (the OCI hook),
# nhcni (netns-hook as a CNI plugin) or cni (the CNI bridge plugin).
fill_one() {  # fill_one TOOL ID PID
  case $1 in hook) hook_setup "$2" "$3" ;; nhcni) nhcni_add "$2" "$3" ;; cni) cni_add "$2" "$3" ;; esac
}
time_one() {  # time_one TOOL setup|teardown ID PID SIZE
  local tool=$1 what=$2 id=$3 pid=$4 size=$5 cmd
  [ "$what" = setup ] && cmd=ADD || cmd=DEL
  # shellcheck disable=SC2046
  case $tool in
    hook)
      if [ "$what" = setup ]; then time_into "$RES/hook-setup-$size" --stdin "$(hook_state "$id" creating "$pid")" -- "$HOOK"
      else time_into "$RES/hook-teardown-$size" --stdin "$(hook_state "$id" stopped)" -- "$HOOK"; fi ;;
    nhcni) time_into "$RES/nhcni-$what-$size" --stdin "$NH_CNI_CONF" $(cni_env $cmd "$id" "$pid") -- "$HOOK" ;;
    cni) time_into "$RES/cni-$what-$size" --stdin "$CNI_CONF" $(cni_env $cmd "$id" "$pid") -- $CNI_DIR/bridge ;;
  esac
}

# measure_at SIZE TOOL: bring the bridge up to SIZE containers (they stay for
# the next, larger size), then time SAMPLES setups and SAMPLES teardowns of
# further containers.
FILLED_hook=0
FILLED_nhcni=0
FILLED_cni=0
measure_at() {
  local size=$1 tool=$2 i pid id
  local filled_var=FILLED_$tool
  NS=()
  make_namespaces $((size - ${!filled_var}))
  for pid in "${NS[@]}"; do fill_one "$tool" "fill-$pid" "$pid"; done
  printf -v "$filled_var" '%s' "$size"
  # Let the kernel's per-device background work from the fill (IPv6 link-local
  # addresses, DAD, MLD) finish, so it is not billed to the samples.
  sleep 3
  # A Linux bridge has at most 1023 ports: at 1000 there is room for 23 more.
  local samples=$SAMPLES
  [ $((size + samples)) -le 1023 ] || samples=$((1023 - size))
  NS=()
  make_namespaces "$samples"
  for pid in "${NS[@]}"; do time_one "$tool" setup "m-$size-$pid" "$pid" "$size"; done
  for pid in "${NS[@]}"; do time_one "$tool" teardown "m-$size-$pid" "$pid" "$size"; done
  kill "${NS[@]}" 2>/dev/null || true
  if [ "$tool" = hook ]; then
    # The same single request with the port joining the bridge: what the kernel
    # alone costs at this size (one process, one RTM_NEWLINK, no hook).
    NS=()
    make_namespaces "$samples"
    for pid in "${NS[@]}"; do
      time_into "$RES/floor-bridge-$size" -- "$(command -v ip)" link add "fb$pid" master netns0 up type veth peer name eth0 netns "$pid"
    done
    for pid in "${NS[@]}"; do ip link del "fb$pid"; done
    kill "${NS[@]}" 2>/dev/null || true
  fi
}

# measure_ports SIZE BACKEND: as measure_at, every container publishing a
# port of its own, on a bridge and state directory of the backend's own.
declare -A FILLED_ports=([iptables]=0 [nftables]=0)
NEXT_PORT=20000
measure_ports() {
  local size=$1 fw=$2 i pid id
  local args=(--firewall "$fw" --state-dir "/run/nh-bench-$fw" --bridge "nhp-$fw" --ip "10.$([ "$fw" = iptables ] && echo 97 || echo 98).0.1/16")
  NS=()
  make_namespaces $((size - FILLED_ports[$fw]))
  local port
  for pid in "${NS[@]}"; do
    port=$((NEXT_PORT++))
    hook_state "fill-$pid" creating "$pid" "$(publishing $port)" | "$HOOK" "${args[@]}" >/dev/null
  done
  FILLED_ports[$fw]=$size
  sleep 3  # as in measure_at
  local samples=$SAMPLES
  [ $((size + samples)) -le 1023 ] || samples=$((1023 - size))
  NS=()
  make_namespaces "$samples"
  # The firewall step's own time, from the debug log's step line of each run.
  for pid in "${NS[@]}"; do
    port=$((NEXT_PORT++))
    time_into "$RES/ports-$fw-setup-$size" --stdin "$(hook_state "p-$size-$pid" creating "$pid" "$(publishing $port)")" \
      -- "$HOOK" "${args[@]}" --log-level debug --log-file "$RES/steps-$fw-$size.log"
  done
  sed -n 's/.*steps: .*firewall \([0-9]*\) us.*/\1/p' "$RES/steps-$fw-$size.log" >"$RES/ports-$fw-firewall-$size"
  for pid in "${NS[@]}"; do
    time_into "$RES/ports-$fw-teardown-$size" --stdin "$(hook_state "p-$size-$pid" stopped)" -- "$HOOK" "${args[@]}"
  done
  kill "${NS[@]}" 2>/dev/null || true
}

echo "bench: netns-hook at sizes ${SIZES[*]}, $SAMPLES samples each" >&2
for s in "${SIZES[@]}"; do measure_at "$s" hook; done
# What is filled stays only as long as it is measured against: a namespace
# whose process exits takes its veth with it.
# The kernel tears a dead namespace down in the background (its veths with
# it), holding the locks setups need: wait until it is done, or the next
# figures measure that.
drop_fill() {
  [ "${#HOLDERS[@]}" -gt 0 ] && kill "${HOLDERS[@]}" 2>/dev/null
  HOLDERS=()
  for _ in $(seq 600); do
    [ "$(ip -o link show type veth 2>/dev/null | wc -l)" -eq 0 ] && break
    sleep 0.2
  done
  sleep 2
}
drop_fill
for fw in iptables nftables; do
  echo "bench: setup publishing a port, firewall $fw, at sizes ${SIZES[*]}" >&2
  for s in "${SIZES[@]}"; do measure_ports "$s" "$fw"; done
  drop_fill
done

echo "bench: netns-hook as a CNI plugin at sizes ${SIZES[*]}" >&2
for s in "${SIZES[@]}"; do measure_at "$s" nhcni; done
drop_fill

HAVE_CNI=0
if [ -x $CNI_DIR/bridge ] && [ -x $CNI_DIR/host-local ]; then
  HAVE_CNI=1
  echo "bench: CNI bridge plugin at sizes ${SIZES[*]}" >&2
  for s in "${SIZES[@]}"; do measure_at "$s" cni; done
else
  echo "bench: CNI plugins not installed in $CNI_DIR: skipping the comparison" >&2
fi

echo "bench: the floor (one ip link add ... netns PID)" >&2
NS=()
make_namespaces "$SAMPLES"
for ((i = 0; i < SAMPLES; i++)); do
  time_into "$RES/floor" -- "$(command -v ip)" link add "fl$i" type veth peer name eth0 netns "${NS[$i]}"
done

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

# ---- report -----------------------------------------------------------------
# stats FILE: "median p95" in microseconds (nearest rank)
stats() { sort -n "$1" | awk '{v[NR]=$1} END {m=v[int((NR+1)/2)]; p=v[int(NR*0.95+0.999)]; if (p=="") p=v[NR]; print m, p}'; }
median() { stats "$1" | cut -d' ' -f1; }
ms() { awk -v u="$1" 'BEGIN {printf "%.2f", u/1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
row() {  # row LABEL FILE
  [ -s "$2" ] || return 0
  set -- "$1" "$2" $(stats "$2")
  printf '| %-40s | %5d | %9s | %9s |\n' "$1" "$(wc -l <"$2")" "$(ms "$3")" "$(ms "$4")"
}

echo "## netns-hook benchmark ($([ $QUICK = 1 ] && echo quick || echo full) run)"
echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "runc $(runc --version | awk 'NR==1 {print $3}'), CNI plugins $(dpkg-query -W -f='${Version}' containernetworking-plugins 2>/dev/null || echo none)"
echo
echo "| measure | n | median ms | p95 ms |"
echo "|---|---|---|---|"
for s in "${SIZES[@]}"; do
  row "netns-hook setup, $s on the bridge" "$RES/hook-setup-$s"
  row "netns-hook teardown, $s on the bridge" "$RES/hook-teardown-$s"
done
for s in "${SIZES[@]}"; do
  row "netns-hook CNI ADD, $s on the bridge" "$RES/nhcni-setup-$s"
  row "netns-hook CNI DEL, $s on the bridge" "$RES/nhcni-teardown-$s"
done
for s in "${SIZES[@]}"; do
  row "CNI bridge ADD, $s on the bridge" "$RES/cni-setup-$s"
  row "CNI bridge DEL, $s on the bridge" "$RES/cni-teardown-$s"
done
for fw in iptables nftables; do
  for s in "${SIZES[@]}"; do
    row "$fw: setup with a port, $s publishing" "$RES/ports-$fw-setup-$s"
    row "$fw: teardown with a port, $s publishing" "$RES/ports-$fw-teardown-$s"
    [ -s "$RES/ports-$fw-firewall-$s" ] && printf '| %-40s | %5d | %9s | |\n' "$fw: its firewall step, $s publishing" \
      "$(wc -l <"$RES/ports-$fw-firewall-$s")" "$(ms "$(median "$RES/ports-$fw-firewall-$s")")"
  done
done
row "floor: ip link add veth peer netns PID" "$RES/floor"
for s in "${SIZES[@]}"; do
  row "floor on the bridge, $s on the bridge" "$RES/floor-bridge-$s"
done
row "runc run true, no hook" "$RES/runc-without"
row "runc run true, no-op hook prestart+poststop" "$RES/runc-noop"
row "runc run true, netns-hook prestart+poststop" "$RES/runc-with"

first=${SIZES[0]}
last=${SIZES[${#SIZES[@]}-1]}
rss=$(cat "$RES"/hook-setup-* | awk '$2 > m {m = $2} END {print m}')
h_first=$(median "$RES/hook-setup-$first"); h_last=$(median "$RES/hook-setup-$last")
floor=$(median "$RES/floor")
r_with=$(median "$RES/runc-with"); r_without=$(median "$RES/runc-without")

echo
echo "| ratio (medians) | value | target |"
echo "|---|---|---|"
if [ $HAVE_CNI = 1 ]; then
  for s in "${SIZES[@]}"; do
    echo "| CNI / netns-hook setup, $s on the bridge | $(ratio "$(median "$RES/cni-setup-$s")" "$(median "$RES/hook-setup-$s")") | >= 15 at 100 and 1000 |"
    echo "| CNI bridge ADD / netns-hook CNI ADD, $s on the bridge | $(ratio "$(median "$RES/cni-setup-$s")" "$(median "$RES/nhcni-setup-$s")") | |"
    echo "| CNI bridge DEL / netns-hook CNI DEL, $s on the bridge | $(ratio "$(median "$RES/cni-teardown-$s")" "$(median "$RES/nhcni-teardown-$s")") | |"
  done
fi
echo "| netns-hook setup at $last / at $first | $(ratio "$h_last" "$h_first") | <= 1.3 |"
echo "| (kernel alone: floor on the bridge at $last / at $first) | $(ratio "$(median "$RES/floor-bridge-$last")" "$(median "$RES/floor-bridge-$first")") | |"
echo "| netns-hook setup / floor | $(ratio "$h_first" "$floor") | <= 2 |"
echo "| nftables: setup with a port at $last / at $first publishing | $(ratio "$(median "$RES/ports-nftables-setup-$last")" "$(median "$RES/ports-nftables-setup-$first")") | <= 1.3 |"
echo "| nftables: its firewall step at $last / at $first publishing | $(ratio "$(median "$RES/ports-nftables-firewall-$last")" "$(median "$RES/ports-nftables-firewall-$first")") | |"
echo "| (iptables: its firewall step at $last / at $first publishing) | $(ratio "$(median "$RES/ports-iptables-firewall-$last")" "$(median "$RES/ports-iptables-firewall-$first")") | |"
echo "| (iptables: setup with a port at $last / at $first publishing) | $(ratio "$(median "$RES/ports-iptables-setup-$last")" "$(median "$RES/ports-iptables-setup-$first")") | |"
echo "| (iptables / nftables: setup with a port, $first publishing) | $(ratio "$(median "$RES/ports-iptables-setup-$first")" "$(median "$RES/ports-nftables-setup-$first")") | |"
echo "| (iptables / nftables: setup with a port, $last publishing) | $(ratio "$(median "$RES/ports-iptables-setup-$last")" "$(median "$RES/ports-nftables-setup-$last")") | |"
echo "| runc run with hook / without | $(ratio "$r_with" "$r_without") | <= 1.2 |"
echo "| (runc run with a no-op hook / without) | $(ratio "$(median "$RES/runc-noop")" "$r_without") | |"
echo "| (runc run with netns-hook / with a no-op hook) | $(ratio "$r_with" "$(median "$RES/runc-noop")") | |"
echo "| netns-hook peak RSS | $(awk -v k="$rss" 'BEGIN {printf "%.1f MiB", k/1024}') | < 8 MiB |"
