#include "lib/input/request.hpp"

#include <sys/socket.h>

#include <algorithm>

#include "lib/base/error.hpp"

namespace nh::input {

using base::Error;

void check_ports(const std::vector<addr::PortMapping>& ports, const net::Network* carrier, const std::string& firewall,
                 const std::string& source) {
  if (ports.empty()) return;
  if (firewall == "none")
    throw Error::input(source, "publishing ports needs a firewall backend, and the firewall is none");
  if (!carrier) throw Error::input(source, "the container is on internal networks only, which publish no ports");
  const net::Network& network = *carrier;
  for (const auto& p : ports) {
    const int family = p.host_ip ? p.host_ip->family() : p.any_family;
    if (family == 0 || network.subnet(family)) continue;  // both families: the network has one
    throw base::Error::input(source, "\"" + p.str() + "\" publishes on IPv" + addr::family_name(family) +
                                         ", and network " + network.name + " has no IPv" + addr::family_name(family) +
                                         " subnet");
  }
}

void assign_addresses(std::vector<AttachmentRequest>& atts, const std::vector<addr::IpAddress>& ips,
                      const std::string& source) {
  for (const auto& ip : ips) {
    auto it = std::find_if(atts.begin(), atts.end(), [&](const AttachmentRequest& a) {
      const net::Subnet* s = a.network.subnet(ip.family());
      return s && s->subnet.contains(ip);
    });
    if (it == atts.end()) {
      if (atts.size() == 1) net::validate_requested_address(atts[0].network, ip, source);  // its own message
      throw Error::input("invalid " + source + " \"" + ip.str() + "\"", "it is in no subnet of the container's networks");
    }
    for (const auto& other : it->requested)
      if (other.family() == ip.family())
        throw Error::input("invalid " + source + " \"" + ip.str() + "\"",
                           "the network " + it->network.name + " already gets " + other.str());
    net::validate_requested_address(it->network, ip, source);
    it->requested.push_back(ip);
    it->requested_source = source;
  }
}

}  // namespace nh::input
