// parse_ports and PortMapping: the netns-hook.ports annotation (Docker's -p syntax).
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include <sys/socket.h>
#include <vector>

#include "lib/base/error.hpp"
#include "lib/addr/port_mapping.hpp"

using nh::addr::PortMapping;

namespace {

nh::addr::IpAddress ip(const std::string& text) { return *nh::addr::IpAddress::parse(text); }

// `host`: an address, "0.0.0.0" or "::" for every address of one family,
// nothing for both families.
PortMapping mapping(std::optional<std::string> host, int host_port, int container_port,
                    const std::string& protocol = "tcp") {
  PortMapping m;
  if (host) REQUIRE(nh::addr::set_host_text(m, *host));
  m.host_port = static_cast<std::uint16_t>(host_port);
  m.container_port = static_cast<std::uint16_t>(container_port);
  m.protocol = protocol;
  return m;
}

// parse_ports(text) must throw an nh::base::Error quoting `item` and saying `why`.
void check_refused(const std::string& text, const std::string& item, const std::string& why) {
  INFO("annotation: " << text);
  try {
    nh::addr::parse_ports(text);
    FAIL("accepted");
  } catch (const nh::base::Error& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains("invalid annotation netns-hook.ports"));
    CHECK_THAT(msg, Catch::Contains("item \"" + item + "\""));
    CHECK_THAT(msg, Catch::Contains(why));
  }
}

}  // namespace

namespace Catch {
template <>
struct StringMaker<PortMapping> {
  static std::string convert(const PortMapping& m) { return m.str(); }
};
}  // namespace Catch

TEST_CASE("parse_ports: one mapping, tcp by default, every local address", "[ports]") {
  auto ports = nh::addr::parse_ports("8080:80");
  REQUIRE(ports.size() == 1);
  CHECK_FALSE(ports[0].host_ip.has_value());
  CHECK(ports[0].host_port == 8080);
  CHECK(ports[0].container_port == 80);
  CHECK(ports[0].protocol == "tcp");
  CHECK(ports[0].str() == "8080:80/tcp");
}

TEST_CASE("parse_ports: protocols", "[ports]") {
  CHECK(nh::addr::parse_ports("8080:80/tcp") == std::vector{mapping({}, 8080, 80, "tcp")});
  CHECK(nh::addr::parse_ports("8080:80/udp") == std::vector{mapping({}, 8080, 80, "udp")});
  CHECK(nh::addr::parse_ports("8080:80/sctp") == std::vector{mapping({}, 8080, 80, "sctp")});
  CHECK(nh::addr::parse_ports("53:5353/udp").front().str() == "53:5353/udp");
}

TEST_CASE("parse_ports: host addresses", "[ports]") {
  auto ports = nh::addr::parse_ports("127.0.0.1:8080:80/tcp");
  REQUIRE(ports.size() == 1);
  REQUIRE(ports[0].host_ip.has_value());
  CHECK(*ports[0].host_ip == ip("127.0.0.1"));
  CHECK(ports[0] == mapping("127.0.0.1", 8080, 80));
  CHECK(ports[0].str() == "127.0.0.1:8080:80/tcp");

  // 0.0.0.0 is every IPv4 address, [::] every IPv6 one, as Docker reads them;
  // no address at all is both families.
  auto all4 = nh::addr::parse_ports("0.0.0.0:8080:80");
  REQUIRE(all4.size() == 1);
  CHECK_FALSE(all4[0].host_ip.has_value());
  CHECK(all4[0].any_family == AF_INET);
  CHECK(all4[0] == mapping("0.0.0.0", 8080, 80));
  CHECK(all4[0].str() == "0.0.0.0:8080:80/tcp");
  CHECK(all4[0].covers_family(AF_INET));
  CHECK_FALSE(all4[0].covers_family(AF_INET6));
  auto all6 = nh::addr::parse_ports("[::]:8080:80/udp");
  REQUIRE(all6.size() == 1);
  CHECK(all6[0].any_family == AF_INET6);
  CHECK(all6[0].str() == "[::]:8080:80/udp");
  CHECK_FALSE(all6[0].covers_family(AF_INET));
  auto both = nh::addr::parse_ports("8080:80");
  CHECK(both[0].any_family == 0);
  CHECK(both[0].covers_family(AF_INET));
  CHECK(both[0].covers_family(AF_INET6));
}

TEST_CASE("parse_ports: IPv6 host addresses in brackets", "[ports]") {
  auto one = nh::addr::parse_ports("[2001:db8::1]:8080:80/udp");
  REQUIRE(one.size() == 1);
  CHECK(one[0].host_ip == std::optional(ip("2001:db8::1")));
  CHECK(one[0].str() == "[2001:db8::1]:8080:80/udp");
  CHECK(one[0].covers(ip("2001:db8::1")));
  CHECK_FALSE(one[0].covers(ip("2001:db8::2")));
  CHECK(nh::addr::parse_ports("[fd00::5]:7000-7001:80-81").size() == 2);
  check_refused("[::1]:80:80", "[::1]:80:80", "the kernel cannot DNAT to a container from the IPv6 loopback address ::1");
  check_refused("[fd00::1:80:80", "[fd00::1:80:80", "is not closed with ']'");
  check_refused("[fd00::1]80:80", "[fd00::1]80:80", "expected ':' after the ']'");
  check_refused("[10.0.0.1]:80:80", "[10.0.0.1]:80:80", "\"10.0.0.1\" is not an IPv6 address");
  check_refused("fd00::1:80:80", "fd00::1:80:80", "expected [HOST_IP:]HOST_PORT:CONTAINER_PORT");
  check_refused("[::]:80", "[::]:80", "expected [HOST_IP:]HOST_PORT:CONTAINER_PORT");
}

