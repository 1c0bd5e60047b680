#pragma once
// An iptables rule as a plain value: what the libiptc backend builds from
// intents (ruleset.hpp) and writes as an ipt_entry (entry.hpp).
#include <cstdint>
#include <optional>
#include <string>

#include <sys/socket.h>

#include "lib/addr/cidr.hpp"

namespace nh::firewall::iptables {

struct Rule {
  int family = AF_INET;        // AF_INET (iptables) or AF_INET6 (ip6tables)
  std::string table;           // "nat" or "filter"
  std::string chain;           // "POSTROUTING", "FORWARD", kDnatChain, ...
  bool insert_first = false;   // insert at the top rather than append
  std::optional<addr::Cidr> source;  // a network, e.g. 172.19.0.0/16
  std::optional<addr::Cidr> destination;
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
  std::optional<addr::IpAddress> to_address;  // DNAT
  std::uint16_t to_port = 0;                  // DNAT

  friend bool operator==(const Rule&, const Rule&) = default;
};

// The rule as iptables-save, or ip6tables-save for an IPv6 rule, prints it
// ("-A CHAIN ..."): for messages, tests and docs.
std::string to_iptables_save(const Rule& r);

}  // namespace nh::firewall::iptables
