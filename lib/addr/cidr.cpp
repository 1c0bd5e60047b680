#include "lib/addr/cidr.hpp"

#include <algorithm>
#include <charconv>

#include "lib/base/error.hpp"
#include "lib/base/text.hpp"

namespace nh::addr {

Cidr Cidr::parse(std::string_view text) {
  // printable(): the text comes from flags and files and is quoted in a one-line error.
  const std::string quoted = "\"" + base::printable(text) + "\"";
  auto slash = text.find('/');
  if (slash == std::string_view::npos)
    throw base::Error::input("parse CIDR " + quoted, "expected ADDRESS/PREFIX, e.g. 172.19.0.1/16");
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) throw base::Error::input("parse CIDR " + quoted, "not an IP address");
  auto ptext = text.substr(slash + 1);
  unsigned prefix = 0;
  auto [end, ec] = std::from_chars(ptext.data(), ptext.data() + ptext.size(), prefix);
  if (ptext.empty() || ec != std::errc() || end != ptext.data() + ptext.size() || prefix > addr->bits())
    throw base::Error::input("parse CIDR " + quoted,
                             "prefix must be a number from 0 to " + std::to_string(addr->bits()));
  return Cidr(*addr, prefix);
}

bool Cidr::contains(const IpAddress& a) const {
  return a.family() == addr_.family() && a.masked(prefix_) == network();
}

bool Cidr::overlaps(const Cidr& o) const {
  if (family() != o.family()) return false;
  unsigned p = std::min(prefix_, o.prefix_);
  return addr_.masked(p) == o.addr_.masked(p);
}

std::string Cidr::str() const { return addr_.str() + "/" + std::to_string(prefix_); }
std::string Cidr::network_str() const { return network().str() + "/" + std::to_string(prefix_); }

}  // namespace nh::addr
