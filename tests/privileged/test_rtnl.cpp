// lib/netlink against the kernel: bridges, veth pairs, addresses and routes in the sandbox namespace.
#include <catch2/catch.hpp>

#include <linux/if.h>
#include <sys/socket.h>

#include <cstdio>
#include <optional>

#include "helpers.hpp"
#include "lib/input/settings.hpp"
#include "lib/base/error.hpp"
#include "lib/net/names.hpp"
#include "lib/netlink/netns.hpp"
#include "lib/netlink/address.hpp"
#include "lib/netlink/bridge.hpp"
#include "lib/netlink/link.hpp"
#include "lib/netlink/veth.hpp"

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

// A bridge spec with one gateway; `gateway` is what the tests compare against.
struct TestBridge : nh::netlink::BridgeSpec {
  nh::addr::Cidr gateway;
};

TestBridge test_network(const std::string& bridge, const std::string& gateway = "10.77.0.1/24") {
  TestBridge net;
  net.name = bridge;
  net.gateway = nh::addr::Cidr::parse(gateway);
  net.gateways = {net.gateway};
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
  LinkCleanup cleanup{{net.name}};
  auto nl = nh::netlink::Netlink::connect();

  auto res = nh::netlink::ensure_bridge(nl, net, nh::netlink::check_bridge(nl, net));
  CHECK(res.created);
  auto info = nh::netlink::find_link(nl, net.name);
  REQUIRE(info.has_value());
  CHECK(info->index == res.index);
  CHECK(info->kind == "bridge");
  CHECK(info->mtu == 1400);
  CHECK((info->flags & IFF_UP) != 0);
  CHECK(nh::netlink::link_addresses(nl, res.index, AF_INET) == std::vector<nh::addr::Cidr>{net.gateway});

  // Seen from outside the library.
  auto link = ip_json("link show " + net.name);
  REQUIRE(link.size() == 1);
  CHECK(link[0]["address"] == mac_string(nh::netlink::bridge_mac(net.name)));
  CHECK(link[0]["mtu"] == 1400);
  auto addr = ip_json("-4 addr show dev " + net.name);
  REQUIRE(addr.size() == 1);
  REQUIRE(addr[0]["addr_info"].size() == 1);
  CHECK(addr[0]["addr_info"][0]["local"] == "10.77.0.1");
  CHECK(addr[0]["addr_info"][0]["prefixlen"] == 24);
  CHECK(addr[0]["addr_info"][0]["broadcast"] == "10.77.0.255");

  auto again = nh::netlink::ensure_bridge(nl, net, nh::netlink::check_bridge(nl, net));
  CHECK_FALSE(again.created);
  CHECK(again.index == res.index);
  CHECK(nh::netlink::link_addresses(nl, res.index, AF_INET).size() == 1);
}

TEST_CASE("ensure_bridge repairs MTU, state and a missing address", "[rtnl]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network(nh_test::unique_name("nhb"));
  LinkCleanup cleanup{{net.name}};
  REQUIRE(run("ip link add " + net.name + " mtu 1300 type bridge").status == 0);
  auto nl = nh::netlink::Netlink::connect();
  auto res = nh::netlink::ensure_bridge(nl, net, nh::netlink::check_bridge(nl, net));
  CHECK_FALSE(res.created);
  auto info = nh::netlink::find_link(nl, net.name);
  REQUIRE(info.has_value());
  CHECK(info->mtu == 1400);
  CHECK((info->flags & IFF_UP) != 0);
  CHECK(nh::netlink::link_addresses(nl, res.index, AF_INET) == std::vector<nh::addr::Cidr>{net.gateway});
}

TEST_CASE("ensure_bridge refuses a bridge with another address", "[rtnl]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network(nh_test::unique_name("nhb"));
  LinkCleanup cleanup{{net.name}};
  REQUIRE(run("ip link add " + net.name + " type bridge").status == 0);
  REQUIRE(run("ip addr add 10.78.0.5/24 dev " + net.name).status == 0);
  auto nl = nh::netlink::Netlink::connect();
  CHECK_THROWS_WITH(nh::netlink::ensure_bridge(nl, net, nh::netlink::check_bridge(nl, net)), Catch::Contains(net.name) && Catch::Contains("10.78.0.5/24") &&
                                                    Catch::Contains("10.77.0.1/24"));
  // It was left exactly as it was: one address, down, MTU untouched.
  auto info = nh::netlink::find_link(nl, net.name);
  REQUIRE(info.has_value());
  CHECK(nh::netlink::link_addresses(nl, info->index, AF_INET).size() == 1);
  CHECK((info->flags & IFF_UP) == 0);
  CHECK(info->mtu == 1500);
}

