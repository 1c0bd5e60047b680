#include "lib/ipam/allocator.hpp"

namespace nh::ipam {

using addr::IpAddress;
using addr::u128;

namespace {

// The number of addresses of the subnet minus one (its last offset); a /0 of
// IPv6 would not fit, but prefixes are validated far narrower.
u128 last_offset(const net::Subnet& s) { return *s.subnet.last().minus(s.subnet.network()); }

}  // namespace

bool is_usable(const net::Subnet& s, const IpAddress& a) {
  if (!s.subnet.contains(a) || a == s.subnet.network() || a == s.gateway) return false;
  return !(a.is_v4() && a == s.subnet.last());
}

u128 usable_addresses(const net::Subnet& s) {
  u128 n = last_offset(s) + 1 - 2;  // network address, gateway
  if (s.subnet.address().is_v4()) n -= 1;  // broadcast
  return n;
}

std::optional<IpAddress> next_free(const net::Subnet& s, const std::optional<IpAddress>& last,
                                   const std::function<bool(const IpAddress&)>& taken) {
  const IpAddress base = s.subnet.network();
  const u128 max = last_offset(s);
  u128 start = 0;
  if (last && s.subnet.contains(*last)) start = *last->minus(base);
  // Every offset is visited at most once; the loop ends at the first free
  // address, so it only runs to the end on a full pool (small prefixes).
  u128 off = start;
  for (u128 step = 0; step <= max; ++step) {
    off = off == max ? 0 : off + 1;
    IpAddress cand = base.plus(off);
    if (!is_usable(s, cand)) continue;
    if (!taken(cand)) return cand;
  }
  return std::nullopt;
}

}  // namespace nh::ipam
