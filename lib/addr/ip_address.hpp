#pragma once
// Family-agnostic addresses and their arithmetic (pure; no system calls).
// Offsets are 128-bit, so the same code walks an IPv4 /24 and an IPv6 /64.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nh::addr {

using u128 = unsigned __int128;

class IpAddress {
 public:
  IpAddress() = default;
  // nullopt unless `text` is a plain IPv4 dotted quad or an IPv6 address.
  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress v4(std::uint32_t host_order);
  // The all-zeros address of `family` (AF_INET or AF_INET6).
  static IpAddress any(int family);
  // From raw network-order bytes (4 for AF_INET, 16 for AF_INET6).
  static std::optional<IpAddress> from_bytes(int family, const void* data, std::size_t len);

  int family() const noexcept { return family_; }  // AF_INET or AF_INET6, 0 when unset
  bool is_v4() const noexcept;
  bool is_v6() const noexcept;
  bool valid() const noexcept { return family_ != 0; }
  std::size_t size() const noexcept { return is_v4() ? 4 : 16; }
  unsigned bits() const noexcept { return static_cast<unsigned>(size() * 8); }
  const std::uint8_t* data() const noexcept { return bytes_.data(); }
  std::string str() const;
  // IPv6 in brackets, as it appears before a port ("[fd00::1]"); IPv4 as is.
  std::string bracketed() const;

  // Keeps the first `prefix` bits, clearing (or setting, for `ones`) the rest.
  IpAddress masked(unsigned prefix, bool ones = false) const;
  // This address plus `offset` (wraps within the family's width).
  IpAddress plus(u128 offset) const;
  // (this - base) when both have the same family and this >= base.
  std::optional<u128> minus(const IpAddress& base) const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
  friend bool operator<(const IpAddress& a, const IpAddress& b) {
    return a.family_ != b.family_ ? a.family_ < b.family_ : a.bytes_ < b.bytes_;
  }

 private:
  u128 value() const noexcept;
  int family_ = 0;
  std::array<std::uint8_t, 16> bytes_{};
};

// "4" or "6", for messages and JSON.
const char* family_name(int family);

}  // namespace nh::addr

namespace nh::addr {
// Decimal text of a 128-bit count.
std::string to_string(u128 v);
}  // namespace nh::addr