TEST_CASE("ensure_bridge refuses a link of that name that is not a bridge", "[rtnl]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network(nh_test::unique_name("nhv"));
  LinkCleanup cleanup{{net.name}};
  // This kernel may lack the dummy driver: a veth works as well.
  REQUIRE(run("ip link add " + net.name + " type dummy 2>/dev/null || ip link add " + net.name +
              " type veth peer name " + net.name + "p")
              .status == 0);
  auto nl = nh::netlink::Netlink::connect();
  CHECK_THROWS_WITH(nh::netlink::ensure_bridge(nl, net, nh::netlink::check_bridge(nl, net)), Catch::Contains(net.name) && Catch::Contains("not a bridge"));
  auto info = nh::netlink::find_link(nl, net.name);
  REQUIRE(info.has_value());
  CHECK(info->kind != "bridge");
  CHECK(nh::netlink::link_addresses(nl, info->index, AF_INET).empty());
}

TEST_CASE("find_link reports an absent link as nullopt", "[rtnl]") {
  NH_REQUIRE_ROOT();
  auto nl = nh::netlink::Netlink::connect();
  CHECK_FALSE(nh::netlink::find_link(nl, "nhabsent0").has_value());
  auto lo = nh::netlink::find_link(nl, "lo");
  REQUIRE(lo.has_value());
  CHECK(lo->kind.empty());
  CHECK(lo->index == 1);
}

TEST_CASE("create_veth puts the host end on the bridge and the peer in the container", "[rtnl]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network(nh_test::unique_name("nhb"));
  const std::string host_end = nh_test::unique_name("nhv");
  LinkCleanup cleanup{{host_end, net.name}};
  nh_test::ContainerNetns ctr;
  auto nl = nh::netlink::Netlink::connect();
  auto br = nh::netlink::ensure_bridge(nl, net, nh::netlink::check_bridge(nl, net));
  auto ns = nh::netlink::Netns::open_pid(ctr.pid());
  CHECK_FALSE(ns.is_current());

  auto made = nh::netlink::create_veth(nl, {host_end, br.index, "eth0", ns.fd(), 1400, ""});

  auto host = nh::netlink::find_link(nl, host_end);
  REQUIRE(host.has_value());
  // This kernel (6.3 on) echoes the new link: its index and MAC, as a lookup sees them.
  REQUIRE(made.has_value());
  CHECK(made->index == host->index);
  CHECK(made->mac == host->mac);
  CHECK(host->kind == "veth");
  CHECK(host->master == br.index);
  CHECK(host->mtu == 1400);
  CHECK((host->flags & IFF_UP) != 0);
  CHECK_FALSE(nh::netlink::find_link(nl, "eth0").has_value());  // the peer is not on the host

  std::optional<nh::netlink::Netlink> inside;
  ns.run_inside([&] { inside = nh::netlink::Netlink::connect(); });
  auto peer = nh::netlink::find_link(*inside, "eth0");
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
  CHECK_THROWS_WITH(nh::netlink::create_veth(nl, {host_end, br.index, "eth0", ns.fd(), 1400, ""}), Catch::Contains(host_end));

  CHECK(nh::netlink::delete_link(nl, host_end));
  CHECK_FALSE(nh::netlink::delete_link(nl, host_end));
  CHECK_FALSE(nh::netlink::find_link(nl, host_end).has_value());
  CHECK_FALSE(nh::netlink::find_link(*inside, "eth0").has_value());  // the pair goes together
}

