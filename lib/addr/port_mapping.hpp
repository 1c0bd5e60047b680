#pragma once
// Published ports: Docker's "-p" syntax, as the annotation netns-hook.ports
// carries it. Pure parsing; whether a host address is local is checked by setup.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/addr/ip_address.hpp"
#include "lib/input/annotations.hpp"

namespace nh::addr {

constexpr std::size_t kMaxPortsAnnotation = 4096;  // characters
constexpr std::size_t kMaxPublishedPorts = 1024;   // ports per container, ranges expanded

// One host port forwarded to one container port.
struct PortMapping {
  std::optional<IpAddress> host_ip;  // nullopt: every local address (0.0.0.0)
  std::uint16_t host_port = 0;
  std::uint16_t container_port = 0;
  std::string protocol = "tcp";  // tcp, udp or sctp

  std::string str() const;  // "127.0.0.1:8080:80/tcp", "8080:80/udp"
  // Whether the two cannot both be published: same protocol and port, and
  // addresses that overlap (equal, or either one is "all").
  bool conflicts_with(const PortMapping& o) const;
  friend bool operator==(const PortMapping&, const PortMapping&) = default;
};

// "8080:80, 127.0.0.1:8081:81/udp, 0.0.0.0:9000-9002:9000-9002/sctp": ranges are
// expanded to one mapping per port. Throws nh::Error quoting the bad item.
std::vector<PortMapping> parse_ports(std::string_view annotation);

}  // namespace nh::addr
