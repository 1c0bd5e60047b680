#include "lib/addr/ip_address.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace nh::addr {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton reads up to a NUL: "10.0.0.5\0junk" must not pass as 10.0.0.5.
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN || text.find('\0') != std::string_view::npos)
    return std::nullopt;
  std::string s(text);
  IpAddress a;
  if (::inet_pton(AF_INET, s.c_str(), a.bytes_.data()) == 1) {
    a.family_ = AF_INET;
    return a;
  }
  if (::inet_pton(AF_INET6, s.c_str(), a.bytes_.data()) == 1) {
    a.family_ = AF_INET6;
    return a;
  }
  return std::nullopt;
}

IpAddress IpAddress::v4(std::uint32_t host_order) {
  IpAddress a;
  a.family_ = AF_INET;
  for (int i = 0; i < 4; ++i) a.bytes_[i] = static_cast<std::uint8_t>(host_order >> (24 - 8 * i));
  return a;
}

IpAddress IpAddress::any(int family) {
  IpAddress a;
  a.family_ = family;
  return a;
}

std::optional<IpAddress> IpAddress::from_bytes(int family, const void* data, std::size_t len) {
  if (!((family == AF_INET && len == 4) || (family == AF_INET6 && len == 16))) return std::nullopt;
  IpAddress a;
  a.family_ = family;
  std::memcpy(a.bytes_.data(), data, len);
  return a;
}

bool IpAddress::is_v4() const noexcept { return family_ == AF_INET; }
bool IpAddress::is_v6() const noexcept { return family_ == AF_INET6; }

std::string IpAddress::str() const {
  if (family_ == 0) return "<none>";
  char buf[INET6_ADDRSTRLEN];
  ::inet_ntop(family_, bytes_.data(), buf, sizeof buf);
  return buf;
}

std::string IpAddress::bracketed() const { return is_v6() ? "[" + str() + "]" : str(); }

IpAddress IpAddress::masked(unsigned prefix, bool ones) const {
  IpAddress r = *this;
  for (unsigned i = 0; i < size(); ++i) {
    unsigned bit0 = i * 8;
    std::uint8_t keep;
    if (prefix >= bit0 + 8) keep = 0xff;
    else if (prefix <= bit0) keep = 0x00;
    else keep = static_cast<std::uint8_t>(0xff << (8 - (prefix - bit0)));
    r.bytes_[i] = static_cast<std::uint8_t>(ones ? (bytes_[i] | ~keep) : (bytes_[i] & keep));
  }
  return r;
}

u128 IpAddress::value() const noexcept {
  u128 v = 0;
  for (std::size_t i = 0; i < size(); ++i) v = (v << 8) | bytes_[i];
  return v;
}

IpAddress IpAddress::plus(u128 offset) const {
  IpAddress r = *this;
  u128 v = value() + offset;
  for (int i = static_cast<int>(size()) - 1; i >= 0; --i) {
    r.bytes_[i] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
  return r;
}

std::optional<u128> IpAddress::minus(const IpAddress& base) const {
  if (family_ != base.family_) return std::nullopt;
  u128 a = value(), b = base.value();
  if (a < b) return std::nullopt;
  return a - b;
}

const char* family_name(int family) { return family == AF_INET6 ? "6" : "4"; }

}  // namespace nh::addr

namespace nh::addr {
std::string to_string(u128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  return s;
}
}  // namespace nh::addr
