// rtnl.hpp against the kernel: bridges and veth pairs in the sandbox namespace.
#include <catch2/catch.hpp>

#include <linux/if.h>
#include <sys/socket.h>

#include <cstdio>
#include <optional>

#include "helpers.hpp"
#include "lib/config.hpp"
#include "lib/error.hpp"
#include "lib/names.hpp"
#include "lib/netns.hpp"
#include "lib/rtnl.hpp"

using nh_test::ip_json;
using nh_test::run;

namespace {

// Deletes the named links at scope exit, whatever the test did.
struct LinkCleanup {
  std::vector<std::string> names;
  ~LinkCleanup() {
    for (const auto& n : names) run("ip link del " + n + " 2>/dev/null");
  }
};

nh::Network test_network(const std::string& bridge, const std::string& gateway = "10.77.0.1/24") {
  nh::Network net;
  net.bridge = bridge;
  net.gateway = nh::Cidr::parse(gateway);
  net.mtu = 1400;
  return net;
}

std::string mac_string(const std::array<std::uint8_t, 6>& mac) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  return buf;
}

}  // namespace

TEST_CASE("ensure_bridge creates a configured bridge, then is idempotent", "[rtnl]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network(nh_test::unique_name("nhb"));
  LinkCleanup cleanup{{net.bridge}};
  auto nl = nh::Netlink::connect();

  auto res = nh::ensure_bridge(nl, net, nh::check_bridge(nl, net));
  CHECK(res.created);
  auto info = nh::find_link(nl, net.bridge);
  REQUIRE(info.has_value());
  CHECK(info->index == res.index);
  CHECK(info->kind == "bridge");
  CHECK(info->mtu == 1400);
  CHECK((info->flags & IFF_UP) != 0);
  CHECK(nh::link_addresses(nl, res.index, AF_INET) == std::vector<nh::Cidr>{net.gateway});

  // Seen from outside the library.
  auto link = ip_json("link show " + net.bridge);
  REQUIRE(link.size() == 1);
  CHECK(link[0]["address"] == mac_string(nh::bridge_mac(net.bridge)));
  CHECK(link[0]["mtu"] == 1400);
  auto addr = ip_json("-4 addr show dev " + net.bridge);
  REQUIRE(addr.size() == 1);
  REQUIRE(addr[0]["addr_info"].size() == 1);
  CHECK(addr[0]["addr_info"][0]["local"] == "10.77.0.1");
  CHECK(addr[0]["addr_info"][0]["prefixlen"] == 24);
  CHECK(addr[0]["addr_info"][0]["broadcast"] == "10.77.0.255");

  auto again = nh::ensure_bridge(nl, net, nh::check_bridge(nl, net));
  CHECK_FALSE(again.created);
  CHECK(again.index == res.index);
  CHECK(nh::link_addresses(nl, res.index, AF_INET).size() == 1);
}

TEST_CASE("ensure_bridge repairs MTU, state and a missing address", "[rtnl]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network(nh_test::unique_name("nhb"));
  LinkCleanup cleanup{{net.bridge}};
  REQUIRE(run("ip link add " + net.bridge + " mtu 1300 type bridge").status == 0);
  auto nl = nh::Netlink::connect();
  auto res = nh::ensure_bridge(nl, net, nh::check_bridge(nl, net));
  CHECK_FALSE(res.created);
  auto info = nh::find_link(nl, net.bridge);
  REQUIRE(info.has_value());
  CHECK(info->mtu == 1400);
  CHECK((info->flags & IFF_UP) != 0);
  CHECK(nh::link_addresses(nl, res.index, AF_INET) == std::vector<nh::Cidr>{net.gateway});
}

TEST_CASE("ensure_bridge refuses a bridge with another address", "[rtnl]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network(nh_test::unique_name("nhb"));
  LinkCleanup cleanup{{net.bridge}};
  REQUIRE(run("ip link add " + net.bridge + " type bridge").status == 0);
  REQUIRE(run("ip addr add 10.78.0.5/24 dev " + net.bridge).status == 0);
  auto nl = nh::Netlink::connect();
  CHECK_THROWS_WITH(nh::ensure_bridge(nl, net, nh::check_bridge(nl, net)), Catch::Contains(net.bridge) && Catch::Contains("10.78.0.5/24") &&
                                                    Catch::Contains("10.77.0.1/24"));
  // It was left exactly as it was: one address, down, MTU untouched.
  auto info = nh::find_link(nl, net.bridge);
  REQUIRE(info.has_value());
  CHECK(nh::link_addresses(nl, info->index, AF_INET).size() == 1);
  CHECK((info->flags & IFF_UP) == 0);
  CHECK(info->mtu == 1500);
}

