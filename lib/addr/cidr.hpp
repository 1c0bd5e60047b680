#pragma once
// An address with a prefix length: a subnet (10.89.0.0/24) or an interface
// address within one (172.19.0.1/16).
#include <string>
#include <string_view>

#include "lib/addr/ip_address.hpp"

namespace nh::addr {

class Cidr {
 public:
  Cidr() = default;
  Cidr(IpAddress addr, unsigned prefix) : addr_(addr), prefix_(prefix) {}
  // Throws base::Error naming `text` when it is not ADDRESS/PREFIX with a
  // prefix within the family's width.
  static Cidr parse(std::string_view text);

  const IpAddress& address() const noexcept { return addr_; }
  unsigned prefix() const noexcept { return prefix_; }
  int family() const noexcept { return addr_.family(); }
  IpAddress network() const { return addr_.masked(prefix_); }
  // Last address of the subnet (the broadcast address in IPv4).
  IpAddress last() const { return addr_.masked(prefix_, true); }
  // This prefix with the host bits cleared: 172.19.0.1/16 -> 172.19.0.0/16.
  Cidr subnet() const { return Cidr(network(), prefix_); }
  bool contains(const IpAddress& a) const;
  bool overlaps(const Cidr& o) const;
  std::string str() const;
  std::string network_str() const;  // "172.19.0.0/16"

  friend bool operator==(const Cidr&, const Cidr&) = default;

 private:
  IpAddress addr_;
  unsigned prefix_ = 0;
};

}  // namespace nh::addr
