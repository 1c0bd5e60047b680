// The libiptc backend against the sandbox's own (legacy) iptables tables.
#include <catch2/catch.hpp>

#include <string>

#include "helpers.hpp"
#include "lib/config.hpp"
#include "lib/firewall.hpp"

using nh_test::count_lines;
using nh_test::run;

namespace {

std::string save() {
  auto r = run("iptables-legacy-save");
  REQUIRE(r.status == 0);
  return r.out;
}

nh::Network test_network() {
  nh::Network net;
  net.bridge = nh_test::unique_name("nhf");
  net.gateway = nh::Cidr::parse("10.66.0.1/24");
  return net;
}

// Each rendered rule appears `times` times in iptables-legacy-save's output.
void expect_rules(const std::vector<nh::Rule>& rules, int times) {
  const std::string out = save();
  for (const auto& r : rules) {
    INFO(nh::to_iptables_save(r) << "\nin:\n" << out);
    CHECK(count_lines(out, nh::to_iptables_save(r)) == times);
  }
}

// Removes the rules at scope exit, whatever the test did.
struct RemoveAtExit {
  std::vector<nh::Rule> rules;
  ~RemoveAtExit() {
    try {
      nh::make_firewall("iptables")->remove(rules);
    } catch (...) {
    }
  }
};

}  // namespace

TEST_CASE("iptables ensure installs each rule once and remove takes them away", "[firewall]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network();
  const auto rules = nh::bridge_rules(net);
  auto fw = nh::make_firewall("iptables");
  RemoveAtExit cleanup{rules};

  fw->ensure(rules);
  expect_rules(rules, 1);
  const std::string after_first = save();
  CHECK(count_lines(after_first, "-A POSTROUTING -s 10.66.0.0/24 ! -o " + net.bridge + " -m comment --comment \"netns-hook:" +
                                     net.bridge + "\" -j MASQUERADE") == 1);

  fw->ensure(rules);  // nothing missing: nothing added
  expect_rules(rules, 1);

  fw->remove(rules);
  expect_rules(rules, 0);
  CHECK_NOTHROW(fw->remove(rules));  // already gone: fine
  expect_rules(rules, 0);
}

TEST_CASE("FORWARD rules go before rules already in the chain", "[firewall]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network();
  const auto rules = nh::bridge_rules(net);
  const std::string blocker = "-A FORWARD -i " + net.bridge + "z -j DROP";
  RemoveAtExit cleanup{rules};
  REQUIRE(run("iptables-legacy -A FORWARD -i " + net.bridge + "z -j DROP").status == 0);
  nh_test::AtExit drop_blocker([&] { run("iptables-legacy -D FORWARD -i " + net.bridge + "z -j DROP"); });
  auto fw = nh::make_firewall("iptables");
  fw->ensure(rules);

  const std::string out = save();
  auto pos_blocker = out.find(blocker);
  REQUIRE(pos_blocker != std::string::npos);
  for (const auto& r : rules) {
    if (r.chain != "FORWARD") continue;
    auto pos = out.find(nh::to_iptables_save(r));
    INFO(nh::to_iptables_save(r) << "\nin:\n" << out);
    REQUIRE(pos != std::string::npos);
    CHECK(pos < pos_blocker);
  }

  fw->remove(rules);
  expect_rules(rules, 0);
  CHECK(count_lines(save(), blocker) == 1);  // other rules are left alone
}

TEST_CASE("rules of two bridges are independent", "[firewall]") {
  NH_REQUIRE_ROOT();
  auto a = test_network();
  auto b = test_network();
  b.gateway = nh::Cidr::parse("10.67.0.1/24");
  RemoveAtExit cleanup_a{nh::bridge_rules(a)}, cleanup_b{nh::bridge_rules(b)};
  auto fw = nh::make_firewall("iptables");
  fw->ensure(nh::bridge_rules(a));
  fw->ensure(nh::bridge_rules(b));
  expect_rules(nh::bridge_rules(a), 1);
  expect_rules(nh::bridge_rules(b), 1);
  fw->remove(nh::bridge_rules(a));
  expect_rules(nh::bridge_rules(a), 0);
  expect_rules(nh::bridge_rules(b), 1);
  fw->remove(nh::bridge_rules(b));
  expect_rules(nh::bridge_rules(b), 0);
}

TEST_CASE("publish and port rules read back exactly as iptables-save prints them", "[firewall][ports]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network();
  auto rules = nh::publish_rules(net);
  const auto ports = nh::parse_ports("8080:80, 127.0.0.1:8081:81/udp, 9000-9001:9100-9101/sctp");
  const auto dnat = nh::port_rules("web-1", *nh::IpAddress::parse("10.66.0.2"), ports);
  rules.insert(rules.end(), dnat.begin(), dnat.end());
  auto fw = nh::make_firewall("iptables");
  RemoveAtExit cleanup{rules};

  fw->ensure(rules);
  expect_rules(rules, 1);
  CHECK(count_lines(save(), ":NETNS-HOOK-DNAT - [0:0]") == 1);
  CHECK(count_lines(save(), "-A NETNS-HOOK-DNAT -d 127.0.0.1/32 -p udp -m udp --dport 8081 -m comment "
                            "--comment \"netns-hook:web-1\" -j DNAT --to-destination 10.66.0.2:81") == 1);
  fw->ensure(rules);
  expect_rules(rules, 1);

  // Teardown of one container's ports leaves the shared rules alone.
  fw->remove(dnat);
  expect_rules(dnat, 0);
  expect_rules(nh::publish_rules(net), 1);
}
