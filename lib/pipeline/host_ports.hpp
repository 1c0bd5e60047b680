#pragma once
// The host side of published ports: which of the host's addresses they may
// use, and the UDP conntrack entries to flush.
#include <vector>

#include "lib/addr/port_mapping.hpp"
#include "lib/netlink/socket.hpp"

namespace nh::pipeline {

// The host's addresses of both families, read once (one dump) and only when the ports need
// them: to check a mapping's host address, and to flush UDP conntrack entries.
std::vector<addr::IpAddress> local_addresses(netlink::Netlink& host, const std::vector<addr::PortMapping>& ports);

// A port published on a specific host address needs that address to be local.
void check_host_addresses(const std::vector<addr::PortMapping>& ports, const std::vector<addr::IpAddress>& local);

}  // namespace nh::pipeline
