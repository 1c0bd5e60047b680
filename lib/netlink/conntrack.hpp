#pragma once
#include <vector>

#include "lib/addr/port_mapping.hpp"

namespace nh::netlink {

// Deletes the conntrack entries of UDP flows addressed to this host (one of
// `local`, or the mapping's own host address) on the published UDP ports. A
// UDP "connection" lives on as long as packets keep coming, so without this a
// client that kept sending to a port would still miss the new DNAT. Flows the
// host itself sends elsewhere (its DNS queries to port 53, say) are left
// alone. Best effort: a failure is logged, not fatal. No-op without UDP ports.
void flush_udp_conntrack(const std::vector<addr::PortMapping>& ports, const std::vector<addr::IpAddress>& local);

}  // namespace nh::netlink
