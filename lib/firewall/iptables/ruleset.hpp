#pragma once
// Intents -> iptables rows: the pure functions that ensure, removal, restore
// and gc share, so what is added and what is removed can never drift apart.
//
//  nat     PREROUTING, OUTPUT  -> NETNS-HOOK-DNAT    (packets to a local address)
//          NETNS-HOOK-DNAT        one DNAT per published port       (per container)
//          POSTROUTING            masquerade, host and hairpin masquerade (per network)
//  filter  FORWARD             -> NETNS-HOOK-FORWARD (first)
//          NETNS-HOOK-FORWARD  -> NETNS-HOOK-ISOLATE (first), then accepts (per network)
//          NETNS-HOOK-ISOLATE     leaving a bridge for another: to -2 (isolated) or -3;
//                                 an internal network's drops, in and out
//          NETNS-HOOK-ISOLATE-2   drop towards every bridge of ours  (per network)
//          NETNS-HOOK-ISOLATE-3   drop towards isolated bridges      (per network)
//          INPUT                  the route_localnet guard           (per network)
// Rules per network, never per container, except the DNAT rows; the same in
// ip6tables for each network with an IPv6 subnet (but the INPUT guard, which
// is for IPv4's route_localnet).
#include <string>
#include <vector>

#include "lib/firewall/firewall.hpp"
#include "lib/firewall/iptables/rule.hpp"

namespace nh::firewall::iptables {

constexpr const char* kDnatChain = "NETNS-HOOK-DNAT";
constexpr const char* kForwardChain = "NETNS-HOOK-FORWARD";
constexpr const char* kIsolateChain = "NETNS-HOOK-ISOLATE";
constexpr const char* kIsolateFromIsolated = "NETNS-HOOK-ISOLATE-2";
constexpr const char* kIsolateFromOpen = "NETNS-HOOK-ISOLATE-3";

// The jumps into netns-hook's chains, shared by every network, in the
// tables of `family`.
std::vector<Rule> global_rules(int family = AF_INET);
// One network's rules, for each family it has a subnet of.
std::vector<Rule> network_rules(const net::Network& n);
// One DNAT rule per published port and per address of the container it
// covers (an IPv4 one in iptables, an IPv6 one in ip6tables).
std::vector<Rule> port_rules(const ContainerPorts& p);

}  // namespace nh::firewall::iptables
