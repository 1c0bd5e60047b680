#!/usr/bin/env bash
# What ships beside the binary says what the binary does: the man page
# renders without warnings and names every option and command `--help`
# lists; the bash completion offers the commands, options, networks and
# container ids; the systemd units pass `systemd-analyze verify`. Needs no
# privileges and changes nothing.
#   docs_check.sh NETNS-HOOK MAN-PAGE.1.gz
set -uo pipefail
HOOK=$(realpath "$1") MAN=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
EXAMPLES=$(cd "$here/../../config-examples" && pwd)
WORK=$(mktemp -d /tmp/nh-docs.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

echo "# the man page"
check "it renders without warnings" bash -c "out=\$(MANWIDTH=100 man --warnings -l '$MAN' 2>&1 >/dev/null); [ -z \"\$out\" ] || { echo \"\$out\"; exit 1; }"
MANWIDTH=1000 man -l "$MAN" 2>/dev/null | col -b >"$WORK/man.txt"
HELP=$("$HOOK" --help)
missing=""
for opt in $(grep -oE -- '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' <<<"$HELP" | tr -d ' ,' | sort -u); do
  # whole options: --ip must be there itself, not inside --ip6
  grep -qE -- "(^|[^a-zA-Z0-9-])$opt([^a-zA-Z0-9-]|\$)" "$WORK/man.txt" || missing+=" $opt"
done
expect_eq "every option --help lists is in the man page" "" "$missing"
missing=""
for cmd in setup teardown ls restore gc doctor "network create" "network ls" "network inspect" "network rm" version help; do
  grep -qF -- "$cmd" <<<"$HELP" || missing+=" (not in --help: $cmd)"
  grep -qF -- "$cmd" "$WORK/man.txt" || missing+=" $cmd"
done
expect_eq "every command is in --help and in the man page" "" "$missing"
for section in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS ANNOTATIONS "CNI PLUGIN" FILES "EXIT STATUS"; do
  check "the man page has $section" grep -q "^$section" "$WORK/man.txt"
done

echo "# bash completion"
# complete_words LINE: what the completion offers for the command line LINE
# (its last word is the one completed), with the built binary as netns-hook.
complete_words() {
  bash -c '
    . /usr/share/bash-completion/bash_completion
    . "$1"
    mkdir -p "$3/bin" && ln -sf "$4" "$3/bin/netns-hook"
    PATH="$3/bin:$PATH"
    read -ra COMP_WORDS <<<"$2"
    [[ $2 == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE=$2; COMP_POINT=${#2}
    _netns_hook
    printf "%s\n" "${COMPREPLY[@]}"' _ "$EXAMPLES/bash-completion/netns-hook" "$1" "$WORK" "$HOOK"
}
check "it registers for netns-hook" bash -c ". /usr/share/bash-completion/bash_completion; . '$EXAMPLES/bash-completion/netns-hook'; complete -p netns-hook"
expect_eq "commands" "doctor" "$(complete_words "netns-hook do" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "options, from --help" "--firewall" "$(complete_words "netns-hook --fire")"
expect_eq "option values" "nftables none" "$(complete_words "netns-hook --firewall n" | sort | tr '\n' ' ' | sed 's/ $//')"
# network names and container ids come from the binary (a state and networks directory of the test's own)
mkdir -p "$WORK/nets"
"$HOOK" --networks-dir "$WORK/nets" --state-dir "$WORK/state" network create webnet --subnet 10.89.77.0/24 >/dev/null
expect_eq "network names" "webnet" "$(complete_words "netns-hook --networks-dir $WORK/nets --state-dir $WORK/state network rm w" | tr -d '\n')"

echo "# systemd units"
if command -v systemd-analyze >/dev/null; then
  mkdir -p "$WORK/units"
  for u in "$EXAMPLES"/systemd/*; do sed "s|/usr/bin/netns-hook|$HOOK|" "$u" >"$WORK/units/$(basename "$u")"; done
  check "systemd-analyze verify passes on the units" bash -c "cd '$WORK/units' && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no ./netns-hook-gc.service ./netns-hook-gc.timer ./netns-hook-restore.service"
  check "the timer runs gc every 15 minutes" grep -qx 'OnUnitActiveSec=15min' "$EXAMPLES/systemd/netns-hook-gc.timer"
  check "restore follows firewalld and nftables starts, restarts and reloads" bash -c "grep -qx 'PartOf=firewalld.service nftables.service' '$EXAMPLES/systemd/netns-hook-restore.service' && grep -qx 'After=firewalld.service nftables.service' '$EXAMPLES/systemd/netns-hook-restore.service' && grep -qx 'ReloadPropagatedFrom=firewalld.service nftables.service' '$EXAMPLES/systemd/netns-hook-restore.service' && grep -q '^ExecReload=' '$EXAMPLES/systemd/netns-hook-restore.service'"
else
  fail "systemd-analyze is missing"
fi

summary
