# Shared helpers for the integration tests and the demo: a busybox root
# filesystem, OCI bundles wired to netns-hook, and small assertions.
# Source it; it expects to run inside tests/sandbox.sh (private /run and netns).

NH_PASS=0
NH_FAIL=0

# The firewall backend under test: NH_FIREWALL=iptables|nftables (CTest runs
# the suites that exercise rules once with each). $HOOK becomes a wrapper
# that passes --firewall first, so every run (by hand, from runc's hooks)
# uses it, and an explicit --firewall later on a command line still wins.
# Unset: the hook's default, auto, which in a fresh sandbox picks iptables.
FW=${NH_FIREWALL:-iptables}
. "$(dirname "${BASH_SOURCE[0]}")/firewall.sh"
if [ -n "${NH_FIREWALL:-}" ] && [ -n "${HOOK:-}" ] && [ "${NH_IN_SANDBOX:-}" = 1 ]; then
  mkdir -p /run/nh-test-bin
  printf '#!/bin/sh\nexec %q --firewall %q "$@"\n' "$HOOK" "$NH_FIREWALL" >/run/nh-test-bin/netns-hook
  chmod 755 /run/nh-test-bin/netns-hook
  HOOK=/run/nh-test-bin/netns-hook
  echo "# firewall backend: $NH_FIREWALL"
fi

pass() { NH_PASS=$((NH_PASS + 1)); echo "ok   - $*"; }
fail() { NH_FAIL=$((NH_FAIL + 1)); echo "FAIL - $*"; }

# not command...: succeeds when the command fails (for check)
not() { ! "$@"; }

# check "description" command...   passes when the command succeeds
check() {
  local desc=$1; shift
  local out
  if out=$("$@" 2>&1); then pass "$desc"; else fail "$desc"; printf '       %s\n' "$out" | head -20; fi
}
# check_here "description" command...: as check, but in this shell (not a
# subshell), so what the command sets stays set; its output is not captured.
check_here() {
  local desc=$1; shift
  if "$@"; then pass "$desc"; else fail "$desc"; fi
}
# expect_eq "description" expected actual
expect_eq() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1 (expected '$2', got '$3')"; fi
}
# summary: prints the counts and returns non-zero if anything failed
summary() {
  echo "$NH_PASS passed, $NH_FAIL failed"
  [ "$NH_FAIL" -eq 0 ] && [ "$NH_PASS" -gt 0 ]
}

# make_rootfs DIR: a minimal root filesystem from Debian's busybox-static.
make_rootfs() {
  local root=$1 bb
  bb=$(command -v busybox || echo /bin/busybox)
  mkdir -p "$root"/{bin,proc,sys,dev,tmp,etc}
  cp "$bb" "$root/bin/busybox"
  local applet
  for applet in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  echo "root:x:0:0:root:/:/bin/sh" >"$root/etc/passwd"
  echo "127.0.0.1 localhost" >"$root/etc/hosts"
}

# json_list a b c -> "a", "b", "c"
json_list() {
  local out="" x
  for x in "$@"; do out+="${out:+, }\"$x\""; done
  printf '%s' "$out"
}

