#!/usr/bin/env bash
# Runs "$@" inside a sandbox of its own: new network, mount and pid namespaces,
# a private tmpfs on /run (state dir, xtables lock, runc state) and lo up.
# Nothing it creates can reach the machine's own network, and when the command
# ends every process in the sandbox (containers included) is killed with it.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: $(basename "$1") needs root to create network namespaces (run the tests as root)"
  exit 77
fi
if [ "${NH_IN_SANDBOX:-}" = 1 ]; then
  mount --make-rprivate /
  mount -t tmpfs -o mode=0755 tmpfs /run
  ip link set lo up
  exec "$@"
fi
export NH_IN_SANDBOX=1
exec timeout --kill-after=10 "${NH_SANDBOX_TIMEOUT:-540}" \
  unshare --net --mount --pid --fork --mount-proc "$0" "$@"
