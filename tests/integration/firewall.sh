# How the tests look at netns-hook's firewall rules, for either backend:
# FW=iptables (the legacy tables, through iptables-legacy-save; the host's
# iptables is the nft variant, which does not show them) or FW=nftables (the
# table inet netns_hook, through nft). Each helper asks a question of intent
# (how many masquerade rules for this subnet, which containers have port
# rules) so that a suite runs unchanged against both. Sourced by lib.sh and
# scripts/stress.sh; only ever reads, except fw_reload and fw_add_stale_port,
# which the tests call inside their sandbox.

FW=${FW:-iptables}
NFT_TABLE="inet netns_hook"

_ipt_save() {  # _ipt_save FAMILY(4|6|both) [TABLE]
  local t=${2:+-t $2}
  # shellcheck disable=SC2086
  case $1 in
    4) iptables-legacy-save $t 2>/dev/null ;;
    6) ip6tables-legacy-save $t 2>/dev/null ;;
    *) iptables-legacy-save $t 2>/dev/null; ip6tables-legacy-save $t 2>/dev/null ;;
  esac
}
_nft_list() { nft list table $NFT_TABLE 2>/dev/null; }
_family_of() { case $1 in *:*) echo 6 ;; *) echo 4 ;; esac; }
_count() { grep -c "$@" || true; }

# fw_rules: netns-hook's rules, for before/after comparisons: one line per
# rule (and per map element), without counters or handles, sorted.
fw_rules() {
  case $FW in
    iptables) { _ipt_save both nat | grep -E '^(-A|:NETNS)'; _ipt_save both filter | grep -E '^(-A|:NETNS)'; } | sort ;;
    nftables)
      nft -j list table $NFT_TABLE 2>/dev/null |
        jq -c '.nftables[] | select(has("metainfo") | not) | walk(if type == "object" then del(.handle) else . end)
               | if .map then .map.elem |= ((. // []) | sort) else . end' | sed '/^$/d' | sort ;;
  esac
}

# masquerade_rules SUBNET BRIDGE: rules masquerading SUBNET leaving by any
# interface but BRIDGE (one per network and family).
masquerade_rules() {
  case $FW in
    iptables) _ipt_save "$(_family_of "$1")" nat | _count -E "^-A POSTROUTING -s $1 ! -o $2 .*-j MASQUERADE" ;;
    nftables) _nft_list | _count -E "saddr $1 oifname != \"$2\" masquerade" ;;
  esac
}
# forward_hooks: how many times netns-hook hooks into forwarding (iptables:
# FORWARD jumps to its chain; nftables: its forward base chain). One.
forward_hooks() {
  case $FW in
    iptables) _ipt_save 4 filter | _count -E '^-A FORWARD .*-j NETNS-HOOK-FORWARD' ;;
    nftables) _nft_list | _count 'type filter hook forward' ;;
  esac
}
# forward_accepts BRIDGE / reply_accepts BRIDGE: what leaves the bridge, and
# replies to it, accepted (once per network).
forward_accepts() {
  case $FW in
    iptables) _ipt_save 4 filter | _count -E "^-A NETNS-HOOK-FORWARD -i $1 .*netns-hook:$1.* -j ACCEPT" ;;
    nftables) _nft_list | _count -E "^\s*iifname \"$1\" accept " ;;
  esac
}
reply_accepts() {
  case $FW in
    iptables) _ipt_save 4 filter | _count -E "^-A NETNS-HOOK-FORWARD -o $1 .*RELATED,ESTABLISHED.*netns-hook:$1.* -j ACCEPT" ;;
    nftables) _nft_list | _count -E "^\s*oifname \"$1\" ct state established,related accept " ;;
  esac
}
# masquerade_set BRIDGE: every masquerade rule of the bridge's network
# (IPv4: its subnet leaving, the host's connections, hairpin: 3).
masquerade_set() {
  case $FW in
    iptables) _ipt_save both nat | _count -E -- "--comment \"netns-hook:$1\" -j MASQUERADE" ;;
    nftables) _nft_list | _count -E "masquerade comment \"netns-hook:$1 " ;;
  esac
}
# network_rules BRIDGE: every rule of that bridge's network, both families.
network_rules() {
  case $FW in
    iptables) _ipt_save both | _count -- "--comment \"netns-hook:$1\"" ;;
    nftables) _nft_list | _count "comment \"netns-hook:$1 " ;;
  esac
}
# tagged_rules: rules (and elements) that name a network or a container:
# everything but the shared ones that tie netns-hook's chains in.
tagged_rules() {
  case $FW in
    iptables) _ipt_save both | _count -E -- '--comment "?netns-hook:' ;;
    nftables) _nft_list | _count 'comment "netns-hook:' ;;
  esac
}
# rule_count: every rule netns-hook has (not map elements).
rule_count() {
  case $FW in
    iptables) _ipt_save both | _count -E '^-A .*--comment "?netns-hook' ;;
    nftables) _nft_list | _count -E 'comment "netns-hook[ :][^"]*"$' ;;
  esac
}
# port_rules [FAMILY(4|6)]: DNAT rules (iptables) or map elements (nftables)
# of published ports, one line each: "ID PROTO HOSTPORT".
port_rules() {
  case $FW in
    iptables)
      _ipt_save "${1:-both}" nat | grep -- '-j DNAT' |
        sed -nE 's/.*-p ([a-z]+) .*--dport ([0-9]+) .*--comment "?netns-hook:([^" ]+)"? .*/\3 \1 \2/p' ;;
    nftables)
      local maps='"ports4", "ports4any", "ports6", "ports6any"'
      [ "${1:-}" = 4 ] && maps='"ports4", "ports4any"'
      [ "${1:-}" = 6 ] && maps='"ports6", "ports6any"'
      nft -j list table $NFT_TABLE 2>/dev/null |
        jq -r "[$maps] as \$m | .nftables[] | select(.map and (.map.name | IN(\$m[]))) | .map.elem[]? | .[0].elem
               | \"\(.comment | sub(\"^netns-hook:\"; \"\")) \(.val.concat[-2]) \(.val.concat[-1])\"" ;;
  esac
}
# port_rules_of ID: how many port rules (elements) container ID has.
port_rules_of() { port_rules | awk -v id="$1" '$1 == id' | wc -l; }
# publishes ID PORT: container ID has a port rule (element) for host port PORT.
publishes_port() { port_rules | awk -v id="$1" -v p="$2" '$1 == id && $3 == p {f = 1} END {exit !f}'; }

