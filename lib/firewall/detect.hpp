#pragma once
// What the host's netfilter looks like: which framework holds its rules, and
// whether another framework drops forwarded packets by policy. Read-only.
#include <string>
#include <vector>

namespace nh::firewall {

struct Detection {
  std::string backend;  // "iptables" or "nftables"
  std::string reason;   // why, for the log and doctor
};

// The backend `auto` picks: nftables when the legacy x_tables interface is
// unavailable or the host's rules already live in nftables (any table:
// iptables-nft's, firewalld's, Docker's, netns-hook's own); iptables
// otherwise. Throws when neither interface can be used. Without `may_load`
// (doctor) the legacy interface is judged without reading it, which could
// load its module.
Detection detect_backend(bool may_load = true);

// The forward chains outside netns-hook's own that drop by policy, as
// "what: hint" lines: nftables base chains on the forward hook with policy
// drop (Docker, an admin's), or whose last rule drops or rejects whatever
// reaches it (firewalld), whatever the backend, since a drop in any base
// chain is final; and with the nftables backend, a legacy FORWARD
// policy of DROP. No rule of netns-hook's can override those: the bridges
// must be let through there. (With the iptables backend the legacy FORWARD
// policy is no problem: netns-hook's accepts come first in that chain.)
std::vector<std::string> foreign_forward_drops(const std::string& backend, const std::vector<std::string>& bridges);

// Whether the interface of `backend` answers (read-only): "" when it does,
// else why not. nftables: the ruleset's generation; iptables: the legacy
// nat table read through libiptc when it is loaded, else whether its module
// is there (reading it would load it).
std::string probe_interface(const std::string& backend);

// Logs one warning line per foreign_forward_drops() finding.
void warn_foreign_forward_drops(const std::string& backend, const std::vector<std::string>& bridges);

}  // namespace nh::firewall
