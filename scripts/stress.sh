#!/usr/bin/env bash
# Concurrency and crash stress: many hook runs at once, some killed, then gc,
# then a count of everything that should not be there. Inside a sandbox of its
# own (tests/sandbox.sh); "containers" are processes in network namespaces of
# their own (no runtime), and the hook is run as a runtime runs it: a state
# JSON on stdin.
#
#   scripts/stress.sh [-n N] [-k K] [-p P] [-t MS] [-s SEED] [--firewall B] [--hook PATH]
#     -n N      containers (default 100; at most 1000, a bridge's ports)
#     -k K      hook runs killed with SIGKILL at a random moment (default 10)
#     -p P      hook runs at once (default 16)
#     -t MS     a killed run dies 1..MS ms after it starts (default 30)
#     -s SEED   seed of the random choices, to repeat a run (default: random)
#     --firewall B  the backend: iptables or nftables (default iptables)
#     --hook P  the netns-hook binary (default: build it into $NH_BUILD_DIR,
#               or build/)
#
# The run: the first half of the containers set up in parallel (no kills;
# checkpoint: all succeed, no address twice, one bridge rule set); then the
# second half set up while the first half is torn down (half of those after
# their process exited, half before), K of these runs killed; then what a
# runtime does after a failed hook (a failed setup is torn down and the
# container killed; a failed teardown is not retried, the container is gone);
# then a few live containers are killed behind the hook's back, and
# `netns-hook gc` runs. It prints one "figure: value" per line and exits 1 if
# a setup that was not killed failed, or anything is duplicated, lost or
# leaked after gc.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

N=100 K=10 P=16 MAXMS=30 SEED=$((RANDOM * 32768 + RANDOM)) HOOK="" FW=iptables
usage() { sed -n '/^#   scripts/,/^#               or build/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    -n) N=$2; shift 2 ;;
    -k) K=$2; shift 2 ;;
    -p) P=$2; shift 2 ;;
    -t) MAXMS=$2; shift 2 ;;
    -s) SEED=$2; shift 2 ;;
    --hook) HOOK=$(realpath "$2"); shift 2 ;;
    --firewall) FW=$2; shift 2 ;;
    *) usage ;;
  esac
done
for v in "$N" "$K" "$P" "$MAXMS" "$SEED"; do [[ $v =~ ^[0-9]+$ ]] || usage; done
case $FW in iptables | nftables) ;; *) usage ;; esac
if [ "$N" -lt 4 ] || [ "$N" -gt 1000 ] || [ "$P" -lt 1 ] || [ "$MAXMS" -lt 1 ]; then usage; fi

if [ "${NH_IN_SANDBOX:-}" != 1 ]; then
  if [ -z "$HOOK" ]; then
    build=${NH_BUILD_DIR:-$top/build}
    bash "$top/scripts/install-deps.sh" >/dev/null
    cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" -j"$(nproc)" --target netns-hook >/dev/null
    HOOK=$build/hook/netns-hook
  fi
  export NH_SANDBOX_TIMEOUT=${NH_SANDBOX_TIMEOUT:-1800}
  exec "$top/tests/sandbox.sh" "$0" -n "$N" -k "$K" -p "$P" -t "$MAXMS" -s "$SEED" --firewall "$FW" --hook "$HOOK"
fi
[ -x "$HOOK" ] || { echo "stress: no hook binary (--hook)" >&2; exit 2; }

RANDOM=$SEED
STATE=/run/netns-hook
BRIDGE=netns0
WORK=$(mktemp -d /tmp/nh-stress.XXXXXX)
mkdir -p "$WORK/rc" "$WORK/err"
PIDS=()  # container i's process
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---- containers and hook runs -------------------------------------------------

