#!/usr/bin/env bash
# The Debian package scripts/package.sh builds: its contents, control fields
# and lintian's verdict; then, unpacked into a throwaway root inside this
# sandbox (never the machine's own /usr), the installed binary's --version,
# its hooks.d file and CNI link, and `doctor` on the sandbox. Runs inside
# tests/sandbox.sh.
#   package_check.sh PACKAGE.deb
set -uo pipefail
DEB=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
[ "${NH_IN_SANDBOX:-}" = 1 ] || { echo "run me through tests/sandbox.sh"; exit 2; }
ROOT=$(mktemp -d /tmp/nh-pkg.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT

echo "# contents"
dpkg-deb -c "$DEB" | awk '{print $6, $7, $8}' | sed 's| *$||' >"$ROOT.list"
for path in ./usr/bin/netns-hook ./usr/share/containers/oci/hooks.d/netns-hook.json \
  "./usr/lib/cni/netns-hook -> ../../bin/netns-hook" ./usr/share/man/man1/netns-hook.1.gz \
  ./usr/lib/systemd/system/netns-hook-gc.service ./usr/lib/systemd/system/netns-hook-gc.timer \
  ./usr/lib/systemd/system/netns-hook-restore.service ./usr/share/bash-completion/completions/netns-hook \
  ./usr/share/doc/netns-hook/copyright ./usr/share/doc/netns-hook/changelog.gz \
  ./usr/share/doc/netns-hook/examples/cni/10-netns-hook.conflist ./usr/share/doc/netns-hook/examples/runc/config.json; do
  check "it holds $path" grep -qxF "$path" "$ROOT.list"
done
check "nothing outside /usr" bash -c "! awk '{print \$1}' '$ROOT.list' | grep -vE '^\./(usr(/.*)?)?/?$'"
rm -f "$ROOT.list"

echo "# control fields"
field() { dpkg-deb -f "$DEB" "$1"; }
expect_eq "Package" netns-hook "$(field Package)"
check "Version is the project's ($(field Version))" grep -qE '^[0-9]+\.[0-9]+\.[0-9]+' <<<"$(field Version)"
expect_eq "Architecture" "$(dpkg --print-architecture)" "$(field Architecture)"
expect_eq "Section" net "$(field Section)"
check "Depends is computed from the binary: libc6, libmnl0, libip4tc2 ($(field Depends))" \
  bash -c "d='$(field Depends)'; [[ \$d == *libc6* && \$d == *libmnl0* && \$d == *libip4tc2* ]]"
check "it has a maintainer and a description" bash -c "[ -n '$(field Maintainer)' ] && [ -n \"\$(dpkg-deb -f '$DEB' Description)\" ]"

echo "# lintian"
command -v lintian >/dev/null || fail "lintian is missing (scripts/install-deps.sh installs it)"
LINTIAN=$(lintian --tag-display-limit 0 "$DEB" 2>&1 | grep -v 'running with root privileges')
printf '%s\n' "$LINTIAN" | sed 's/^/  | /'
expect_eq "lintian reports no errors" 0 "$(grep -c '^E: ' <<<"$LINTIAN" || true)"

echo "# unpacked into a throwaway root"
dpkg-deb -x "$DEB" "$ROOT"
BIN=$ROOT/usr/bin/netns-hook
check "the installed binary runs: --version" bash -c "'$BIN' --version | grep -q '^netns-hook [0-9]'"
check "the hooks.d file names the installed path" grep -q '"path": "/usr/bin/netns-hook"' "$ROOT/usr/share/containers/oci/hooks.d/netns-hook.json"
check "the units name it too" grep -q '^ExecStart=/usr/bin/netns-hook gc$' "$ROOT/usr/lib/systemd/system/netns-hook-gc.service"
check "the CNI link leads to it" bash -c "[ \"\$(readlink -f '$ROOT/usr/lib/cni/netns-hook')\" = '$BIN' ]"
check "through the link it is a CNI plugin" bash -c "echo '{\"cniVersion\":\"1.0.0\"}' | CNI_COMMAND=VERSION '$ROOT/usr/lib/cni/netns-hook' | grep -q supportedVersions"
check "the man page renders" bash -c "man -l '$ROOT/usr/share/man/man1/netns-hook.1.gz' 2>/dev/null | grep -q 'netns-hook - give a container a network'"
check "doctor runs on the sandbox and finds nothing failed" "$BIN" --state-dir /run/nh-pkg doctor

summary
