// The libiptc backend against the sandbox's own (legacy) iptables tables:
// intents in, the rows iptables-legacy-save prints out.
#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <string>

#include "helpers.hpp"
#include "lib/firewall/firewall.hpp"
#include "lib/firewall/iptables/ruleset.hpp"

namespace ipt = nh::firewall::iptables;
using nh_test::count_lines;
using nh_test::run;

namespace {

// A snapshot that always answers with `f` (the records of these tests do not change).
nh::firewall::Firewall::StaleSnapshot stale_if(std::function<bool(const std::string&)> f) {
  return [f] { return f; };
}

std::string save(int family = AF_INET) {
  auto r = run(family == AF_INET6 ? "ip6tables-legacy-save" : "iptables-legacy-save");
  REQUIRE(r.status == 0);
  return r.out;
}

nh::net::Network test_network(const std::string& subnet = "10.66.0.0/24") {
  nh::net::Network n;
  n.name = nh_test::unique_name("net");
  n.bridge = nh_test::unique_name("nhf");
  n.subnets = {nh::net::make_subnet(subnet, "", "subnet")};
  return n;
}

// Each rendered rule appears `times` times in ip(6)tables-legacy-save's output.
void expect_rules(const std::vector<ipt::Rule>& rules, int times) {
  const std::string out4 = save(AF_INET), out6 = save(AF_INET6);
  for (const auto& r : rules) {
    const std::string& out = r.family == AF_INET6 ? out6 : out4;
    INFO(ipt::to_iptables_save(r) << "\nin:\n" << out);
    CHECK(count_lines(out, ipt::to_iptables_save(r)) == times);
  }
}

nh::firewall::Change ensure(const nh::net::Network& n) {
  nh::firewall::Change c;
  c.ensure_networks.push_back(n);
  return c;
}

nh::firewall::Change remove(const nh::net::Network& n) {
  nh::firewall::Change c;
  c.remove_networks.push_back(n);
  return c;
}

// Removes a network's rules at scope exit, whatever the test did.
struct RemoveAtExit {
  nh::net::Network network;
  ~RemoveAtExit() {
    try {
      nh::firewall::make_firewall("iptables")->apply(remove(network));
    } catch (...) {
    }
  }
};

}  // namespace

TEST_CASE("iptables: a network's rules are installed once, then removed", "[firewall]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network();
  const auto rules = ipt::network_rules(net);
  auto fw = nh::firewall::make_firewall("iptables");
  RemoveAtExit cleanup{net};

  CHECK(fw->missing(ensure(net)).size() >= rules.size());
  CHECK(fw->apply(ensure(net)) >= rules.size());
  expect_rules(rules, 1);
  expect_rules(ipt::global_rules(), 1);
  CHECK(count_lines(save(), "-A POSTROUTING -s 10.66.0.0/24 ! -o " + net.bridge + " -m comment --comment \"netns-hook:" +
                                net.bridge + "\" -j MASQUERADE") == 1);
  CHECK(fw->missing(ensure(net)).empty());

  CHECK(fw->apply(ensure(net)) == 0);  // nothing missing: nothing added, nothing committed
  expect_rules(rules, 1);

  CHECK(fw->apply(remove(net)) == rules.size());
  expect_rules(rules, 0);
  CHECK(fw->apply(remove(net)) == 0);  // already gone: fine
  expect_rules(ipt::global_rules(), 1);  // the jumps stay, shared by every network
}

TEST_CASE("netns-hook's FORWARD chain goes before rules already in FORWARD", "[firewall]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network();
  const std::string blocker = "-A FORWARD -i " + net.bridge + "z -j DROP";
  RemoveAtExit cleanup{net};
  REQUIRE(run("iptables-legacy -A FORWARD -i " + net.bridge + "z -j DROP").status == 0);
  nh_test::AtExit drop_blocker([&] { run("iptables-legacy -D FORWARD -i " + net.bridge + "z -j DROP"); });
  nh::firewall::make_firewall("iptables")->apply(ensure(net));

  const std::string out = save();
  auto pos_blocker = out.find(blocker);
  auto pos_jump = out.find("-A FORWARD -m comment --comment netns-hook -j NETNS-HOOK-FORWARD");
  REQUIRE(pos_blocker != std::string::npos);
  REQUIRE(pos_jump != std::string::npos);
  CHECK(pos_jump < pos_blocker);
  // Isolation comes first in netns-hook's own chain, before any accept.
  auto pos_isolate = out.find("-A NETNS-HOOK-FORWARD -m comment --comment netns-hook -j NETNS-HOOK-ISOLATE");
  auto pos_accept = out.find("-A NETNS-HOOK-FORWARD -i " + net.bridge);
  REQUIRE(pos_isolate != std::string::npos);
  REQUIRE(pos_accept != std::string::npos);
  CHECK(pos_isolate < pos_accept);

  nh::firewall::make_firewall("iptables")->apply(remove(net));
  expect_rules(ipt::network_rules(net), 0);
  CHECK(count_lines(save(), blocker) == 1);  // other rules are left alone
}

TEST_CASE("a restore after the isolation jump was lost puts it back first", "[firewall]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network();
  RemoveAtExit cleanup{net};
  auto fw = nh::firewall::make_firewall("iptables");
  fw->apply(ensure(net));
  REQUIRE(run("iptables-legacy -D NETNS-HOOK-FORWARD -m comment --comment netns-hook -j NETNS-HOOK-ISOLATE").status == 0);
  CHECK(fw->apply(ensure(net)) == 1);
  const std::string out = save();
  const auto isolate = out.find("-A NETNS-HOOK-FORWARD -m comment --comment netns-hook -j NETNS-HOOK-ISOLATE");
  const auto accept = out.find("-A NETNS-HOOK-FORWARD -i " + net.bridge);
  REQUIRE(isolate != std::string::npos);
  REQUIRE(accept != std::string::npos);
  CHECK(isolate < accept);
}