TEST_CASE("parse_ports: ranges expand in order", "[ports]") {
  CHECK(nh::addr::parse_ports("8000-8002:9000-9002") ==
        std::vector{mapping({}, 8000, 9000), mapping({}, 8001, 9001), mapping({}, 8002, 9002)});
  CHECK(nh::addr::parse_ports("10.0.0.1:7-8:7-8/udp") ==
        std::vector{mapping("10.0.0.1", 7, 7, "udp"), mapping("10.0.0.1", 8, 8, "udp")});
  // A one-port range is a port.
  CHECK(nh::addr::parse_ports("80-80:81-81") == std::vector{mapping({}, 80, 81)});
  // Extremes of the port space.
  CHECK(nh::addr::parse_ports("1:65535, 65535:1") == std::vector{mapping({}, 1, 65535), mapping({}, 65535, 1)});
}

TEST_CASE("parse_ports: several items, spaces around commas", "[ports]") {
  const std::vector<PortMapping> expected = {mapping({}, 8080, 80), mapping("127.0.0.1", 8081, 81, "udp"),
                                             mapping("0.0.0.0", 9000, 9000, "sctp"),
                                             mapping("0.0.0.0", 9001, 9001, "sctp")};
  CHECK(nh::addr::parse_ports("8080:80,127.0.0.1:8081:81/udp,0.0.0.0:9000-9001:9000-9001/sctp") == expected);
  CHECK(nh::addr::parse_ports("  8080:80 ,\t127.0.0.1:8081:81/udp ,  0.0.0.0:9000-9001:9000-9001/sctp\t") == expected);
}

TEST_CASE("PortMapping::str() parses back to the same mapping", "[ports]") {
  for (const char* text : {"8080:80", "8080:80/udp", "8080:80/sctp", "127.0.0.1:8080:80/tcp", "0.0.0.0:8080:80",
                           "192.168.1.20:53:53/udp", "1:65535/sctp", "[::]:80:80", "[fd00::1]:53:53/udp"}) {
    INFO(text);
    auto ports = nh::addr::parse_ports(text);
    REQUIRE(ports.size() == 1);
    CHECK(nh::addr::parse_ports(ports[0].str()) == ports);
  }
  // Every mapping of an expanded range too.
  for (const auto& m : nh::addr::parse_ports("10.1.2.3:8000-8002:9000-9002/udp")) {
    INFO(m.str());
    CHECK(nh::addr::parse_ports(m.str()) == std::vector{m});
  }
}

TEST_CASE("parse_ports refuses bad port numbers", "[ports]") {
  check_refused("0:80", "0:80", "outside 1-65535");
  check_refused("8080:0", "8080:0", "outside 1-65535");
  check_refused("65536:80", "65536:80", "outside 1-65535");
  check_refused("8080:70000", "8080:70000", "outside 1-65535");
  check_refused("http:80", "http:80", "\"http\" is not a port number");
  check_refused("8080:80x", "8080:80x", "not a port number");
  check_refused("-80:80", "-80:80", "not a port number");
  check_refused("8080:", "8080:", "not a port number");
  check_refused("99999999999:80", "99999999999:80", "99999999999");
}

TEST_CASE("parse_ports refuses bad ranges", "[ports]") {
  check_refused("8000-8002:9000-9001", "8000-8002:9000-9001", "ranges differ in length");
  check_refused("8000-8002:9000", "8000-8002:9000", "ranges differ in length");
  check_refused("9000-8000:9000-8000", "9000-8000:9000-8000", "range 9000-8000 runs backwards");
  check_refused("8000-:9000", "8000-:9000", "not a port number");
}

TEST_CASE("parse_ports refuses bad protocols and shapes", "[ports]") {
  check_refused("8080:80/icmp", "8080:80/icmp", "unknown protocol \"icmp\"");
  check_refused("8080:80/", "8080:80/", "unknown protocol");
  check_refused("8080", "8080", "expected [HOST_IP:]HOST_PORT:CONTAINER_PORT");
  check_refused("1.2.3.4:5:6:7", "1.2.3.4:5:6:7", "expected [HOST_IP:]HOST_PORT:CONTAINER_PORT");
  check_refused("localhost:8080:80", "localhost:8080:80", "\"localhost\" is not an IPv4 address");
  check_refused("256.0.0.1:8080:80", "256.0.0.1:8080:80", "is not an IPv4 address");
  // An IPv6 host address must be in brackets.
  CHECK_THROWS_WITH(nh::addr::parse_ports("::1:80:80"), Catch::Contains("item \"::1:80:80\""));
}

