// Names derived from ids and networks: host veth names, bridge names, ip netns names; hashes.
#include <catch2/catch.hpp>

#include <cctype>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lib/base/hash.hpp"
#include "lib/net/names.hpp"
#include "lib/container/netns_link.hpp"

TEST_CASE("host_veth_name fits IFNAMSIZ and is recognisable", "[names]") {
  for (const std::string& id : std::vector<std::string>{"t1", "", "a", std::string(255, 'z'),
                                                      "3f1a9c0e5b7d2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a"}) {
    INFO("id \"" << id << "\"");
    auto name = nh::net::host_veth_name(id, "default", "eth0");
    CHECK(name.size() <= 15);
    CHECK(name.size() == 14);
    CHECK(name.rfind("nh", 0) == 0);
    for (char c : name.substr(2)) CHECK(std::isxdigit(static_cast<unsigned char>(c)));
    CHECK_NOTHROW(nh::net::validate_ifname(name, "host veth"));
  }
}

TEST_CASE("host_veth_name is stable and depends on the id, the network and the interface", "[names]") {
  auto veth = [](const std::string& id, const std::string& net = "default", const std::string& iface = "eth0") {
    return nh::net::host_veth_name(id, net, iface);
  };
  CHECK(veth("t1") == veth("t1"));
  CHECK(veth("container-a") != veth("container-b"));
  CHECK(veth("xcontainer") != veth("ycontainer"));
  CHECK(veth("t1") != veth("t1 "));
  CHECK(veth("t1", "web") != veth("t1", "db"));
  CHECK(veth("t1", "web", "eth0") != veth("t1", "web", "eth1"));
  // The parts cannot be shifted into one another.
  CHECK(veth("ab", "c") != veth("a", "bc"));
  // Long ids that share a 63-character prefix and differ only at the end.
  std::string base(63, 'a');
  CHECK(veth(base + "1") != veth(base + "2"));
  // No collisions among a few thousand sequential ids, or one id on many networks.
  std::set<std::string> seen;
  for (int i = 0; i < 5000; ++i) seen.insert(veth("ctr-" + std::to_string(i)));
  for (int i = 0; i < 1000; ++i) seen.insert(veth("ctr-0", "net" + std::to_string(i)));
  CHECK(seen.size() == 6000);
}

TEST_CASE("sibling ids get host veth names that differ throughout", "[names]") {
  // "c1" and "c2" must not share most of their digits, or the names look alike.
  for (auto [x, y] : {std::pair{"c1", "c2"}, std::pair{"web-1", "web-2"}, std::pair{"a", "b"}}) {
    auto nx = nh::net::host_veth_name(x, "default", "eth0"), ny = nh::net::host_veth_name(y, "default", "eth0");
    int differing = 0;
    for (std::size_t i = 2; i < nx.size(); ++i) differing += nx[i] != ny[i];
    INFO(nx << " vs " << ny);
    CHECK(differing >= 6);
  }
}

TEST_CASE("fnv1a64 matches the reference values", "[names]") {
  CHECK(nh::base::fnv1a64("") == 0xcbf29ce484222325ULL);
  CHECK(nh::base::fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(nh::base::fnv1a64("foobar") == 0x85944171f73967e8ULL);
}

TEST_CASE("a network's default bridge is nh- and its name, cut with a hash past 15 characters", "[names]") {
  CHECK(nh::net::default_bridge_name("web") == "nh-web");
  CHECK(nh::net::default_bridge_name("abcdefghijkl") == "nh-abcdefghijkl");  // exactly 15
  auto a = nh::net::default_bridge_name("abcdefghijklm"), b = nh::net::default_bridge_name("abcdefghijkln");
  CHECK(a.size() == 15);
  CHECK(a.rfind("nh-abcdef-", 0) == 0);
  CHECK(a != b);
  CHECK_NOTHROW(nh::net::validate_ifname(a, "bridge"));
  CHECK_FALSE(nh::net::is_host_veth_name(a));
}

TEST_CASE("network names", "[names]") {
  for (const char* good : {"web", "a", "Web-1", "db_2", "x.y", "0net"}) CHECK_NOTHROW(nh::net::validate_network_name(good, "n"));
  CHECK_THROWS_WITH(nh::net::validate_network_name("", "network name"), Catch::Contains("empty"));
  CHECK_THROWS_WITH(nh::net::validate_network_name(".web", "network name"), Catch::Contains("starts with a letter or a digit"));
  CHECK_THROWS_WITH(nh::net::validate_network_name("-web", "network name"), Catch::Contains("starts with a letter or a digit"));
  CHECK_THROWS_WITH(nh::net::validate_network_name("we/b", "network name"), Catch::Contains("only letters, digits"));
  CHECK_THROWS_WITH(nh::net::validate_network_name("we\nb", "network name"), Catch::Contains("\\x0a"));
  CHECK_THROWS_WITH(nh::net::validate_network_name(std::string(65, 'a'), "network name"), Catch::Contains("longer than 64"));
  CHECK_NOTHROW(nh::net::validate_network_name(std::string(64, 'a'), "network name"));
  CHECK_THROWS_WITH(nh::net::validate_network_name("a.tmp.5", "network name"), Catch::Contains(".tmp."));
}

TEST_CASE("ip netns names are the prefix and the id, cut with a hash past NAME_MAX", "[names]") {
  CHECK(nh::container::netns_link_name("nh-", "web1") == "nh-web1");
  CHECK(nh::container::netns_link_name("", "web1") == "web1");
  const std::string a(255, 'a');
  std::string b = a;
  b.back() = 'b';
  auto na = nh::container::netns_link_name("nh-", a), nb = nh::container::netns_link_name("nh-", b);
  CHECK(na.size() == 255);
  CHECK(na.rfind("nh-aaaa", 0) == 0);
  CHECK(na != nb);  // the hash tells long ids apart
  CHECK(na == nh::container::netns_link_name("nh-", a));
}

TEST_CASE("host veth names are recognised by their shape", "[names]") {
  CHECK(nh::net::is_host_veth_name(nh::net::host_veth_name("web1", "web", "eth1")));
  CHECK(nh::net::is_host_veth_name("nh0123456789ab"));
  CHECK_FALSE(nh::net::is_host_veth_name("nh0123456789a"));
  CHECK_FALSE(nh::net::is_host_veth_name("nh0123456789abc"));
  CHECK_FALSE(nh::net::is_host_veth_name("nh0123456789aB"));
  CHECK_FALSE(nh::net::is_host_veth_name("xx0123456789ab"));
}
