#include "lib/addr/port_mapping.hpp"

#include <charconv>

#include "lib/base/error.hpp"
#include "lib/base/text.hpp"

namespace nh::addr {

using base::Error;
using base::printable;
using base::split;
using base::trim;
using input::kAnnotationPorts;

namespace {

struct Range {
  unsigned first = 0, last = 0;
};

class ItemError {
 public:
  explicit ItemError(std::string_view item) : item_(printable(item, 80)) {}
  [[noreturn]] void operator()(const std::string& why) const {
    throw Error::input(std::string("invalid annotation ") + kAnnotationPorts + " item \"" + item_ + "\"", why);
  }

 private:
  std::string item_;
};

unsigned parse_port(std::string_view s, const ItemError& bad) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size())
    bad("\"" + printable(s, 16) + "\" is not a port number");
  if (v < 1 || v > 65535) bad("port " + std::to_string(v) + " is outside 1-65535");
  return v;
}

Range parse_range(std::string_view s, const ItemError& bad) {
  auto dash = s.find('-');
  if (dash == std::string_view::npos) {
    unsigned p = parse_port(s, bad);
    return {p, p};
  }
  Range r{parse_port(s.substr(0, dash), bad), parse_port(s.substr(dash + 1), bad)};
  if (r.first > r.last) bad("range " + std::to_string(r.first) + "-" + std::to_string(r.last) + " runs backwards");
  return r;
}

}  // namespace

std::string PortMapping::str() const {
  std::string s;
  if (host_ip) s += host_ip->str() + ":";
  return s + std::to_string(host_port) + ":" + std::to_string(container_port) + "/" + protocol;
}

bool PortMapping::conflicts_with(const PortMapping& o) const {
  return protocol == o.protocol && host_port == o.host_port && (!host_ip || !o.host_ip || *host_ip == *o.host_ip);
}

std::vector<PortMapping> parse_ports(std::string_view annotation) {
  if (annotation.size() > kMaxPortsAnnotation)
    throw Error::input(std::string("invalid annotation ") + kAnnotationPorts,
                       "longer than " + std::to_string(kMaxPortsAnnotation) + " characters");
  std::vector<PortMapping> out;
  for (std::string_view raw : split(annotation, ',')) {
    std::string_view item = trim(raw);
    ItemError bad(item);
    if (item.empty()) bad("empty item (stray comma?)");

    std::string protocol = "tcp";
    if (auto slash = item.rfind('/'); slash != std::string_view::npos) {
      protocol = std::string(item.substr(slash + 1));
      if (protocol != "tcp" && protocol != "udp" && protocol != "sctp")
        bad("unknown protocol \"" + printable(protocol, 16) + "\" (expected tcp, udp or sctp)");
      item = item.substr(0, slash);
    }
    auto parts = split(item, ':');
    std::optional<IpAddress> host_ip;
    if (parts.size() == 3) {
      auto ip = IpAddress::parse(parts[0]);
      if (!ip) bad("\"" + printable(parts[0], 40) + "\" is not an IPv4 address");
      if (!ip->is_v4()) bad("IPv6 host addresses are not supported yet");
      if (*ip != IpAddress::v4(0)) host_ip = ip;
      parts.erase(parts.begin());
    }
    if (parts.size() != 2) bad("expected [HOST_IP:]HOST_PORT:CONTAINER_PORT[/PROTOCOL]");
    Range host = parse_range(parts[0], bad), ctr = parse_range(parts[1], bad);
    if (host.last - host.first != ctr.last - ctr.first) bad("host and container port ranges differ in length");

    for (unsigned i = 0; i <= host.last - host.first; ++i) {
      PortMapping m{host_ip, static_cast<std::uint16_t>(host.first + i), static_cast<std::uint16_t>(ctr.first + i),
                    protocol};
      for (const auto& prev : out)
        if (prev.conflicts_with(m)) bad("host port " + std::to_string(m.host_port) + "/" + protocol + " is listed twice");
      out.push_back(m);
      if (out.size() > kMaxPublishedPorts) bad("more than " + std::to_string(kMaxPublishedPorts) + " ports");
    }
  }
  return out;
}

}  // namespace nh::addr
