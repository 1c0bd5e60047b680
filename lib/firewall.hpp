#pragma once
// Firewall rules as plain values, and the one small interface every backend
// implements (libiptc first; nftables and "none" fit beside it).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/config.hpp"
#include "lib/ip_address.hpp"

namespace nh {

struct Rule {
  std::string table;           // "nat" or "filter"
  std::string chain;           // "POSTROUTING", "FORWARD", ...
  bool insert_first = false;   // insert at the top (FORWARD) rather than append
  std::optional<Cidr> source;  // a network, e.g. 172.19.0.0/16
  std::string in_iface;
  bool in_negated = false;
  std::string out_iface;
  bool out_negated = false;
  bool established_only = false;  // -m conntrack --ctstate RELATED,ESTABLISHED
  std::string comment;            // tags the rule as netns-hook's
  std::string target;             // "ACCEPT" or "MASQUERADE"

  friend bool operator==(const Rule&, const Rule&) = default;
};

// The rule as iptables-save prints it ("-A CHAIN ..."): for logs, tests and docs.
std::string to_iptables_save(const Rule& r);

// The per-bridge rule set: one MASQUERADE for the subnet leaving by any other
// interface, FORWARD accepts from the bridge and (established) to it. The same
// pure function serves setup (ensure) and removal, so they can never disagree.
std::vector<Rule> bridge_rules(const Network& net);

class Firewall {
 public:
  virtual ~Firewall() = default;
  // Installs the rules that are missing; commits nothing when none are.
  virtual void ensure(const std::vector<Rule>& rules) = 0;
  // Removes the rules that are present; tolerates missing ones.
  virtual void remove(const std::vector<Rule>& rules) = 0;
};

// "iptables" (libiptc, the legacy xtables interface) or "none".
std::unique_ptr<Firewall> make_firewall(const std::string& backend);
std::unique_ptr<Firewall> make_iptc_firewall();

}  // namespace nh