TEST_CASE("ensure_bridge refuses a link of that name that is not a bridge", "[rtnl]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network(nh_test::unique_name("nhv"));
  LinkCleanup cleanup{{net.bridge}};
  // This kernel may lack the dummy driver: a veth works as well.
  REQUIRE(run("ip link add " + net.bridge + " type dummy 2>/dev/null || ip link add " + net.bridge +
              " type veth peer name " + net.bridge + "p")
              .status == 0);
  auto nl = nh::Netlink::connect();
  CHECK_THROWS_WITH(nh::ensure_bridge(nl, net, nh::check_bridge(nl, net)), Catch::Contains(net.bridge) && Catch::Contains("not a bridge"));
  auto info = nh::find_link(nl, net.bridge);
  REQUIRE(info.has_value());
  CHECK(info->kind != "bridge");
  CHECK(nh::link_addresses(nl, info->index, AF_INET).empty());
}

TEST_CASE("find_link reports an absent link as nullopt", "[rtnl]") {
  NH_REQUIRE_ROOT();
  auto nl = nh::Netlink::connect();
  CHECK_FALSE(nh::find_link(nl, "nhabsent0").has_value());
  auto lo = nh::find_link(nl, "lo");
  REQUIRE(lo.has_value());
  CHECK(lo->kind.empty());
  CHECK(lo->index == 1);
}

TEST_CASE("create_veth puts the host end on the bridge and the peer in the container", "[rtnl]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network(nh_test::unique_name("nhb"));
  const std::string host_end = nh_test::unique_name("nhv");
  LinkCleanup cleanup{{host_end, net.bridge}};
  nh_test::ContainerNetns ctr;
  auto nl = nh::Netlink::connect();
  auto br = nh::ensure_bridge(nl, net, nh::check_bridge(nl, net));
  auto ns = nh::Netns::open_pid(ctr.pid());
  CHECK_FALSE(ns.is_current());

  nh::create_veth(nl, {host_end, br.index, "eth0", ns.fd(), 1400});

  auto host = nh::find_link(nl, host_end);
  REQUIRE(host.has_value());
  CHECK(host->kind == "veth");
  CHECK(host->master == br.index);
  CHECK(host->mtu == 1400);
  CHECK((host->flags & IFF_UP) != 0);
  CHECK_FALSE(nh::find_link(nl, "eth0").has_value());  // the peer is not on the host

  std::optional<nh::Netlink> inside;
  ns.run_inside([&] { inside = nh::Netlink::connect(); });
  auto peer = nh::find_link(*inside, "eth0");
  REQUIRE(peer.has_value());
  CHECK(peer->kind == "veth");
  CHECK(peer->mtu == 1400);
  CHECK((peer->flags & IFF_UP) == 0);  // brought up later, from inside

  // The same seen by ip in the child's namespace.
  auto link = ip_json("link show eth0", ctr.in());
  REQUIRE(link.size() == 1);
  CHECK(link[0]["ifname"] == "eth0");
  CHECK(link[0]["mtu"] == 1400);

  // Creating it again fails with the name in the message.
  CHECK_THROWS_WITH(nh::create_veth(nl, {host_end, br.index, "eth0", ns.fd(), 1400}), Catch::Contains(host_end));

  CHECK(nh::delete_link(nl, host_end));
  CHECK_FALSE(nh::delete_link(nl, host_end));
  CHECK_FALSE(nh::find_link(nl, host_end).has_value());
  CHECK_FALSE(nh::find_link(*inside, "eth0").has_value());  // the pair goes together
}

