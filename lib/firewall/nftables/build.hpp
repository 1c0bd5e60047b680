#pragma once
// The table's objects as libnftnl builds them into netlink messages, and
// what the backend reads back from the kernel's dumps. Internal to
// lib/firewall/nftables.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "lib/firewall/nftables/netlink.hpp"
#include "lib/firewall/nftables/ruleset.hpp"

namespace nh::firewall::nftables {

// Appends to `b` the messages that make the table, a chain, a map, add a
// rule (inserted at the top when the rule says first), delete the rule with
// `handle`, or add/delete elements of one map.
void add_table(NftSocket::Batch& b);
void add_chain(NftSocket::Batch& b, const Chain& c);
void add_map(NftSocket::Batch& b, const PortMap& m);
void add_rule(NftSocket::Batch& b, const Rule& r);
void delete_rule(NftSocket::Batch& b, const std::string& chain, std::uint64_t handle);
void add_elements(NftSocket::Batch& b, const std::string& map, const std::vector<const Element*>& elements);
void delete_elements(NftSocket::Batch& b, const std::string& map, const std::vector<const Element*>& elements);

// What the table holds now (one dump of each kind).
struct TableState {
  bool exists = false;
  std::set<std::string> chains;
  std::set<std::string> maps;
  struct Found {
    std::string chain;
    std::uint64_t handle;
  };
  std::map<std::string, Found> rules;  // by comment
};
TableState read_table(NftSocket& sock);
// Only the rules (one dump): enough when every rule a change needs is there,
// as the chains and maps they name are there too. `exists` says whether any
// rule was found, `chains` holds the chains that have one, `maps` is empty.
TableState read_rules(NftSocket& sock);

// The element with `key` in `map` (its data and comment), if there is one.
std::optional<Element> find_element(NftSocket& sock, const std::string& map, const std::vector<std::uint8_t>& key);
// Every element of `map`: its key, data and comment (gc).
std::vector<Element> dump_elements(NftSocket& sock, const std::string& map);

}  // namespace nh::firewall::nftables
