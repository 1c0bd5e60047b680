#include "lib/ip_address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "lib/error.hpp"

namespace nh {

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

std::optional<IpAddress> IpAddress::from_bytes(int family, const void* data, std::size_t len) {
  if (!((family == AF_INET && len == 4) || (family == AF_INET6 && len == 16))) return std::nullopt;
  IpAddress a;
  a.family_ = family;
  std::memcpy(a.bytes_.data(), data, len);
  return a;
}

bool IpAddress::is_v4() const noexcept { return family_ == AF_INET; }

std::string IpAddress::str() const {
  if (family_ == 0) return "<none>";
  char buf[INET6_ADDRSTRLEN];
  ::inet_ntop(family_, bytes_.data(), buf, sizeof buf);
  return buf;
}

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

IpAddress IpAddress::plus(std::uint64_t offset) const {
  IpAddress r = *this;
  unsigned carry = 0;
  for (int i = static_cast<int>(size()) - 1; i >= 0; --i) {
    unsigned sum = r.bytes_[i] + static_cast<unsigned>(offset & 0xff) + carry;
    r.bytes_[i] = static_cast<std::uint8_t>(sum);
    carry = sum >> 8;
    offset >>= 8;
  }
  return r;
}

std::optional<std::uint64_t> IpAddress::minus(const IpAddress& base) const {
  if (family_ != base.family_) return std::nullopt;
  // Subtract byte-wise with borrow, then check the high bytes are zero.
  std::array<std::uint8_t, 16> diff{};
  int borrow = 0;
  for (int i = static_cast<int>(size()) - 1; i >= 0; --i) {
    int d = bytes_[i] - base.bytes_[i] - borrow;
    borrow = d < 0;
    diff[i] = static_cast<std::uint8_t>(d + (borrow ? 256 : 0));
  }
  if (borrow) return std::nullopt;
  std::uint64_t out = 0;
  for (unsigned i = 0; i < size(); ++i) {
    if (size() - i > 8) {
      if (diff[i] != 0) return std::nullopt;
      continue;
    }
    out = (out << 8) | diff[i];
  }
  return out;
}

Cidr Cidr::parse(std::string_view text) {
  // printable(): the text comes from flags and config files and is quoted in a one-line error.
  const std::string quoted = "\"" + printable(text) + "\"";
  auto slash = text.find('/');
  if (slash == std::string_view::npos)
    throw Error::input("parse CIDR " + quoted, "expected ADDRESS/PREFIX, e.g. 172.19.0.1/16");
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) throw Error::input("parse CIDR " + quoted, "not an IP address");
  auto ptext = text.substr(slash + 1);
  unsigned prefix = 0;
  auto [end, ec] = std::from_chars(ptext.data(), ptext.data() + ptext.size(), prefix);
  if (ptext.empty() || ec != std::errc() || end != ptext.data() + ptext.size() ||
      prefix > addr->bits())
    throw Error::input("parse CIDR " + quoted,
                       "prefix must be a number from 0 to " + std::to_string(addr->bits()));
  return Cidr(*addr, prefix);
}

bool Cidr::contains(const IpAddress& a) const {
  return a.family() == addr_.family() && a.masked(prefix_) == network();
}

std::string Cidr::str() const { return addr_.str() + "/" + std::to_string(prefix_); }
std::string Cidr::network_str() const { return network().str() + "/" + std::to_string(prefix_); }

}  // namespace nh
