#pragma once
#include <vector>

#include "lib/ports.hpp"

namespace nh {

// Deletes the conntrack entries of UDP flows to the host ports of `ports`
// (original direction). A UDP "connection" lives on as long as packets keep
// coming, so without this a client that kept sending to a port would still be
// sent to the container that published it before. No-op without UDP ports.
void flush_udp_conntrack(const std::vector<PortMapping>& ports);

}  // namespace nh