TEST_CASE("address, link state and default route inside a namespace", "[rtnl]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network(nh_test::unique_name("nhb"));
  const std::string host_end = nh_test::unique_name("nhv");
  LinkCleanup cleanup{{host_end, net.bridge}};
  nh_test::ContainerNetns ctr;
  auto nl = nh::Netlink::connect();
  auto br = nh::ensure_bridge(nl, net, nh::check_bridge(nl, net));
  auto ns = nh::Netns::open_pid(ctr.pid());
  nh::create_veth(nl, {host_end, br.index, "eth0", ns.fd(), 1400});

  std::optional<nh::Netlink> inside;
  ns.run_inside([&] { inside = nh::Netlink::connect(); });
  auto eth = nh::find_link(*inside, "eth0");
  REQUIRE(eth.has_value());
  nh::set_link_up(*inside, eth->index, "eth0");
  nh::add_address(*inside, eth->index, "eth0", nh::Cidr::parse("10.77.0.9/24"));
  nh::add_default_route(*inside, eth->index, "eth0", net.gateway.address());

  CHECK((nh::find_link(*inside, "eth0")->flags & IFF_UP) != 0);
  CHECK(nh::link_addresses(*inside, eth->index, AF_INET) == std::vector<nh::Cidr>{nh::Cidr::parse("10.77.0.9/24")});
  auto routes = ip_json("-4 route show default", ctr.in());
  REQUIRE(routes.size() == 1);
  CHECK(routes[0]["gateway"] == "10.77.0.1");
  CHECK(routes[0]["dev"] == "eth0");
  // A second default route is refused, naming the gateway.
  CHECK_THROWS_WITH(nh::add_default_route(*inside, eth->index, "eth0", net.gateway.address()),
                    Catch::Contains("default route via 10.77.0.1"));
  CHECK_THROWS_AS(nh::add_address(*inside, eth->index, "eth0", nh::Cidr::parse("10.77.0.9/24")), nh::Error);
}

namespace {

// `bridge -d -j link show dev NAME`: the port's bridge settings (null if none).
nlohmann::json bridge_port(const std::string& name) {
  auto r = run("bridge -d -j link show dev " + name + " 2>/dev/null");
  if (r.status != 0 || r.out.find('[') == std::string::npos) return nullptr;
  auto j = nlohmann::json::parse(r.out);
  return j.size() == 1 ? j[0] : nullptr;
}

}  // namespace

TEST_CASE("set_hairpin turns hairpin mode on for a bridge port, touching nothing else", "[rtnl][ports]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network(nh_test::unique_name("nhb"));
  const std::string port = nh_test::unique_name("nhv");
  LinkCleanup cleanup{{port, net.bridge}};
  auto nl = nh::Netlink::connect();
  auto br = nh::ensure_bridge(nl, net, nh::check_bridge(nl, net));
  REQUIRE(run("ip link add " + port + " type veth peer name " + port + "p").status == 0);
  REQUIRE(run("ip link set " + port + " master " + net.bridge).status == 0);

  auto before = bridge_port(port);
  REQUIRE(before.is_object());
  REQUIRE(before["hairpin"] == false);

  nh::set_hairpin(nl, port);

  auto after = bridge_port(port);
  REQUIRE(after.is_object());
  CHECK(after["hairpin"] == true);
  CHECK(run("bridge -d link show dev " + port).out.find("hairpin on") != std::string::npos);
  // The other port flags and settings are left as they were.
  for (const char* key : {"learning", "flood", "guard", "root_block", "fastleave", "priority", "cost", "isolated"}) {
    INFO(key);
    CHECK(after[key] == before[key]);
  }
  CHECK(after["master"] == net.bridge);
  CHECK(nh::find_link(nl, port)->master == br.index);

  // Idempotent.
  CHECK_NOTHROW(nh::set_hairpin(nl, port));
  CHECK(bridge_port(port)["hairpin"] == true);
  // The peer, which is no bridge port, is not made one.
  CHECK(bridge_port(port + "p").is_null());
}

TEST_CASE("set_hairpin on a link that is missing or not on a bridge names it", "[rtnl][ports]") {
  NH_REQUIRE_ROOT();
  auto nl = nh::Netlink::connect();
  CHECK_THROWS_WITH(nh::set_hairpin(nl, "nhabsent0"),
                    Catch::Contains("set hairpin mode on nhabsent0") && Catch::Contains("no such link"));
  CHECK_THROWS_AS(nh::set_hairpin(nl, "nhabsent0"), nh::Error);

  const std::string lone = nh_test::unique_name("nhv");
  LinkCleanup cleanup{{lone}};
  REQUIRE(run("ip link add " + lone + " type veth peer name " + lone + "p").status == 0);
  CHECK_THROWS_WITH(nh::set_hairpin(nl, lone), Catch::Contains("set hairpin mode on " + lone));
}
