#include "lib/addr/port_mapping.hpp"

#include <sys/socket.h>

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

std::string PortMapping::host_text() const {
  if (host_ip) return host_ip->bracketed();
  if (any_family == AF_INET) return "0.0.0.0";
  if (any_family == AF_INET6) return "[::]";
  return "";
}

bool set_host_text(PortMapping& m, std::string_view text) {
  m.host_ip.reset();
  m.any_family = 0;
  if (text.empty()) return true;
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  auto ip = IpAddress::parse(text);
  if (!ip) return false;
  if (*ip == IpAddress::any(ip->family())) m.any_family = ip->family();
  else m.host_ip = ip;
  return true;
}

std::string PortMapping::str() const {
  std::string host = host_text();
  return (host.empty() ? "" : host + ":") + std::to_string(host_port) + ":" + std::to_string(container_port) + "/" +
         protocol;
}

bool PortMapping::covers_family(int family) const {
  if (host_ip) return host_ip->family() == family;
  return any_family == 0 || any_family == family;
}

bool PortMapping::covers(const IpAddress& a) const { return host_ip ? *host_ip == a : covers_family(a.family()); }

bool PortMapping::conflicts_with(const PortMapping& o) const {
  if (protocol != o.protocol || host_port != o.host_port) return false;
  if (host_ip) return o.covers(*host_ip);
  if (o.host_ip) return covers(*o.host_ip);
  return any_family == 0 || o.any_family == 0 || any_family == o.any_family;
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
    PortMapping host;  // its host addresses
    if (!item.empty() && item.front() == '[') {
      // An IPv6 host address, in brackets as Docker writes it: [::]:8080:80.
      auto close = item.find(']');
      if (close == std::string_view::npos) bad("an IPv6 host address opened with '[' is not closed with ']'");
      if (close + 1 >= item.size() || item[close + 1] != ':') bad("expected ':' after the ']' of the host address");
      std::string_view text = item.substr(1, close - 1);
      auto ip = IpAddress::parse(text);
      if (!ip || !ip->is_v6()) bad("\"" + printable(text, 40) + "\" is not an IPv6 address");
      if (*ip == *IpAddress::parse("::1"))
        bad("the kernel cannot DNAT to a container from the IPv6 loopback address ::1 (use 127.0.0.1 or a host address)");
      set_host_text(host, text);
      item = item.substr(close + 2);
    }
    auto parts = split(item, ':');
    if (parts.size() == 3 && !host.host_ip && !host.any_family) {
      auto ip = IpAddress::parse(parts[0]);
      if (!ip) bad("\"" + printable(parts[0], 40) + "\" is not an IPv4 address (IPv6 ones go in brackets: [::1]:80:80)");
      if (!ip->is_v4()) bad("IPv6 host addresses go in brackets, e.g. [::]:8080:80");
      set_host_text(host, parts[0]);
      parts.erase(parts.begin());
    }
    if (parts.size() != 2) bad("expected [HOST_IP:]HOST_PORT:CONTAINER_PORT[/PROTOCOL]");
    Range hosts = parse_range(parts[0], bad), ctr = parse_range(parts[1], bad);
    if (hosts.last - hosts.first != ctr.last - ctr.first) bad("host and container port ranges differ in length");

    for (unsigned i = 0; i <= hosts.last - hosts.first; ++i) {
      PortMapping m = host;
      m.host_port = static_cast<std::uint16_t>(hosts.first + i);
      m.container_port = static_cast<std::uint16_t>(ctr.first + i);
      m.protocol = protocol;
      for (const auto& prev : out)
        if (prev.conflicts_with(m)) bad("host port " + std::to_string(m.host_port) + "/" + protocol + " is listed twice");
      out.push_back(m);
      if (out.size() > kMaxPublishedPorts) bad("more than " + std::to_string(kMaxPublishedPorts) + " ports");
    }
  }
  return out;
}

}  // namespace nh::addr
