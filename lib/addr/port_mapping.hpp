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

// One host port forwarded to one container port. The host addresses it is
// published on, as Docker reads them: one address ("127.0.0.1:", "[::1]:" is
// refused), every address of one family ("0.0.0.0:", "[::]:"), or, with none
// given, every address of both families (those the container has).
struct PortMapping {
  std::optional<IpAddress> host_ip;  // one host address
  int any_family = 0;                // without host_ip: AF_INET (0.0.0.0), AF_INET6 ([::]) or 0 (both)
  std::uint16_t host_port = 0;
  std::uint16_t container_port = 0;
  std::string protocol = "tcp";  // tcp, udp or sctp

  // "127.0.0.1:8080:80/tcp", "[fd00::1]:8080:80/tcp", "0.0.0.0:80:80/tcp", "8080:80/udp"
  std::string str() const;
  // The host part as str() writes it, without the colon: "", "0.0.0.0", "[::]", "127.0.0.1", "[fd00::1]".
  std::string host_text() const;
  // Whether packets to an address of `family` may be forwarded by it.
  bool covers_family(int family) const;
  // Whether packets to `a` may be forwarded by it.
  bool covers(const IpAddress& a) const;
  // Whether the two cannot both be published: same protocol and port, and
  // host addresses that overlap.
  bool conflicts_with(const PortMapping& o) const;
  friend bool operator==(const PortMapping&, const PortMapping&) = default;
};

// Sets m's host addresses from host_text()'s form (an empty text: both
// families); false when `text` is none of those forms.
bool set_host_text(PortMapping& m, std::string_view text);

// "8080:80, 127.0.0.1:8081:81/udp, [::]:9000-9002:9000-9002/sctp": ranges are
// expanded to one mapping per port. Throws base::Error quoting the bad item.
std::vector<PortMapping> parse_ports(std::string_view annotation);

}  // namespace nh::addr
