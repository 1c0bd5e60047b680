#pragma once
// The nftables backend's rules as plain values, built from intents by pure
// functions that ensure, removal, restore and gc share, and written as `nft
// list` prints them (for tests, docs and messages). Everything netns-hook
// has in nftables lives in one table, `inet netns_hook`:
//
//   map ports4, ports4any, ports6, ports6any   published ports -> container address . port
//   chain prerouting  (nat, dstnat)   fib daddr type local jump dnat_ports
//   chain output      (nat, dstnat)   fib daddr type local jump dnat_ports
//   chain dnat_ports                  one DNAT through each map: 4 rules, however many ports
//   chain postrouting (nat, srcnat)   masquerade, host and hairpin masquerade   (per network)
//   chain forward     (filter)        jump isolate (first), then accepts          (per network)
//   chain isolate, isolate_from_isolated, isolate_from_open                        (per network)
//   chain input       (filter)        the route_localnet guard                   (per network)
// Every base chain's policy is accept: the table never drops what it does not own.
// Each rule carries a comment that names it ("netns-hook:<bridge> masquerade
// 4", ...), by which it is found again; each map element a comment naming its
// container ("netns-hook:<id>").
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/addr/cidr.hpp"
#include "lib/firewall/firewall.hpp"

namespace nh::firewall::nftables {

constexpr const char* kTable = "netns_hook";

struct Match {
  enum class What {
    kIifname, kOifname,          // name
    kSaddr, kDaddr,              // prefix (its family says ip or ip6)
    kFibDaddrLocal, kFibSaddrLocal,
    kCtDnat,                     // ct status dnat
    kCtEstablished,              // ct state established,related
  };
  What what;
  bool negated = false;
  std::string name;
  addr::Cidr prefix;
};

struct Rule {
  enum class Action { kAccept, kDrop, kJump, kMasquerade, kDnatMap };
  std::string chain;
  std::string comment;           // names the rule: how it is found again
  bool first = false;            // inserted at the top of its chain
  std::vector<Match> matches;
  Action action = Action::kAccept;
  std::string target;            // kJump: the chain; kDnatMap: the map
  friend bool operator==(const Rule&, const Rule&) = default;
};
bool operator==(const Match& a, const Match& b);

struct Chain {
  std::string name;
  std::string type;         // "nat", "filter", or "" for a regular chain
  std::string hook;         // "prerouting", "output", "postrouting", "forward", "input"
  int priority = 0;
};

// A map of published ports: key (host address .) protocol . port, data
// container address . port.
struct PortMap {
  std::string name;
  int family;         // of the container addresses (and of the host address in the key)
  bool by_address;    // the key starts with the host address
};

// The table's chains, in the order they are made (targets of jumps first).
const std::vector<Chain>& chains();
const std::vector<PortMap>& port_maps();
// The rules that tie the table together, shared by every network.
std::vector<Rule> global_rules();
// One network's rules.
std::vector<Rule> network_rules(const net::Network& n);

// One element of a port map.
struct Element {
  std::string map;
  std::vector<std::uint8_t> key, data;  // as the kernel holds them: each field padded to 4 bytes
  std::string comment;                  // "netns-hook:<id>"
  std::string text;                     // as nft prints it: "10.0.0.1 . tcp . 8080 : 10.89.1.2 . 80"
  friend bool operator==(const Element&, const Element&) = default;
};
// A container's published ports as elements: one per port and per address
// of the container the mapping covers.
std::vector<Element> port_elements(const ContainerPorts& p);

// As `nft list` prints them.
std::string to_nft(const Rule& r);

}  // namespace nh::firewall::nftables
