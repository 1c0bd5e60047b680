// Cidr::parse and IpAddress::parse on arbitrary bytes. What is accepted must
// print and parse back to itself and obey the prefix arithmetic.
#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "invariant.hpp"
#include "lib/addr/cidr.hpp"
#include "lib/base/text.hpp"

namespace {

using nh::fuzz::require;

void check_address(std::string_view text) {
  auto a = nh::addr::IpAddress::parse(text);
  if (!a) return;
  const std::string shown = a->str();
  // Only an address is accepted, not an address followed by anything else.
  require(text.find('\0') == std::string_view::npos, "accepted an address with a NUL: " + nh::base::printable(text));
  require(a->family() == AF_INET || a->family() == AF_INET6, "accepted family " + std::to_string(a->family()));
  require(nh::addr::IpAddress::parse(shown) == a, "address " + shown + " does not parse back to itself");
  require(nh::addr::IpAddress::from_bytes(a->family(), a->data(), a->size()) == a, "from_bytes differs for " + shown);
  require(a->plus(0) == *a && a->minus(*a) == std::uint64_t{0}, "plus/minus 0 changes " + shown);
  require(a->plus(1).minus(*a).value_or(1) == 1, "plus(1) then minus is not 1 for " + shown);
}

void check_cidr(std::string_view text) {
  nh::addr::Cidr c;
  try {
    c = nh::addr::Cidr::parse(text);
  } catch (const nh::base::Error& e) {
    nh::fuzz::require_one_line(e);
    return;
  }
  const std::string shown = c.str();
  require(text.find('\0') == std::string_view::npos, "accepted a CIDR with a NUL: " + nh::base::printable(text));
  require(c.prefix() <= c.address().bits(), "accepted prefix of " + shown);
  nh::addr::Cidr again;
  try {
    again = nh::addr::Cidr::parse(shown);
  } catch (const nh::base::Error& e) {
    nh::fuzz::broken("printed CIDR " + shown + " does not parse: " + e.what());
  }
  require(again == c, "CIDR " + shown + " does not parse back to itself");
  require(c.contains(c.address()) && c.contains(c.network()) && c.contains(c.last()),
          "CIDR " + shown + " does not contain its own address, network and last address");
  require(c.network().masked(c.prefix()) == c.network(), "network of " + shown + " is not masked");
  auto span = c.last().minus(c.network());
  require(span.has_value() || c.address().bits() - c.prefix() > 64, "no span for " + shown);
  if (span) require(c.network().plus(*span) == c.last(), "network + span is not last for " + shown);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check_address(text);
  check_cidr(text);
  return 0;
}
