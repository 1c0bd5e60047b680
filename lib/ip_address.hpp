#pragma once
// Family-agnostic address and prefix arithmetic (pure; no system calls).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nh {

class IpAddress {
 public:
  IpAddress() = default;
  // nullopt unless `text` is a plain IPv4 dotted quad or an IPv6 address.
  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress v4(std::uint32_t host_order);
  // From raw network-order bytes (4 for AF_INET, 16 for AF_INET6).
  static std::optional<IpAddress> from_bytes(int family, const void* data, std::size_t len);

  int family() const noexcept { return family_; }  // AF_INET or AF_INET6
  bool is_v4() const noexcept;
  std::size_t size() const noexcept { return is_v4() ? 4 : 16; }
  unsigned bits() const noexcept { return static_cast<unsigned>(size() * 8); }
  const std::uint8_t* data() const noexcept { return bytes_.data(); }
  std::string str() const;

  // Keeps the first `prefix` bits, clearing (or setting, for `ones`) the rest.
  IpAddress masked(unsigned prefix, bool ones = false) const;
  // This address plus `offset` (wraps within the family's width).
  IpAddress plus(std::uint64_t offset) const;
  // (this - base) when it fits in 64 bits and this >= base.
  std::optional<std::uint64_t> minus(const IpAddress& base) const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;

 private:
  int family_ = 0;
  std::array<std::uint8_t, 16> bytes_{};
};

// An address with a prefix length, e.g. the bridge's 172.19.0.1/16.
class Cidr {
 public:
  Cidr() = default;
  Cidr(IpAddress addr, unsigned prefix) : addr_(addr), prefix_(prefix) {}
  // Throws nh::Error naming `text` when it is not ADDRESS/PREFIX.
  static Cidr parse(std::string_view text);

  const IpAddress& address() const noexcept { return addr_; }
  unsigned prefix() const noexcept { return prefix_; }
  IpAddress network() const { return addr_.masked(prefix_); }
  // Last address of the subnet (the broadcast address in IPv4).
  IpAddress last() const { return addr_.masked(prefix_, true); }
  bool contains(const IpAddress& a) const;
  std::string str() const;
  std::string network_str() const;  // "172.19.0.0/16"

  friend bool operator==(const Cidr&, const Cidr&) = default;

 private:
  IpAddress addr_;
  unsigned prefix_ = 0;
};

}  // namespace nh