TEST_CASE("parse_ports refuses empty items", "[ports]") {
  check_refused("8080:80,,8081:81", "", "empty item");
  check_refused("8080:80,", "", "empty item");
  check_refused(" , 8080:80", "", "empty item");
}

TEST_CASE("parse_ports refuses the same host port twice", "[ports]") {
  check_refused("8080:80,8080:81", "8080:81", "host port 8080/tcp is listed twice");
  check_refused("8080:80, 8079-8081:90-92", "8079-8081:90-92", "host port 8080/tcp is listed twice");
  // "All addresses" overlaps any one address, whichever comes first.
  check_refused("0.0.0.0:8080:80, 127.0.0.1:8080:81", "127.0.0.1:8080:81", "listed twice");
  check_refused("127.0.0.1:8080:80, 8080:81", "8080:81", "listed twice");
  check_refused("127.0.0.1:53:53/udp, 127.0.0.1:53:54/udp", "127.0.0.1:53:54/udp", "host port 53/udp");

  // Different protocols or different addresses do not clash.
  CHECK(nh::addr::parse_ports("53:53/tcp, 53:53/udp, 53:53/sctp").size() == 3);
  CHECK(nh::addr::parse_ports("127.0.0.1:8080:80, 127.0.0.2:8080:80").size() == 2);
  // Two host ports may forward to the same container port.
  CHECK(nh::addr::parse_ports("8080:80, 8081:80").size() == 2);
}

TEST_CASE("parse_ports limits the number of ports and the annotation's length", "[ports]") {
  static_assert(nh::addr::kMaxPublishedPorts == 1024);
  CHECK(nh::addr::parse_ports("1-1024:1-1024").size() == nh::addr::kMaxPublishedPorts);
  check_refused("1-1025:1-1025", "1-1025:1-1025", "more than 1024 ports");
  check_refused("1-1000:1-1000, 2000-2024:2000-2024/udp", "2000-2024:2000-2024/udp", "more than 1024 ports");
  check_refused("1-65535:1-65535", "1-65535:1-65535", "more than 1024 ports");

  // Padding with spaces keeps the content valid: only the length matters.
  std::string exactly = "8080:80" + std::string(nh::addr::kMaxPortsAnnotation - 7, ' ');
  REQUIRE(exactly.size() == nh::addr::kMaxPortsAnnotation);
  CHECK(nh::addr::parse_ports(exactly).size() == 1);
  CHECK_THROWS_WITH(nh::addr::parse_ports(exactly + " "),
                    Catch::Contains("invalid annotation netns-hook.ports") && Catch::Contains("longer than 4096"));
}

TEST_CASE("a long bad item is quoted cut short", "[ports]") {
  std::string item;
  for (int i = 0; i < 100; ++i) item += "1:";
  item += "1";  // 201 characters, far too many colons: quoted as its first 80 and "..."
  CHECK_THROWS_WITH(nh::addr::parse_ports(item), Catch::Contains("item \"" + item.substr(0, 80) + "...\"") &&
                                               !Catch::Contains(item.substr(0, 81)));
}

TEST_CASE("PortMapping::conflicts_with", "[ports]") {
  const auto all = mapping({}, 8080, 80);
  const auto lo = mapping("127.0.0.1", 8080, 81);
  const auto lo2 = mapping("127.0.0.2", 8080, 82);
  struct Row {
    PortMapping a, b;
    bool conflict;
  };
  const Row table[] = {
      {all, mapping({}, 8080, 90), true},                  // both "all", container port irrelevant
      {all, lo, true},                                     // all vs one address
      {lo, all, true},                                     // one address vs all
      {lo, mapping("127.0.0.1", 8080, 99), true},          // the same address
      {lo, lo2, false},                                    // two different addresses
      {all, mapping({}, 8080, 80, "udp"), false},          // another protocol
      {mapping({}, 53, 53, "udp"), mapping({}, 53, 53, "sctp"), false},
      {all, mapping({}, 8081, 80), false},                 // another host port
      {lo, mapping("127.0.0.1", 8081, 81), false},
      {all, all, true},
      // Per family: every IPv4 address and every IPv6 address do not meet...
      {mapping("0.0.0.0", 8080, 80), mapping("::", 8080, 80), false},
      // ...but both meet "both families", and their own family's addresses.
      {mapping("0.0.0.0", 8080, 80), all, true},
      {mapping("::", 8080, 80), all, true},
      {mapping("0.0.0.0", 8080, 80), lo, true},
      {mapping("::", 8080, 80), lo, false},
      {mapping("::", 8080, 80), mapping("fd00::1", 8080, 80), true},
      {all, mapping("fd00::1", 8080, 80), true},
      {mapping("fd00::1", 8080, 80), mapping("fd00::2", 8080, 80), false},
      {mapping("fd00::1", 8080, 80), lo, false},
  };
  for (const auto& row : table) {
    INFO(row.a.str() << " vs " << row.b.str());
    CHECK(row.a.conflicts_with(row.b) == row.conflict);
    CHECK(row.b.conflicts_with(row.a) == row.conflict);  // symmetric
  }
}
