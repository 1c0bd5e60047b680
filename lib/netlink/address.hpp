#pragma once
// Interface addresses and routes.
#include <string>
#include <vector>

#include "lib/addr/cidr.hpp"
#include "lib/netlink/socket.hpp"

namespace nh::netlink {

// Adds `addr` to the link. IPv6 addresses are added with IFA_F_NODAD: they
// are usable at once, with no duplicate address detection to wait for (the
// pool already guarantees they are unique on their bridge).
void add_address(Netlink& nl, int index, const std::string& link_name, const addr::Cidr& addr);
// Addresses of one family (AF_UNSPEC: all) on one link, or on all links for
// index 0 (one dump). IPv6 link-local addresses (fe80::/10) are left out
// unless asked for.
std::vector<addr::Cidr> link_addresses(Netlink& nl, int index, int family, bool link_local = false);

// The default route of the gateway's family, via `gateway` on the link.
void add_default_route(Netlink& nl, int index, const std::string& link_name, const addr::IpAddress& gateway);

struct RouteInfo {
  addr::Cidr destination;       // 0.0.0.0/0 for a default route
  addr::IpAddress gateway;      // unset for a connected route
  int index = 0;                // outgoing link
  unsigned protocol = 0;        // RTPROT_*: RTPROT_RA for a route learned from router advertisements
};
// The main table's routes of one family (AF_UNSPEC: both).
std::vector<RouteInfo> list_routes(Netlink& nl, int family);

}  // namespace nh::netlink