# make_bundle DIR ROOTFS HOOK [options]: an OCI bundle whose prestart and poststop
# hooks run netns-hook. Options (environment-style, before the call):
#   NETNS_PATH=/proc/PID/ns/net  join that network namespace
#   HOST_NET=1                   no network namespace of its own
#   HOOK_ARGS="--flag value"     extra hook arguments
#   HOOK_ENV="K=V"               one environment variable for the hook
#   NO_HOOKS=1                   no hooks at all (a baseline)
#   ANNOTATIONS='"k": "v"'       annotations (JSON members)
#   ARGS="sleep 300"             the container's command (split on spaces)
#   CMD='echo a > /tmp/x; httpd' a shell command instead (no double quotes)
# Each bundle's cgroup is its own: suites run side by side (each twice, once
# per firewall backend) with the same container ids, and runc would put
# their containers in one cgroup, /<id>. runc removes it at delete.
NH_RUN_TAG=${NH_RUN_TAG:-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')}
make_bundle() {
  local dir=$1 rootfs=$2 hook=$3
  mkdir -p "$dir"
  local netns='{"type": "network"}'
  [ -n "${NETNS_PATH:-}" ] && netns="{\"type\": \"network\", \"path\": \"$NETNS_PATH\"}"
  local namespaces="{\"type\": \"pid\"}, {\"type\": \"ipc\"}, {\"type\": \"uts\"}, {\"type\": \"mount\"}"
  [ "${HOST_NET:-0}" = 1 ] || namespaces+=", $netns"
  # shellcheck disable=SC2086
  local hook_args; hook_args=$(json_list netns-hook ${HOOK_ARGS:-})
  local hook_env=""
  [ -n "${HOOK_ENV:-}" ] && hook_env=", \"env\": [\"$HOOK_ENV\"]"
  # shellcheck disable=SC2086
  local args; args=$(json_list ${ARGS:-sleep 300})
  [ -n "${CMD:-}" ] && args=$(json_list sh -c "$CMD")
  local caps; caps=$(json_list CAP_NET_RAW CAP_NET_BIND_SERVICE CAP_KILL CAP_AUDIT_WRITE)
  local hooks="\"hooks\": {
    \"prestart\": [{\"path\": \"$hook\", \"args\": [$hook_args]$hook_env, \"timeout\": 20}],
    \"poststop\": [{\"path\": \"$hook\", \"args\": [$hook_args]$hook_env, \"timeout\": 20}]
  },"
  [ "${NO_HOOKS:-0}" = 1 ] && hooks=""
  cat >"$dir/config.json" <<JSON
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": [$args],
    "env": ["PATH=/bin"],
    "cwd": "/",
    "capabilities": {"bounding": [$caps], "effective": [$caps], "permitted": [$caps], "ambient": [$caps]},
    "noNewPrivileges": true
  },
  "root": {"path": "$rootfs", "readonly": true},
  "hostname": "c",
  "annotations": {${ANNOTATIONS:-}},
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]}
  ],
  $hooks
  "linux": {
    "cgroupsPath": "/nh-test-$NH_RUN_TAG-$(basename "$dir")",
    "namespaces": [$namespaces],
    "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list"],
    "readonlyPaths": ["/proc/sys", "/proc/sysrq-trigger"]
  }
}
JSON
}

# runc_start ID BUNDLE: start a detached container; its output goes to BUNDLE/log.
runc_start() {
  (cd "$2" && timeout 30 runc run -d "$1" </dev/null >"$2/log" 2>&1)
}

# container_ip ID: the IPv4 address of eth0 inside the container.
container_ip() {
  timeout 10 runc exec "$1" ip -4 -o addr show eth0 2>/dev/null | awk '{print $4}' | cut -d/ -f1
}

# veth_count: host links made by netns-hook (named nh + 12 hex digits).
# leased ID: the hook lists a lease for container ID ($HOOK ls --json).
# Returns 2, not 1, when ls itself fails, so not_leased cannot pass on a
# broken ls.
leased() {
  local out
  out=$("$HOOK" ls --json) || return 2
  jq -e --arg id "$1" 'any(.[]; .id == $id)' <<<"$out" >/dev/null
}
not_leased() { leased "$1"; [ $? -eq 1 ]; }

# The state directory's layout, in one place ($STATE_DIR; see lib/ipam/pool.hpp):
# lease_count: leased addresses, on every network; address_leased IP: that
# address is leased on some network; indexed ID: the container id is indexed.
lease_count() { find "$STATE_DIR/pools" -type f ! -name '*.tmp.*' 2>/dev/null | wc -l; }
address_leased() { [ -n "$(find "$STATE_DIR/pools" -type f -name "$1" 2>/dev/null)" ]; }
indexed() { [ -e "$STATE_DIR/containers/$1" ]; }
record_count() { find "$STATE_DIR/sandboxes" "$STATE_DIR/containers" -type f ! -name '*.tmp.*' 2>/dev/null | wc -l; }
# veth_of IP: the host veth of the attachment holding IP (from ls --json).
veth_of() { "$HOOK" ls --json | jq -r --arg ip "$1" '.[] | select(any(.addresses[]; startswith($ip + "/"))) | .host_veth' | head -n1; }

# link_gone NAME...: each link is gone, or goes within 3 s (see veth_count).
link_gone() {
  local name
  for name in "$@"; do
    [ -n "$name" ] || return 1
    for _ in $(seq 60); do ip link show "$name" >/dev/null 2>&1 || continue 2; sleep 0.05; done
    return 1
  done
}

# The count once it holds still: a teardown leaves the veths of a namespace
# nothing holds to the kernel, which removes them a few milliseconds later
# (bounded: 3 s).
veth_count() {
  local now last="" same=0
  for _ in $(seq 60); do
    now=$(ip -o link show 2>/dev/null | grep -cE '^[0-9]+: nh[0-9a-f]{12}[@:]' || true)
    if [ "$now" = "$last" ]; then same=$((same + 1)); [ "$same" -ge 2 ] && break; else same=0; fi
    last=$now
    sleep 0.05
  done
  echo "$now"
}

# delete_all_containers: best-effort cleanup for traps.
delete_all_containers() {
  local id
  for id in $(runc list -q 2>/dev/null); do timeout 20 runc delete -f "$id" >/dev/null 2>&1 || true; done
}