TEST_CASE("the rules of two networks are independent", "[firewall]") {
  NH_REQUIRE_ROOT();
  auto a = test_network();
  auto b = test_network("10.67.0.0/24");
  RemoveAtExit cleanup_a{a}, cleanup_b{b};
  auto fw = nh::firewall::make_firewall("iptables");
  nh::firewall::Change both;
  both.ensure_networks = {a, b};
  fw->apply(both);
  expect_rules(ipt::network_rules(a), 1);
  expect_rules(ipt::network_rules(b), 1);
  fw->apply(remove(a));
  expect_rules(ipt::network_rules(a), 0);
  expect_rules(ipt::network_rules(b), 1);
  fw->apply(remove(b));
  expect_rules(ipt::network_rules(b), 0);
}

TEST_CASE("port rules read back exactly as iptables-save prints them, and go with their container", "[firewall][ports]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network();
  RemoveAtExit cleanup{net};
  nh::firewall::ContainerPorts web{"web-1", net.bridge, {*nh::addr::IpAddress::parse("10.66.0.2")},
                                   nh::addr::parse_ports("8080:80, 127.0.0.1:8081:81/udp, 9000-9001:9100-9101/sctp")};
  const auto dnat = ipt::port_rules(web);
  auto fw = nh::firewall::make_firewall("iptables");
  nh::firewall::Change change = ensure(net);
  change.add_ports.push_back(web);
  nh::firewall::Change removal;
  removal.remove_ports.push_back(web);
  nh_test::AtExit drop_ports([&] { fw->apply(removal); });

  fw->apply(change);
  expect_rules(dnat, 1);
  CHECK(count_lines(save(), ":NETNS-HOOK-DNAT - [0:0]") == 1);
  CHECK(count_lines(save(), "-A NETNS-HOOK-DNAT -d 127.0.0.1/32 -p udp -m udp --dport 8081 -m comment "
                            "--comment \"netns-hook:web-1\" -j DNAT --to-destination 10.66.0.2:81") == 1);
  CHECK(fw->apply(change) == 0);
  expect_rules(dnat, 1);

  // gc: rules of a container the predicate calls stale go, the others stay.
  CHECK(fw->remove_stale_ports(stale_if([](const std::string& id) { return id == "ghost"; }), false).empty());
  expect_rules(dnat, 1);
  CHECK(fw->remove_stale_ports(stale_if([](const std::string& id) { return id == "web-1"; }), true) ==
        std::vector<std::string>{"web-1"});  // each id once, however many rules
  expect_rules(dnat, 1);  // dry run

  // Teardown of one container's ports leaves the network's rules alone.
  CHECK(fw->apply(removal) == dnat.size());
  expect_rules(dnat, 0);
  expect_rules(ipt::network_rules(net), 1);
}

TEST_CASE("a dual-stack network's rules and IPv6 port rules read back from ip6tables-legacy-save", "[firewall][ipv6]") {
  NH_REQUIRE_ROOT();
  auto net = test_network("10.68.0.0/24");
  net.subnets.push_back(nh::net::make_subnet("fd00:68::/64", "", "s"));
  RemoveAtExit cleanup{net};
  nh::firewall::ContainerPorts web{"web6", net.bridge,
                                   {*nh::addr::IpAddress::parse("10.68.0.2"), *nh::addr::IpAddress::parse("fd00:68::2")},
                                   nh::addr::parse_ports("8080:80, [::]:8081:81/udp, [fd00:99::1]:53:53/sctp")};
  auto fw = nh::firewall::make_firewall("iptables");
  nh::firewall::Change change = ensure(net);
  change.add_ports.push_back(web);
  nh::firewall::Change removal;
  removal.remove_ports.push_back(web);
  nh_test::AtExit drop_ports([&] { fw->apply(removal); });

  fw->apply(change);
  expect_rules(ipt::network_rules(net), 1);
  expect_rules(ipt::port_rules(web), 1);
  expect_rules(ipt::global_rules(AF_INET6), 1);
  CHECK(count_lines(save(AF_INET6), "-A NETNS-HOOK-DNAT -p tcp -m tcp --dport 8080 -m comment --comment "
                                    "\"netns-hook:web6\" -j DNAT --to-destination [fd00:68::2]:80") == 1);
  CHECK(count_lines(save(AF_INET6), "-A POSTROUTING -s fd00:68::/64 ! -o " + net.bridge +
                                        " -m comment --comment \"netns-hook:" + net.bridge + "\" -j MASQUERADE") == 1);
  CHECK(save(AF_INET6).find("127.0.0.0/8") == std::string::npos);  // no route_localnet guard in IPv6
  CHECK(fw->missing(change).empty());
  CHECK(fw->apply(change) == 0);

  // gc sees the IPv6 port rules too.
  CHECK(fw->remove_stale_ports(stale_if([](const std::string& id) { return id == "web6"; }), true) ==
        std::vector<std::string>{"web6"});
  CHECK(fw->apply(removal) == ipt::port_rules(web).size());
  expect_rules(ipt::port_rules(web), 0);
  fw->apply(remove(net));
  expect_rules(ipt::network_rules(net), 0);
}
