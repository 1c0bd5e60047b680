#pragma once
// The veth pair that connects a container to a bridge.
#include <optional>
#include <string>

#include "lib/netlink/socket.hpp"

namespace nh::netlink {

struct VethSpec {
  std::string host_name;
  int bridge_index = 0;
  std::string peer_name;
  int peer_netns_fd = -1;
  unsigned mtu = 1500;
  std::string peer_mac;  // "" for a random one
};
// The host end as the kernel made it.
struct VethMade {
  int index = 0;
  std::string mac;
};

// One RTM_NEWLINK: the host end joins the bridge and comes up; the peer is created
// directly inside the target namespace (no move, so no RCU grace period), still down.
// Asked with NLM_F_ECHO, the kernel answers with the new link (Linux 6.3 on), which
// saves looking it up; nullopt from a kernel that does not echo.
std::optional<VethMade> create_veth(Netlink& nl, const VethSpec& spec);

}  // namespace nh::netlink