TEST_CASE("address, link state and default route inside a namespace", "[rtnl]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network(nh_test::unique_name("nhb"));
  const std::string host_end = nh_test::unique_name("nhv");
  LinkCleanup cleanup{{host_end, net.name}};
  nh_test::ContainerNetns ctr;
  auto nl = nh::netlink::Netlink::connect();
  auto br = nh::netlink::ensure_bridge(nl, net, nh::netlink::check_bridge(nl, net));
  auto ns = nh::netlink::Netns::open_pid(ctr.pid());
  nh::netlink::create_veth(nl, {host_end, br.index, "eth0", ns.fd(), 1400, ""});

  std::optional<nh::netlink::Netlink> inside;
  ns.run_inside([&] { inside = nh::netlink::Netlink::connect(); });
  auto eth = nh::netlink::find_link(*inside, "eth0");
  REQUIRE(eth.has_value());
  nh::netlink::set_link_up(*inside, eth->index, "eth0");
  nh::netlink::add_address(*inside, eth->index, "eth0", nh::addr::Cidr::parse("10.77.0.9/24"));
  nh::netlink::add_default_route(*inside, eth->index, "eth0", net.gateway.address());

  CHECK((nh::netlink::find_link(*inside, "eth0")->flags & IFF_UP) != 0);
  CHECK(nh::netlink::link_addresses(*inside, eth->index, AF_INET) == std::vector<nh::addr::Cidr>{nh::addr::Cidr::parse("10.77.0.9/24")});
  auto routes = ip_json("-4 route show default", ctr.in());
  REQUIRE(routes.size() == 1);
  CHECK(routes[0]["gateway"] == "10.77.0.1");
  CHECK(routes[0]["dev"] == "eth0");
  // A second default route is refused, naming the gateway.
  CHECK_THROWS_WITH(nh::netlink::add_default_route(*inside, eth->index, "eth0", net.gateway.address()),
                    Catch::Contains("default route via 10.77.0.1"));
  CHECK_THROWS_AS(nh::netlink::add_address(*inside, eth->index, "eth0", nh::addr::Cidr::parse("10.77.0.9/24")), nh::base::Error);
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
  LinkCleanup cleanup{{port, net.name}};
  auto nl = nh::netlink::Netlink::connect();
  auto br = nh::netlink::ensure_bridge(nl, net, nh::netlink::check_bridge(nl, net));
  REQUIRE(run("ip link add " + port + " type veth peer name " + port + "p").status == 0);
  REQUIRE(run("ip link set " + port + " master " + net.name).status == 0);

  auto before = bridge_port(port);
  REQUIRE(before.is_object());
  REQUIRE(before["hairpin"] == false);

  nh::netlink::set_hairpin(nl, {port});  // by name

  auto after = bridge_port(port);
  REQUIRE(after.is_object());
  CHECK(after["hairpin"] == true);
  CHECK(run("bridge -d link show dev " + port).out.find("hairpin on") != std::string::npos);
  // The other port flags and settings are left as they were.
  for (const char* key : {"learning", "flood", "guard", "root_block", "fastleave", "priority", "cost", "isolated"}) {
    INFO(key);
    CHECK(after[key] == before[key]);
  }
  CHECK(after["master"] == net.name);
  CHECK(nh::netlink::find_link(nl, port)->master == br.index);

  // Idempotent; by index (as setup passes the veth it made).
  CHECK_NOTHROW(nh::netlink::set_hairpin(nl, {port, nh::netlink::find_link(nl, port)->index}));
  CHECK(bridge_port(port)["hairpin"] == true);
  // The peer, which is no bridge port, is not made one.
  CHECK(bridge_port(port + "p").is_null());
}

TEST_CASE("set_hairpin on a link that is missing or not on a bridge names it", "[rtnl][ports]") {
  NH_REQUIRE_ROOT();
  auto nl = nh::netlink::Netlink::connect();
  CHECK_THROWS_WITH(nh::netlink::set_hairpin(nl, {"nhabsent0"}),
                    Catch::Contains("set hairpin mode on nhabsent0") && Catch::Contains("no such link"));
  CHECK_THROWS_AS(nh::netlink::set_hairpin(nl, {"nhabsent0"}), nh::base::Error);

  const std::string lone = nh_test::unique_name("nhv");
  LinkCleanup cleanup{{lone}};
  REQUIRE(run("ip link add " + lone + " type veth peer name " + lone + "p").status == 0);
  CHECK_THROWS_WITH(nh::netlink::set_hairpin(nl, {lone}), Catch::Contains("set hairpin mode on " + lone));
}
