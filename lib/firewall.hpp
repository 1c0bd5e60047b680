#pragma once
// Firewall rules as plain values, built by pure functions that setup and
// teardown share, and the one small interface every backend implements
// (libiptc first; nftables and "none" fit beside it).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/config.hpp"
#include "lib/ip_address.hpp"
#include "lib/ports.hpp"

namespace nh {

// netns-hook's own nat chain, jumped to for packets addressed to the host.
constexpr const char* kDnatChain = "NETNS-HOOK-DNAT";

struct Rule {
  std::string table;           // "nat" or "filter"
  std::string chain;           // "POSTROUTING", "FORWARD", kDnatChain, ...
  bool insert_first = false;   // insert at the top rather than append
  std::optional<Cidr> source;  // a network, e.g. 172.19.0.0/16
  std::optional<Cidr> destination;
  std::string in_iface;
  bool in_negated = false;
  std::string out_iface;
  bool out_negated = false;
  std::string protocol;        // "", "tcp", "udp" or "sctp"
  std::uint16_t dport = 0;     // with protocol: -m PROTO --dport
  bool src_type_local = false; // -m addrtype --src-type LOCAL
  bool dst_type_local = false; // -m addrtype --dst-type LOCAL
  std::string ctstate;         // "", "RELATED,ESTABLISHED" or "DNAT"
  bool ctstate_negated = false;
  std::string comment;         // tags the rule as netns-hook's
  std::string target;          // ACCEPT, DROP, MASQUERADE, DNAT, or a chain to jump to
  std::optional<IpAddress> to_address;  // DNAT
  std::uint16_t to_port = 0;            // DNAT

  friend bool operator==(const Rule&, const Rule&) = default;
};

// The rule as iptables-save prints it ("-A CHAIN ..."): for logs, tests and docs.
std::string to_iptables_save(const Rule& r);

// The per-bridge rule set: one MASQUERADE for the subnet leaving by any other
// interface, FORWARD accepts from the bridge and (established) to it.
std::vector<Rule> bridge_rules(const Network& net);

// What published ports need once per bridge: the jumps into kDnatChain from
// PREROUTING and OUTPUT, masquerading of hairpinned and host-originated flows,
// FORWARD accepts for DNAT'd connections, and a guard for route_localnet.
std::vector<Rule> publish_rules(const Network& net);

// The comment that tags a container's port rules: "netns-hook:" and the id
// (cut to what xt_comment holds).
std::string port_tag(const std::string& container_id);

// One DNAT rule per published port of one container, tagged with its id.
std::vector<Rule> port_rules(const std::string& container_id, const IpAddress& container_ip,
                             const std::vector<PortMapping>& ports);

class Firewall {
 public:
  virtual ~Firewall() = default;
  // Installs the rules that are missing (creating user chains they need);
  // commits nothing when none are. Returns how many it added.
  virtual std::size_t ensure(const std::vector<Rule>& rules) = 0;
  // Removes the rules that are present; tolerates missing ones.
  virtual void remove(const std::vector<Rule>& rules) = 0;
  // Deletes, in one commit, the rules of TABLE CHAIN whose comment STALE
  // accepts; returns their comments. With DRY_RUN it only lists them. Used by
  // gc for rules whose container has no lease any more.
  virtual std::vector<std::string> remove_stale(const std::string& table, const std::string& chain,
                                                const std::function<bool(const std::string&)>& stale,
                                                bool dry_run) = 0;
};

// "iptables" (libiptc, the legacy xtables interface) or "none".
std::unique_ptr<Firewall> make_firewall(const std::string& backend);
std::unique_ptr<Firewall> make_iptc_firewall();

}  // namespace nh
