// Names derived from ids: host veth names and the bridge MAC.
#include <catch2/catch.hpp>

#include <cctype>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lib/config.hpp"
#include "lib/names.hpp"
#include "lib/netns_link.hpp"

TEST_CASE("host_veth_name fits IFNAMSIZ and is recognisable", "[names]") {
  for (const std::string& id : std::vector<std::string>{"t1", "", "a", std::string(255, 'z'),
                                                      "3f1a9c0e5b7d2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a"}) {
    INFO("id \"" << id << "\"");
    auto name = nh::host_veth_name(id);
    CHECK(name.size() <= 15);
    CHECK(name.size() == 14);
    CHECK(name.rfind("nh", 0) == 0);
    for (char c : name.substr(2)) CHECK(std::isxdigit(static_cast<unsigned char>(c)));
    CHECK_NOTHROW(nh::validate_ifname(name, "host veth"));
  }
}

TEST_CASE("host_veth_name is stable and depends on every character", "[names]") {
  CHECK(nh::host_veth_name("t1") == nh::host_veth_name("t1"));
  CHECK(nh::host_veth_name("container-a") != nh::host_veth_name("container-b"));
  CHECK(nh::host_veth_name("xcontainer") != nh::host_veth_name("ycontainer"));
  CHECK(nh::host_veth_name("t1") != nh::host_veth_name("t1 "));
  // Long ids that share a 63-character prefix and differ only at the end.
  std::string base(63, 'a');
  CHECK(nh::host_veth_name(base + "1") != nh::host_veth_name(base + "2"));
  // No collisions among a few thousand sequential ids.
  std::set<std::string> seen;
  for (int i = 0; i < 5000; ++i) seen.insert(nh::host_veth_name("ctr-" + std::to_string(i)));
  CHECK(seen.size() == 5000);
}

TEST_CASE("sibling ids get host veth names that differ throughout", "[names]") {
  // "c1" and "c2" must not share most of their digits, or the names look alike.
  for (auto [x, y] : {std::pair{"c1", "c2"}, std::pair{"web-1", "web-2"}, std::pair{"a", "b"}}) {
    auto nx = nh::host_veth_name(x), ny = nh::host_veth_name(y);
    int differing = 0;
    for (std::size_t i = 2; i < nx.size(); ++i) differing += nx[i] != ny[i];
    INFO(nx << " vs " << ny);
    CHECK(differing >= 6);
  }
}

TEST_CASE("fnv1a64 matches the reference values", "[names]") {
  CHECK(nh::fnv1a64("") == 0xcbf29ce484222325ULL);
  CHECK(nh::fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(nh::fnv1a64("foobar") == 0x85944171f73967e8ULL);
}

TEST_CASE("bridge_mac is a stable locally administered unicast address", "[names]") {
  for (const char* bridge : {"netns0", "br7", "x", ""}) {
    INFO("bridge " << bridge);
    auto mac = nh::bridge_mac(bridge);
    CHECK((mac[0] & 0x03) == 0x02);  // locally administered, not multicast
    CHECK(mac == nh::bridge_mac(bridge));
    bool all_zero = true;
    for (auto b : mac) all_zero = all_zero && b == 0;
    CHECK_FALSE(all_zero);
  }
  CHECK(nh::bridge_mac("netns0") != nh::bridge_mac("netns1"));
}

TEST_CASE("ip netns names are the prefix and the id, cut with a hash past NAME_MAX", "[names]") {
  CHECK(nh::netns_link_name("nh-", "web1") == "nh-web1");
  CHECK(nh::netns_link_name("", "web1") == "web1");
  const std::string a(255, 'a');
  std::string b = a;
  b.back() = 'b';
  auto na = nh::netns_link_name("nh-", a), nb = nh::netns_link_name("nh-", b);
  CHECK(na.size() == 255);
  CHECK(na.rfind("nh-aaaa", 0) == 0);
  CHECK(na != nb);  // the hash tells long ids apart
  CHECK(na == nh::netns_link_name("nh-", a));
}

TEST_CASE("host veth names are recognised by their shape", "[names]") {
  CHECK(nh::is_host_veth_name(nh::host_veth_name("web1")));
  CHECK(nh::is_host_veth_name("nh0123456789ab"));
  CHECK_FALSE(nh::is_host_veth_name("nh0123456789a"));
  CHECK_FALSE(nh::is_host_veth_name("nh0123456789abc"));
  CHECK_FALSE(nh::is_host_veth_name("nh0123456789aB"));
  CHECK_FALSE(nh::is_host_veth_name("xx0123456789ab"));
}
