#!/usr/bin/env bash
# The demo: two busybox containers under runc, networked by netns-hook, inside
# a sandbox (its own network, mount and pid namespaces), so the machine's own
# network is never touched. Prints their addresses and a ping between them.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "${NH_IN_SANDBOX:-}" != 1 ]; then
  # A cold run installs packages and builds for a few minutes: say so as it goes.
  echo "demo: installing what is missing (scripts/install-deps.sh)..." >&2
  bash "$top/scripts/install-deps.sh" >/dev/null
  echo "demo: building netns-hook into build/ (a few minutes the first time)..." >&2
  cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  if ! cmake --build "$top/build" -j"$(nproc)" --target netns-hook |
    { grep --line-buffered -E '^\[ *[0-9]+%\]' || true; } | sed -u 's/^/demo: /' >&2; then
    echo "demo: the build failed (cmake --build build shows why)" >&2
    exit 1
  fi
  echo "demo: starting two containers in a sandbox..." >&2
  exec "$top/tests/sandbox.sh" "$0" "$@"
fi

. "$top/tests/integration/lib.sh"
HOOK="$top/build/hook/netns-hook"
WORK=$(mktemp -d /tmp/nh-demo.XXXXXX)
trap 'delete_all_containers; rm -rf "$WORK"' EXIT

make_rootfs "$WORK/rootfs"
for c in demo-a demo-b; do
  make_bundle "$WORK/$c" "$WORK/rootfs" "$HOOK"
  runc_start "$c" "$WORK/$c" || { cat "$WORK/$c/log"; exit 1; }
done
A=$(container_ip demo-a)
B=$(container_ip demo-b)
echo "demo-a: eth0 $A"
echo "demo-b: eth0 $B"
echo
echo "\$ netns-hook ls"
"$HOOK" ls
echo
echo "\$ ip netns exec nh-demo-b ip -4 -o addr show eth0   (each namespace is named for ip netns)"
ip netns exec nh-demo-b ip -4 -o addr show eth0
echo
echo "\$ runc exec demo-a ping -c 3 $B"
runc exec demo-a ping -c 3 "$B"
echo
echo "\$ runc delete -f demo-a demo-b   (the poststop hooks tear down)"
runc delete -f demo-a
runc delete -f demo-b
echo "leases left: $(find /run/netns-hook/pools -type f | wc -l), host veths left: $(veth_count), ip netns names left: $(ls /run/netns | wc -l)"
