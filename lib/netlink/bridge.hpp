#pragma once
// The host bridge a network's containers are attached to.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "lib/addr/cidr.hpp"
#include "lib/netlink/link.hpp"

namespace nh::netlink {

// A locally administered unicast MAC derived from the bridge name. Setting it
// explicitly pins the bridge's MAC: otherwise a bridge takes the lowest MAC of
// its ports and changes as containers come and go.
std::array<std::uint8_t, 6> bridge_mac(std::string_view bridge);

struct BridgeSpec {
  std::string name;
  unsigned mtu = 1500;
  std::vector<addr::Cidr> gateways;  // the bridge's addresses: one per family, with the subnet's prefix
};

struct BridgeCheck {
  std::optional<LinkInfo> link;  // nullopt: no link of that name yet
  std::vector<addr::Cidr> missing;  // gateways the bridge does not carry yet
};
// Read-only: whether the bridge exists, and whether it can be used. Throws an
// Error naming both when a link of that name is not a bridge or carries
// another address of a gateway's family (IPv6 link-local addresses do not
// count), before anything was changed.
BridgeCheck check_bridge(Netlink& nl, const BridgeSpec& spec);

struct BridgeResult {
  int index = 0;
  bool created = false;  // by this call (another hook may have won the race)
};
// Creates the bridge (pinned MAC, MTU, up, gateway addresses) or brings the
// checked one in line (MTU, up, gateway addresses).
BridgeResult ensure_bridge(Netlink& nl, const BridgeSpec& spec, BridgeCheck check);

}  // namespace nh::netlink