make_containers() {
  local i p
  for ((i = 0; i < N; i++)); do
    unshare --net sleep 3600 </dev/null >/dev/null 2>&1 &
    PIDS[i]=$!
    disown  # its death is no job of ours to report
  done
  # bounded wait until each has entered a namespace of its own
  local self; self=$(readlink /proc/self/ns/net)
  for p in "${PIDS[@]}"; do
    for _ in $(seq 100); do [ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" != "$self" ] && break; sleep 0.02; done
  done
}

publishes() { [ $(($1 % 5)) = 0 ]; }  # every fifth container publishes a port
host_port() { echo $((20000 + $1)); }

# hook_run OP I KILL_MS: one hook run for container cI (OP setup or teardown),
# SIGKILLed KILL_MS ms after it starts when KILL_MS > 0; its exit status goes
# to rc/OP-I (137: killed). Half the teardowns run after the container's
# process exited, as after a normal stop; half while it still runs.
hook_run() {
  local op=$1 i=$2 kill_ms=$3 state limit=30 rc=0
  if [ "$op" = setup ]; then
    local ann=""
    publishes "$i" && ann=",\"annotations\":{\"netns-hook.ports\":\"$(host_port "$i"):80\"}"
    state="{\"ociVersion\":\"1.0.2\",\"id\":\"c$i\",\"status\":\"creating\",\"pid\":${PIDS[i]},\"bundle\":\"/b\"$ann}"
  else
    [ $((i % 2)) = 1 ] && kill -9 "${PIDS[i]}" 2>/dev/null
    state="{\"ociVersion\":\"1.0.2\",\"id\":\"c$i\",\"status\":\"stopped\",\"bundle\":\"/b\"}"
  fi
  [ "$kill_ms" -gt 0 ] && limit=$(printf '0.%03d' "$kill_ms")
  # The braces take bash's own "Killed" notice.
  { printf '%s' "$state" | timeout -s KILL "$limit" "$HOOK" --firewall "$FW" >/dev/null 2>"$WORK/err/$op-$i" || rc=$?; } 2>/dev/null
  echo "$rc" >"$WORK/rc/$op-$i"
}

# run_parallel JOB...: each job "OP I KILL_MS", at most P at once. Waits for
# the jobs by pid: the containers are children of this shell too.
run_parallel() {
  local job done_pid k running=()
  for job in "$@"; do
    if [ "${#running[@]}" -ge "$P" ]; then
      wait -n -p done_pid "${running[@]}" || true
      for k in "${!running[@]}"; do [ "${running[k]}" = "$done_pid" ] && unset 'running[k]'; done
    fi
    # shellcheck disable=SC2086
    hook_run $job &
    running+=("$!")
  done
  for done_pid in "${running[@]}"; do wait "$done_pid" || true; done
}

# stop I: kills container I; returns (bounded) once /proc no longer shows its namespace.
stop() {
  local p=${PIDS[$1]}
  kill -9 "$p" 2>/dev/null || true
  for _ in $(seq 100); do readlink "/proc/$p/ns/net" >/dev/null 2>&1 || return 0; sleep 0.02; done
}

rc_of() { cat "$WORK/rc/$1-$2" 2>/dev/null || echo none; }

# ---- what the kernel and the state directory hold -----------------------------

# leases: one line per attachment recorded in the state directory,
# "address<TAB>ids (space-separated)<TAB>veth<TAB>dev-inode" (lib/ipam/pool.hpp).
leases() {
  find "$STATE/sandboxes" -maxdepth 1 -type f ! -name '*.tmp.*' -exec cat {} + 2>/dev/null |
    jq -r '. as $s | .attachments[] | [(.addresses[0].address | split("/")[0]), ([$s.members[].id] | join(" ")), .host_veth, $s.key] | @tsv'
}
# lease_files: the leased addresses on file (pools/<network>/<address>).
lease_files() { find "$STATE/pools" -type f ! -name '*.tmp.*' -printf '%f\n' 2>/dev/null | sort; }
leased_ids() { leases | cut -f2 | tr ' ' '\n' | sed '/^$/d' | sort -u; }
# How the rules of backend $FW are read (fw_rules, port_rules, ...).
. "$top/tests/integration/firewall.sh"
# The ids the port rules (elements) name.
rule_ids() { port_rules | cut -d' ' -f1 | sort -u; }
# The ids named by the `ip netns` names the hook bound (default prefix nh-).
netns_names() { ls /run/netns 2>/dev/null | sed -n 's/^nh-//p' | sort -u; }
veths_now() { ip -o link show | grep -oE '^[0-9]+: nh[0-9a-f]{12}[@:]' | sed -E 's/^[0-9]+: //; s/[@:]$//' | sort -u; }
# Once the set holds still: the kernel removes the veths of namespaces that
# died a few milliseconds after their teardown (bounded: 3 s).
our_veths() {
  local now last=x
  for _ in $(seq 30); do
    now=$(veths_now)
    [ "$now" = "$last" ] && break
    last=$now
    sleep 0.1
  done
  printf '%s\n' "$now" | sed '/^$/d'
}
# inside_addresses PID: the IPv4 addresses on eth0 in PID's namespace (none if it has no eth0).
inside_addresses() { { timeout 5 nsenter -t "$1" -n ip -4 -o addr show dev eth0 2>/dev/null || true; } | awk '{print $4}' | cut -d/ -f1; }

count() { sed '/^$/d' | wc -l; }

# The containers that should have a network now (indexes).
LIVE=()
# Figures, one "name: value" line each; a bad figure that is not 0 fails the
# run unless INFO_ONLY=1.
BAD=0 INFO_ONLY=0
figure() { printf '%s: %s\n' "$1" "$2"; }
bad_figure() { figure "$1" "$2"; [ "$2" = 0 ] || [ "$INFO_ONLY" = 1 ] || BAD=1; }
# figures WHEN: what is duplicated, lost or leaked, as seen from inside the
# live namespaces, the lease files, the host's links and the firewall.
figures() {
  local when=$1 i expected="$WORK/expected" inside="$WORK/inside"
  : >"$expected"; : >"$inside"
  local lost=0 mismatch=0
  leases >"$WORK/leases"
  for i in "${LIVE[@]}"; do
    echo "c$i" >>"$expected"
    local addrs lease
    addrs=$(inside_addresses "${PIDS[i]}")
    printf '%s\n' "$addrs" | sed '/^$/d' >>"$inside"
    lease=$(awk -F'\t' -v id="c$i" '{n = split($2, a, " "); for (k = 1; k <= n; k++) if (a[k] == id) print $1}' "$WORK/leases")
    if [ -z "$addrs" ] || [ -z "$lease" ]; then lost=$((lost + 1))
    elif [ "$addrs" != "$lease" ]; then mismatch=$((mismatch + 1)); fi
  done
  sort -o "$expected" "$expected"
  bad_figure "$when: duplicate addresses inside the namespaces" "$(sort "$inside" | uniq -d | count)"
  bad_figure "$when: namespaces with two leases" "$(cut -f4 "$WORK/leases" | sort | uniq -d | count)"
  bad_figure "$when: ids on two leases" "$(cut -f2 "$WORK/leases" | tr ' ' '\n' | sed '/^$/d' | sort | uniq -d | count)"
  bad_figure "$when: live containers whose address is not their lease's" "$mismatch"
  bad_figure "$when: lost leases (live container without lease or address)" "$lost"
  bad_figure "$when: leaked leases" "$(awk -F'\t' '$2 == "" {print "(empty lease) " $1} {n = split($2, a, " "); for (k = 1; k <= n; k++) print a[k]}' "$WORK/leases" | sort -u | comm -23 - "$expected" | count)"
  bad_figure "$when: leaked veths" "$(our_veths | comm -23 - <(cut -f3 "$WORK/leases" | sort -u) | count)"
  if [ "$when" = "after gc" ]; then
    bad_figure "$when: leases naming no record" "$(lease_files | comm -23 - <(cut -f1 "$WORK/leases" | sort -u) | count)"
  else
    figure "$when: leases naming no record" "$(lease_files | comm -23 - <(cut -f1 "$WORK/leases" | sort -u) | count)"
  fi
  bad_figure "$when: leaked rules (ids without a lease)" "$(rule_ids | comm -23 - <(leased_ids) | count)"
  bad_figure "$when: leaked ip netns names" "$(netns_names | comm -23 - <(leased_ids) | count)"
  # Only a figure before gc: runs killed mid-write leave them, gc removes them.
  if [ "$when" = "after gc" ]; then
    bad_figure "$when: temporary files of killed writes" "$(find "$STATE" -name '*.tmp.*' | count)"
  else
    figure "$when: temporary files of killed writes" "$(find "$STATE" -name '*.tmp.*' | count)"
  fi
  local missing=0
  # (Read into a file before grep -q: under pipefail, grep -q leaving early fails the pipeline.)
  port_rules >"$WORK/rules"
  for i in "${LIVE[@]}"; do
    publishes "$i" || continue
    grep -qx -- "c$i tcp $(host_port "$i")" "$WORK/rules" || missing=$((missing + 1))
  done
  bad_figure "$when: live containers missing their port rule" "$missing"
}

# ---- the run -------------------------------------------------------------------

start=$EPOCHREALTIME
elapsed() { awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}'; }
progress() { echo "stress: $* (at $(elapsed) s)" >&2; }
make_containers
HALF=$((N / 2))
progress "N=$N K=$K P=$P kill 1..${MAXMS}ms seed $SEED hook $HOOK: $N containers made"

# 1. the first half set up in parallel, nothing killed
jobs=()
for ((i = 0; i < HALF; i++)); do jobs+=("setup $i 0"); done
run_parallel "${jobs[@]}"
progress "$HALF parallel setups done"
ok=0 failed=0
for ((i = 0; i < HALF; i++)); do if [ "$(rc_of setup $i)" = 0 ]; then ok=$((ok + 1)); LIVE+=("$i"); else failed=$((failed + 1)); fi; done
figure "parallel setups ok" "$ok"
bad_figure "parallel setups failed" "$failed"
figures "after the parallel setups"
bad_figure "after the parallel setups: repeated rule lines" "$(fw_rules | uniq -d | count)"
masq=$(masquerade_set "$BRIDGE")
figure "after the parallel setups: bridge masquerade rules (one set: 3)" "$masq"
[ "$masq" = 3 ] || BAD=1

# 2. the second half set up while the first half is torn down; K runs killed
jobs=()
for ((i = 0; i < N - HALF; i++)); do
  jobs+=("setup $((HALF + i)) 0")
  [ "$i" -lt "$HALF" ] && jobs+=("teardown $i 0")
done
for ((k = 0; k < K && k < ${#jobs[@]}; k++)); do
  j=$((RANDOM % ${#jobs[@]}))
  set -- ${jobs[j]}
  if [ "$3" = 0 ]; then jobs[j]="$1 $2 $((1 + RANDOM % MAXMS))"; else k=$((k - 1)); fi
done
run_parallel "${jobs[@]}"
progress "mixed setups and teardowns done"

# What a runtime does next. A setup that failed or was killed: poststop, then
# the container is gone. A teardown that failed or was killed is not retried.
s_ok=0 s_failed=0 s_killed=0 t_ok=0 t_failed=0 t_killed=0 after_failed=0
LIVE=()
for ((i = HALF; i < N; i++)); do
  rc=$(rc_of setup $i)
  case $rc in
    0) s_ok=$((s_ok + 1)); LIVE+=("$i"); continue ;;
    137) s_killed=$((s_killed + 1)) ;;
    *) s_failed=$((s_failed + 1)); echo "stress: setup c$i failed: $(cat "$WORK/err/setup-$i")" >&2 ;;
  esac
  hook_run teardown "$i" 0
  [ "$(rc_of teardown $i)" = 0 ] || { after_failed=$((after_failed + 1)); echo "stress: teardown c$i after its failed setup failed: $(cat "$WORK/err/teardown-$i")" >&2; }
  stop "$i"
done
for ((i = 0; i < HALF; i++)); do
  case $(rc_of teardown $i) in
    0) t_ok=$((t_ok + 1)) ;;
    137) t_killed=$((t_killed + 1)) ;;
    *) t_failed=$((t_failed + 1)); echo "stress: teardown c$i failed: $(cat "$WORK/err/teardown-$i")" >&2 ;;
  esac
  stop "$i"
done
figure "mixed: setups ok" "$s_ok"
bad_figure "mixed: setups failed (not killed)" "$s_failed"
figure "mixed: setups killed" "$s_killed"
figure "mixed: teardowns ok" "$t_ok"
bad_figure "mixed: teardowns failed (not killed)" "$t_failed"
figure "mixed: teardowns killed" "$t_killed"
bad_figure "teardowns after a killed or failed setup that failed" "$after_failed"
figure "setups ok" "$((ok + s_ok))"
figure "setups failed" "$((failed + s_failed))"

# 3. a few live containers die behind the hook's back (a publisher among them)
VANISH=$((N / 20 > 2 ? N / 20 : 2))
gone=0 keep=()
for i in "${LIVE[@]}"; do
  if [ "$gone" -lt "$VANISH" ] && { publishes "$i" || [ "$gone" -gt 0 ]; }; then
    stop "$i"; gone=$((gone + 1))
  else keep+=("$i"); fi
done
LIVE=("${keep[@]}")
figure "containers killed without a teardown" "$gone"
progress "the runtime's part done"

# 4. what the kills left, whether the state still loads, then gc
INFO_ONLY=1 figures "before gc"
if "$HOOK" ls --json 2>"$WORK/err/ls" | jq -e 'type == "array"' >/dev/null; then ls_ok=yes; else ls_ok=no; BAD=1; fi
figure "ls --json parses after the kills" "$ls_ok"
gc_rc=0
"$HOOK" --firewall "$FW" gc >"$WORK/gc.out" 2>"$WORK/err/gc" || gc_rc=$?
bad_figure "gc exit status" "$gc_rc"
[ "$gc_rc" = 0 ] || echo "stress: gc: $(cat "$WORK/err/gc")" >&2
figure "gc released" "$(grep -c '^gc: released' "$WORK/gc.out" || true)"
figure "gc deleted orphan veths" "$(grep -c '^gc: deleted' "$WORK/gc.out" || true)"
figures "after gc"
figure "wall time s" "$(elapsed)"
exit "$BAD"
