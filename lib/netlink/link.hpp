#pragma once
// Links: look up, bring up, change, list and delete.
#include <optional>
#include <string>
#include <vector>

#include "lib/netlink/socket.hpp"

namespace nh::netlink {

struct LinkInfo {
  int index = 0;
  unsigned mtu = 0;
  unsigned flags = 0;
  int master = 0;
  std::string kind;  // "bridge", "veth", ... ("" for lo and physical devices)
  std::string mac;   // "aa:bb:cc:dd:ee:ff", "" when the link has none
};

// One RTM_GETLINK by name (no dump): nullopt when there is no such link.
std::optional<LinkInfo> find_link(Netlink& nl, const std::string& name);
// The name of the link at `index`, nullopt when there is none.
std::optional<std::string> link_name(Netlink& nl, int index);
void set_link_up(Netlink& nl, int index, const std::string& name);
void set_mtu(Netlink& nl, int index, const std::string& name, unsigned mtu);

struct LinkRef {
  std::string name;
  int index = 0;
};
// Turns on hairpin mode on a bridge port, so a frame may leave by the port it
// came in: with br_netfilter, a container reaching its own published port
// through the host's address is DNAT'd inside the bridge and sent back that way.
void set_hairpin(Netlink& nl, const LinkRef& port);  // index 0: looked up by name
// All links enslaved to `master_index` (one dump; for gc, not setup).
std::vector<LinkRef> links_of_master(Netlink& nl, int master_index);

// Deletes a link by name; false when it did not exist.
bool delete_link(Netlink& nl, const std::string& name);
// Deletes exactly the link gc saw: a link made since under the same name has
// another index and is left alone. False when it is gone.
bool delete_link(Netlink& nl, const LinkRef& link);

}  // namespace nh::netlink
