#include "lib/pipeline/host_ports.hpp"

#include <sys/socket.h>

#include <algorithm>

#include "lib/base/error.hpp"
#include "lib/input/annotations.hpp"
#include "lib/netlink/address.hpp"

namespace nh::pipeline {

std::vector<addr::IpAddress> local_addresses(netlink::Netlink& host, const std::vector<addr::PortMapping>& ports) {
  bool needed = std::any_of(ports.begin(), ports.end(),
                            [](const addr::PortMapping& p) { return p.host_ip || p.protocol == "udp"; });
  std::vector<addr::IpAddress> out;
  if (needed)
    for (const auto& c : netlink::link_addresses(host, 0, AF_UNSPEC)) out.push_back(c.address());
  return out;
}

void check_host_addresses(const std::vector<addr::PortMapping>& ports, const std::vector<addr::IpAddress>& local) {
  for (const auto& p : ports) {
    if (p.host_ip && std::find(local.begin(), local.end(), *p.host_ip) == local.end())
      throw base::Error::input(std::string("invalid annotation ") + input::kAnnotationPorts + " item \"" + p.str() + "\"",
                               p.host_ip->str() + " is not an address of this host");
  }
}

}  // namespace nh::pipeline
