#include "lib/input/request.hpp"

#include <sys/socket.h>

#include "lib/base/error.hpp"

namespace nh::input {

std::string Request::namespace_path() const {
  return netns_path.empty() ? "/proc/" + std::to_string(pid) + "/ns/net" : netns_path;
}

void check_port_families(const std::vector<addr::PortMapping>& ports, const net::Network& network,
                         const std::string& source) {
  for (const auto& p : ports) {
    const int family = p.host_ip ? p.host_ip->family() : p.any_family;
    if (family == 0 || network.subnet(family)) continue;  // both families: the network has one
    throw base::Error::input(source, "\"" + p.str() + "\" publishes on IPv" + addr::family_name(family) +
                                         ", and network " + network.name + " has no IPv" + addr::family_name(family) +
                                         " subnet");
  }
}

}  // namespace nh::input
