// IpAddress and Cidr: parsing, printing and prefix arithmetic.
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <string>

#include "lib/base/error.hpp"
#include "lib/addr/cidr.hpp"
#include "lib/base/text.hpp"

using nh::addr::Cidr;
using nh::addr::IpAddress;

namespace {

IpAddress ip(const std::string& text) {
  auto a = IpAddress::parse(text);
  INFO("address " << text);
  REQUIRE(a.has_value());
  return *a;
}

void expect_bad_cidr(const std::string& text, const std::string& needle) {
  INFO("CIDR " << text);
  try {
    Cidr::parse(text);
    FAIL("Cidr::parse accepted it");
  } catch (const nh::base::Error& e) {
    INFO("message: " << e.what());
    CHECK(std::string(e.what()).find("\"" + text + "\"") != std::string::npos);
    CHECK(std::string(e.what()).find(needle) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("IpAddress::parse accepts IPv4 and IPv6", "[ip]") {
  auto a = ip("172.19.0.1");
  CHECK(a.family() == AF_INET);
  CHECK(a.is_v4());
  CHECK(a.size() == 4);
  CHECK(a.bits() == 32);
  CHECK(a.data()[0] == 172);
  CHECK(a.data()[3] == 1);
  CHECK(a == IpAddress::v4(0xac130001u));

  auto b = ip("fd00::1");
  CHECK(b.family() == AF_INET6);
  CHECK_FALSE(b.is_v4());
  CHECK(b.size() == 16);
  CHECK(b.bits() == 128);
  CHECK(b.data()[0] == 0xfd);
  CHECK(b.data()[15] == 1);
}

TEST_CASE("IpAddress::parse rejects garbage", "[ip]") {
  for (const char* bad : {"", "garbage", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4/24",
                          "fd00:::1", "0x7f.0.0.1"}) {
    INFO("input \"" << bad << "\"");
    CHECK_FALSE(IpAddress::parse(bad).has_value());
  }
  CHECK_FALSE(IpAddress::parse(std::string(100, '1')).has_value());
}

// Found by fuzz_cidr: inet_pton saw the text only up to a NUL, so
// "10.0.0.5<NUL>anything" (say in the netns-hook.ip annotation) was 10.0.0.5.
TEST_CASE("IpAddress::parse rejects text with a NUL in it", "[ip]") {
  using namespace std::string_literals;
  for (const std::string bad : {"10.0.0.1\0"s, "10.0.0.1\0x"s, "fd00::1\0::2"s, "\0"s}) {
    INFO("input \"" << nh::base::printable(bad) << "\"");
    CHECK_FALSE(IpAddress::parse(bad).has_value());
  }
  CHECK_THROWS_AS(Cidr::parse("10.0.0.1\0/24"s), nh::base::Error);
}

TEST_CASE("str round trips", "[ip]") {
  for (const char* text : {"0.0.0.0", "10.9.0.1", "255.255.255.255", "::", "fd00::1", "2001:db8::ff00:42:8329"}) {
    CHECK(ip(text).str() == text);
    CHECK(IpAddress::parse(ip(text).str()) == IpAddress::parse(text));
  }
  CHECK(ip("2001:0db8:0000::0001").str() == "2001:db8::1");  // canonical form
  CHECK(IpAddress().str() == "<none>");
}

TEST_CASE("from_bytes checks family and length", "[ip]") {
  const unsigned char v4[4] = {192, 168, 1, 7};
  auto a = IpAddress::from_bytes(AF_INET, v4, 4);
  REQUIRE(a);
  CHECK(a->str() == "192.168.1.7");
  CHECK_FALSE(IpAddress::from_bytes(AF_INET, v4, 3));
  CHECK_FALSE(IpAddress::from_bytes(AF_INET6, v4, 4));
  CHECK_FALSE(IpAddress::from_bytes(AF_UNIX, v4, 4));
}

TEST_CASE("masked clears or sets the host bits", "[ip]") {
  auto a = ip("172.19.200.77");
  CHECK(a.masked(16).str() == "172.19.0.0");
  CHECK(a.masked(16, true).str() == "172.19.255.255");
  CHECK(a.masked(20).str() == "172.19.192.0");
  CHECK(a.masked(20, true).str() == "172.19.207.255");
  CHECK(a.masked(32) == a);
  CHECK(a.masked(0).str() == "0.0.0.0");
  CHECK(a.masked(0, true).str() == "255.255.255.255");
  CHECK(ip("fd00:1:2:3::99").masked(48).str() == "fd00:1:2::");
  CHECK(ip("fd00:1:2:3::99").masked(64, true).str() == "fd00:1:2:3:ffff:ffff:ffff:ffff");
}

TEST_CASE("plus carries across bytes and wraps within the width", "[ip]") {
  CHECK(ip("10.0.0.1").plus(1).str() == "10.0.0.2");
  CHECK(ip("10.0.0.255").plus(1).str() == "10.0.1.0");
  CHECK(ip("10.0.255.255").plus(1).str() == "10.1.0.0");
  CHECK(ip("172.19.0.0").plus(65535).str() == "172.19.255.255");
  CHECK(ip("10.0.0.0").plus(0x010203).str() == "10.1.2.3");
  CHECK(ip("255.255.255.255").plus(1).str() == "0.0.0.0");
  CHECK(ip("::ffff:ffff").plus(1).str() == "::1:0:0");
  CHECK(ip("10.0.0.7").plus(0) == ip("10.0.0.7"));
}

namespace {
// Catch cannot print a 128-bit integer: compare, and print the verdict.
bool offset_is(const std::optional<nh::addr::u128>& got, nh::addr::u128 want) { return got && *got == want; }
}  // namespace

TEST_CASE("minus gives the offset from a base, in 128 bits", "[ip]") {
  using nh::addr::u128;
  CHECK(offset_is(ip("10.0.1.0").minus(ip("10.0.0.255")), 1));
  CHECK(offset_is(ip("172.19.255.255").minus(ip("172.19.0.0")), 65535));
  CHECK(offset_is(ip("10.0.0.5").minus(ip("10.0.0.5")), 0));
  CHECK_FALSE(ip("10.0.0.4").minus(ip("10.0.0.5")));  // below the base
  CHECK_FALSE(ip("10.0.0.4").minus(ip("::1")));       // another family
  CHECK(offset_is(ip("fd00::1:0").minus(ip("fd00::")), 65536));
  CHECK(offset_is(ip("fd00:0:0:1::").minus(ip("fd00::")), u128(1) << 64));  // a /64 is 2^64 addresses
  CHECK(offset_is(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").minus(ip("::")), ~u128(0)));
  auto base = ip("192.168.0.0");
  CHECK(offset_is(base.plus(1000).minus(base), 1000));
  CHECK(ip("fd00::").plus(u128(1) << 64).str() == "fd00:0:0:1::");
  CHECK(ip("fd00::ffff:ffff:ffff:ffff").plus(1).str() == "fd00:0:0:1::");
  CHECK(nh::addr::to_string(u128(1) << 64) == "18446744073709551616");
  CHECK(nh::addr::to_string(0) == "0");
}

TEST_CASE("Cidr::parse accepts ADDRESS/PREFIX", "[ip][cidr]") {
  auto c = Cidr::parse("172.19.0.1/16");
  CHECK(c.address() == ip("172.19.0.1"));
  CHECK(c.prefix() == 16);
  CHECK(c.str() == "172.19.0.1/16");
  CHECK(Cidr::parse("0.0.0.0/0").prefix() == 0);
  CHECK(Cidr::parse("10.0.0.1/32").prefix() == 32);
  CHECK(Cidr::parse("fd00::1/64").prefix() == 64);
  CHECK(Cidr::parse("fd00::1/128").prefix() == 128);
  CHECK(Cidr::parse("10.0.0.1/24") == Cidr(ip("10.0.0.1"), 24));
}

TEST_CASE("Cidr::parse rejects malformed text naming it", "[ip][cidr]") {
  expect_bad_cidr("172.19.0.1", "expected ADDRESS/PREFIX");
  expect_bad_cidr("", "expected ADDRESS/PREFIX");
  expect_bad_cidr("bogus/16", "not an IP address");
  expect_bad_cidr("/16", "not an IP address");
  expect_bad_cidr("10.0.0.1/", "prefix must be a number from 0 to 32");
  expect_bad_cidr("10.0.0.1/x", "prefix must be a number from 0 to 32");
  expect_bad_cidr("10.0.0.1/-1", "prefix must be a number");
  expect_bad_cidr("10.0.0.1/33", "from 0 to 32");
  expect_bad_cidr("10.0.0.1/16x", "prefix must be a number");
  expect_bad_cidr("10.0.0.1/16 ", "prefix must be a number");
  expect_bad_cidr("10.0.0.1/16/8", "prefix must be a number");
  expect_bad_cidr("fd00::1/129", "from 0 to 128");
}

// Found by tests/fuzz/fuzz_cidr.cpp: the message quoted the text as given, so a
// --ip (or config "ip") holding a newline made a two-line error.
TEST_CASE("Cidr::parse quotes malformed text on one line", "[ip][cidr]") {
  for (const std::string text : {"10.0.0.1\n/24", "10.0.0.1/2\n4", "10.0.\x10.1"}) {
    INFO("CIDR " << nh::base::printable(text));
    try {
      Cidr::parse(text);
      FAIL("Cidr::parse accepted it");
    } catch (const nh::base::Error& e) {
      const std::string msg = e.what();
      INFO("message: " << msg);
      CHECK(msg.find('\n') == std::string::npos);
      CHECK(msg.find('\x10') == std::string::npos);
      CHECK(msg.find("\"" + nh::base::printable(text) + "\"") != std::string::npos);
    }
  }
}

TEST_CASE("Cidr network, last, contains and network_str", "[ip][cidr]") {
  auto c = Cidr::parse("172.19.0.1/16");
  CHECK(c.network().str() == "172.19.0.0");
  CHECK(c.last().str() == "172.19.255.255");
  CHECK(c.network_str() == "172.19.0.0/16");

  CHECK(c.contains(ip("172.19.0.0")));
  CHECK(c.contains(ip("172.19.255.255")));
  CHECK(c.contains(ip("172.19.3.4")));
  CHECK_FALSE(c.contains(ip("172.20.0.1")));
  CHECK_FALSE(c.contains(ip("172.18.255.255")));
  CHECK_FALSE(c.contains(ip("::ffff:172.19.0.2")));  // another family

  auto small = Cidr::parse("10.9.0.1/29");
  CHECK(small.network().str() == "10.9.0.0");
  CHECK(small.last().str() == "10.9.0.7");
  CHECK(small.contains(ip("10.9.0.7")));
  CHECK_FALSE(small.contains(ip("10.9.0.8")));
  CHECK(small.network_str() == "10.9.0.0/29");

  auto v6 = Cidr::parse("fd00:1::5/64");
  CHECK(v6.network_str() == "fd00:1::/64");
  CHECK(v6.contains(ip("fd00:1::ffff")));
  CHECK_FALSE(v6.contains(ip("fd00:2::1")));
}
