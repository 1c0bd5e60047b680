// parse_ports (the netns-hook.ports annotation) on arbitrary bytes. An accepted
// list must be within the limits and print back to itself, item by item.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "invariant.hpp"
#include "lib/addr/port_mapping.hpp"

namespace {

using nh::fuzz::require;

void check_mapping(const nh::addr::PortMapping& m) {
  require(m.host_port >= 1 && m.container_port >= 1, "accepted port 0: " + m.str());
  require(m.protocol == "tcp" || m.protocol == "udp" || m.protocol == "sctp", "accepted protocol " + m.str());
  if (m.host_ip) {
    // The unspecified addresses mean "every address of a family" (any_family),
    // and the IPv6 loopback cannot be DNAT'd from: neither is kept as an address.
    require(*m.host_ip != nh::addr::IpAddress::v4(0) && *m.host_ip != *nh::addr::IpAddress::parse("::"),
            "an unspecified address kept as an address instead of \"all\": " + m.str());
    require(*m.host_ip != *nh::addr::IpAddress::parse("::1"), "accepted the IPv6 loopback: " + m.str());
    require(m.any_family == 0, "a mapping with both an address and a family: " + m.str());
  }
  // str() is what `netns-hook ls` shows and the lease records: it must parse back.
  std::vector<nh::addr::PortMapping> again;
  try {
    again = nh::addr::parse_ports(m.str());
  } catch (const nh::base::Error& e) {
    nh::fuzz::broken("printed mapping " + m.str() + " does not parse: " + e.what());
  }
  require(again.size() == 1 && again[0] == m, "printed mapping " + m.str() + " parses to something else");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<nh::addr::PortMapping> ports;
  try {
    ports = nh::addr::parse_ports(text);
  } catch (const nh::base::Error& e) {
    nh::fuzz::require_one_line(e);
    return 0;
  }
  require(text.size() <= nh::addr::kMaxPortsAnnotation, "accepted an annotation over the size limit");
  require(ports.size() <= nh::addr::kMaxPublishedPorts, "accepted " + std::to_string(ports.size()) + " ports");
  for (std::size_t i = 0; i < ports.size(); ++i) {
    check_mapping(ports[i]);
    for (std::size_t j = 0; j < i; ++j)
      require(!ports[i].conflicts_with(ports[j]), "accepted a host port twice: " + ports[i].str());
  }
  return 0;
}
