// Next-fit over a subnet: pure, with `taken` as a set.
#include <catch2/catch.hpp>

#include <cstdio>
#include <set>
#include <string>

#include "lib/ipam/allocator.hpp"

namespace {

nh::addr::IpAddress ip(const std::string& text) { return *nh::addr::IpAddress::parse(text); }

struct Taken {
  std::set<std::string> set;
  bool operator()(const nh::addr::IpAddress& a) const { return set.count(a.str()) > 0; }
};

std::string next(const nh::net::Subnet& s, const std::string& last, const Taken& taken) {
  auto got = nh::ipam::next_free(s, last.empty() ? std::nullopt : std::optional(ip(last)), taken);
  return got ? got->str() : "full";
}

}  // namespace

TEST_CASE("next_free starts after the last address and skips what is taken or reserved", "[allocator]") {
  auto s = nh::net::make_subnet("10.9.0.0/29", "", "s");  // .1 gateway, .7 broadcast: usable .2 .. .6
  CHECK(nh::ipam::usable_addresses(s) == 5);
  CHECK(next(s, "", {}) == "10.9.0.2");
  CHECK(next(s, "10.9.0.2", {}) == "10.9.0.3");
  CHECK(next(s, "10.9.0.3", {{"10.9.0.4", "10.9.0.5"}}) == "10.9.0.6");
  CHECK(next(s, "10.9.0.6", {}) == "10.9.0.2");  // wraps past .7, .0 and .1
  CHECK(next(s, "10.9.0.5", {{"10.9.0.6", "10.9.0.2"}}) == "10.9.0.3");
  CHECK(next(s, "10.99.0.5", {}) == "10.9.0.2");  // a cursor from another subnet: from the start
  CHECK(next(s, "", {{"10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"}}) == "full");
}

TEST_CASE("is_usable: never the network, broadcast or gateway address", "[allocator]") {
  auto s = nh::net::make_subnet("10.9.0.0/24", "10.9.0.254", "s");
  CHECK_FALSE(nh::ipam::is_usable(s, ip("10.9.0.0")));
  CHECK_FALSE(nh::ipam::is_usable(s, ip("10.9.0.255")));
  CHECK_FALSE(nh::ipam::is_usable(s, ip("10.9.0.254")));
  CHECK_FALSE(nh::ipam::is_usable(s, ip("10.9.1.5")));
  CHECK(nh::ipam::is_usable(s, ip("10.9.0.1")));
  CHECK(next(s, "10.9.0.253", {}) == "10.9.0.1");
}

TEST_CASE("next_free over IPv6: a /64 is not walked, the anycast address and gateway are skipped", "[allocator][ipv6]") {
  auto s = nh::net::make_subnet("fd00:19::/64", "", "s");
  CHECK(nh::ipam::usable_addresses(s) == (nh::addr::u128(1) << 64) - 2);
  CHECK(next(s, "", {}) == "fd00:19::2");
  CHECK(next(s, "fd00:19::2", {{"fd00:19::3"}}) == "fd00:19::4");
  CHECK(next(s, "fd00:19::ffff", {}) == "fd00:19::1:0");
  // From the top of the /64 it wraps past the subnet-router anycast (::) and the gateway (::1).
  CHECK(next(s, "fd00:19::ffff:ffff:ffff:ffff", {}) == "fd00:19::2");
  CHECK_FALSE(nh::ipam::is_usable(s, ip("fd00:19::")));
  CHECK(nh::ipam::is_usable(s, ip("fd00:19::ffff:ffff:ffff:ffff")));  // no broadcast in IPv6
}

TEST_CASE("next_free over a /120 wraps and runs full", "[allocator][ipv6]") {
  auto s = nh::net::make_subnet("fd00:19::/120", "", "s");
  CHECK(nh::ipam::usable_addresses(s) == 254);
  Taken all;
  for (int i = 2; i <= 255; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "fd00:19::%x", i);
    all.set.insert(ip(buf).str());
  }
  CHECK(next(s, "", all) == "full");
  all.set.erase("fd00:19::80");
  CHECK(next(s, "fd00:19::fe", all) == "fd00:19::80");
}