# A "container": a process in a network namespace of its own; sets NEWPID
# and adds it to PIDS (the caller's cleanup kills them).
PIDS=()
new_netns_process() {
  unshare --net sleep 300 </dev/null >/dev/null 2>&1 &
  local p=$!
  PIDS+=("$p")
  NEWPID=$p
  # wait (bounded) until the child has entered its namespace
  for _ in $(seq 50); do
    [ "$(readlink /proc/$p/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
    sleep 0.05
  done
}

# What a bad input must not change: links (their flags left out: a bridge's
# carrier comes and goes on its own as earlier veths vanish), addresses, rules
# and the state dir. IPv4 addresses only: IPv6 link-local ones change state
# (tentative, then valid) on their own. next/ is left out: it is where the
# next allocation starts looking, and a rolled-back setup may move it.
snapshot() {
  { ip -o link show | sed 's/<[^>]*>//; s/ qdisc.*//'; ip -o -4 addr show; fw_rules;
    find "$STATE_DIR" -type f -not -path '*/next/*' -exec md5sum {} + 2>/dev/null | sort; ls /run/netns 2>/dev/null;
    find "${NETWORKS_DIR:-/nonexistent}" -type f -exec md5sum {} + 2>/dev/null | sort; } 2>/dev/null
}

# rejects "description" stdin-json expected-substring [hook args...]: the hook
# ($HOOK) must refuse with one line naming what was wrong and change nothing
# of what snapshot shows (state dir: $STATE_DIR).
rejects() {
  local desc=$1 input=$2 want=$3; shift 3
  local before after err rc
  before=$(snapshot)
  err=$(printf '%s' "$input" | "$HOOK" "$@" 2>&1 >/dev/null); rc=$?
  after=$(snapshot)
  if [ $rc -eq 0 ]; then fail "$desc: exit 0"; return; fi
  if [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ]; then fail "$desc: stderr is not one line: $err"; return; fi
  case "$err" in netns-hook:*"$want"*) ;; *) fail "$desc: stderr '$err' lacks '$want'"; return;; esac
  if [ "$before" != "$after" ]; then fail "$desc: the system changed"; diff <(echo "$before") <(echo "$after") | head; return; fi
  pass "$desc ($err)"
}

# cni_dirs: what CNI clients read and write with no flag to move it
# (/etc/cni/net.d, /var/lib/cni, /opt/cni/bin), each a tmpfs of this
# sandbox's own mount namespace; the machine's stay as they are. Only inside
# tests/sandbox.sh.
cni_dirs() {
  [ "${NH_IN_SANDBOX:-}" = 1 ] || { echo "cni_dirs: only inside tests/sandbox.sh" >&2; return 1; }
  [ -d /etc/cni/net.d ] || { echo "cni_dirs: /etc/cni/net.d is missing (the podman package makes it)" >&2; return 1; }
  mount -t tmpfs -o mode=0755 tmpfs /etc/cni/net.d
  # /var/lib/cni and /opt/cni may not exist: a tmpfs over their parents (only
  # CNI's caches and plugins are used below them here).
  mount -t tmpfs -o mode=0755 tmpfs /var/lib && mkdir -p /var/lib/cni
  mount -t tmpfs -o mode=0755 tmpfs /opt && mkdir -p /opt/cni/bin
}

# make_oci_image ROOTFS TARBALL NAME: an OCI image archive of ROOTFS in one
# uncompressed layer, named NAME (the annotation ctr images import reads).
make_oci_image() {
  local rootfs=$1 out=$2 name=$3 dir
  dir=$(mktemp -d /tmp/nh-image.XXXXXX)
  mkdir -p "$dir/blobs/sha256"
  tar -C "$rootfs" -cf "$dir/layer.tar" .
  local layer lsize config csize manifest msize
  layer=$(sha256sum "$dir/layer.tar" | cut -d' ' -f1); lsize=$(stat -c %s "$dir/layer.tar")
  mv "$dir/layer.tar" "$dir/blobs/sha256/$layer"
  printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$layer" >"$dir/config.json"
  config=$(sha256sum "$dir/config.json" | cut -d' ' -f1); csize=$(stat -c %s "$dir/config.json")
  mv "$dir/config.json" "$dir/blobs/sha256/$config"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$config" "$csize" "$layer" "$lsize" >"$dir/manifest.json"
  manifest=$(sha256sum "$dir/manifest.json" | cut -d' ' -f1); msize=$(stat -c %s "$dir/manifest.json")
  mv "$dir/manifest.json" "$dir/blobs/sha256/$manifest"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$manifest" "$msize" "$name" "${name##*:}" >"$dir/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  tar -C "$dir" -cf "$out" oci-layout index.json blobs
  rm -rf "$dir"
}
