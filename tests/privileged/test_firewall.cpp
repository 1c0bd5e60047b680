// The libiptc backend against the sandbox's own (legacy) iptables tables:
// intents in, the rows iptables-legacy-save prints out.
#include <catch2/catch.hpp>

#include <string>

#include "helpers.hpp"
#include "lib/firewall/firewall.hpp"
#include "lib/firewall/iptables/ruleset.hpp"

namespace ipt = nh::firewall::iptables;
using nh_test::count_lines;
using nh_test::run;

namespace {

std::string save() {
  auto r = run("iptables-legacy-save");
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

// Each rendered rule appears `times` times in iptables-legacy-save's output.
void expect_rules(const std::vector<ipt::Rule>& rules, int times) {
  const std::string out = save();
  for (const auto& r : rules) {
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
  CHECK(out.find("-A NETNS-HOOK-FORWARD -m comment --comment netns-hook -j NETNS-HOOK-ISOLATE") <
        out.find("-A NETNS-HOOK-FORWARD -i " + net.bridge));
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
  CHECK(fw->remove_stale_ports([](const std::string& id) { return id == "ghost"; }, false).empty());
  expect_rules(dnat, 1);
  CHECK(fw->remove_stale_ports([](const std::string& id) { return id == "web-1"; }, true).size() == dnat.size());
  expect_rules(dnat, 1);  // dry run

  // Teardown of one container's ports leaves the network's rules alone.
  CHECK(fw->apply(removal) == dnat.size());
  expect_rules(dnat, 0);
  expect_rules(ipt::network_rules(net), 1);
}