# fw_reload: what a firewall reload does to netns-hook's rules (firewalld,
# `iptables-restore` of an old file, `nft flush ruleset`): all gone. Call it
# only inside the test's sandbox.
fw_reload() {
  case $FW in
    iptables)
      local c
      for c in iptables-legacy ip6tables-legacy; do
        $c -t nat -F; $c -t nat -X; $c -t filter -F; $c -t filter -X
      done ;;
    nftables) nft flush ruleset ;;
  esac
}
# fw_add_stale_port ID PORT ADDRESS: a DNAT rule (element) of a container the
# state does not know, as a reload from an old saved rule set brings back.
fw_add_stale_port() {
  case $FW in
    iptables) iptables-legacy -t nat -A NETNS-HOOK-DNAT -p tcp --dport "$2" -m comment --comment "netns-hook:$1" \
                -j DNAT --to-destination "$3:80" ;;
    nftables) nft add element $NFT_TABLE ports4any "{ tcp . $2 comment \"netns-hook:$1\" : $3 . 80 }" ;;
  esac
}

# with_firewall_failing CMD...: runs CMD while every hook run's firewall step
# fails, as the kernel or another program makes it fail, then puts things
# back. iptables: the xtables lock file cannot be opened (XTABLES_LOCKFILE,
# also given to runc's hooks through HOOK_ENV). nftables: another program
# owns the table name (an owner-flagged table held by `nft -i`: the kernel
# refuses everyone else); the rules netns-hook had there are put back after
# by fw_restore (a suite with its own state directory redefines it).
# FW_FAILURE is the text the hook's error then contains.
fw_restore() { "$HOOK" restore >/dev/null; }
case $FW in
  iptables) FW_FAILURE="/nonexistent/dir/xtables.lock" ;;
  nftables) FW_FAILURE="Operation not permitted" ;;
esac
with_firewall_failing() {
  local rc
  case $FW in
    iptables) HOOK_ENV="XTABLES_LOCKFILE=/nonexistent/dir/xtables.lock" XTABLES_LOCKFILE=/nonexistent/dir/xtables.lock "$@"; return ;;
    nftables)
      nft delete table $NFT_TABLE 2>/dev/null
      coproc OWNER { nft -i >/dev/null 2>&1; }
      echo "add table $NFT_TABLE { flags owner; }" >&"${OWNER[1]}"
      local i
      for i in $(seq 50); do nft list table $NFT_TABLE 2>/dev/null | grep -q 'flags owner' && break; sleep 0.05; done
      "$@"; rc=$?
      local owner_pid=$OWNER_PID
      eval "exec ${OWNER[1]}>&-"
      wait "$owner_pid" 2>/dev/null
      fw_restore
      return $rc ;;
  esac
}
