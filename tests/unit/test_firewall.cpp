// bridge_rules rendered as iptables-save lines: the golden rule set.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "lib/config.hpp"
#include "lib/error.hpp"
#include "lib/firewall.hpp"

namespace {

struct Rendered {
  std::string table;
  bool insert_first;
  std::string line;
  friend bool operator==(const Rendered&, const Rendered&) = default;
};

std::ostream& operator<<(std::ostream& os, const Rendered& r) {
  return os << "[" << r.table << (r.insert_first ? ", insert_first] " : "] ") << r.line;
}

std::vector<Rendered> render(const nh::Network& net) {
  std::vector<Rendered> out;
  for (const auto& r : nh::bridge_rules(net)) out.push_back({r.table, r.insert_first, nh::to_iptables_save(r)});
  return out;
}

}  // namespace

TEST_CASE("bridge_rules for the default network", "[firewall]") {
  const std::vector<Rendered> expected = {
      {"nat", false,
       "-A POSTROUTING -s 172.19.0.0/16 ! -o netns0 -m comment --comment \"netns-hook:netns0\" -j MASQUERADE"},
      {"filter", true, "-A FORWARD -i netns0 -m comment --comment \"netns-hook:netns0\" -j ACCEPT"},
      {"filter", true,
       "-A FORWARD -o netns0 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment \"netns-hook:netns0\" "
       "-j ACCEPT"},
  };
  CHECK(render(nh::Network{}) == expected);
}

TEST_CASE("bridge_rules follow --bridge and --ip", "[firewall]") {
  auto s = nh::build_settings(std::nullopt, {{"bridge", "br7"}, {"ip", "10.1.2.1/24"}});
  const std::vector<Rendered> expected = {
      {"nat", false, "-A POSTROUTING -s 10.1.2.0/24 ! -o br7 -m comment --comment \"netns-hook:br7\" -j MASQUERADE"},
      {"filter", true, "-A FORWARD -i br7 -m comment --comment \"netns-hook:br7\" -j ACCEPT"},
      {"filter", true,
       "-A FORWARD -o br7 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment \"netns-hook:br7\" "
       "-j ACCEPT"},
  };
  CHECK(render(s.network) == expected);
}

TEST_CASE("bridge_rules is a pure function of the network", "[firewall]") {
  nh::Network a;
  nh::Network b;
  CHECK(nh::bridge_rules(a) == nh::bridge_rules(b));
  b.mtu = 9000;  // not part of any rule
  b.iface = "ceth0";
  CHECK(nh::bridge_rules(a) == nh::bridge_rules(b));
  b.bridge = "netns1";
  CHECK(nh::bridge_rules(a) != nh::bridge_rules(b));
}

TEST_CASE("to_iptables_save renders negated input and plain rules", "[firewall]") {
  nh::Rule r;
  r.chain = "INPUT";
  r.in_iface = "eth1";
  r.in_negated = true;
  r.target = "DROP";
  CHECK(nh::to_iptables_save(r) == "-A INPUT ! -i eth1 -j DROP");
}

TEST_CASE("make_firewall knows its backends", "[firewall]") {
  CHECK(nh::make_firewall("none") != nullptr);
  CHECK(nh::make_firewall("iptables") != nullptr);  // constructing touches nothing
  CHECK_THROWS_WITH(nh::make_firewall("nope"), Catch::Contains("\"nope\"") && Catch::Contains("unknown"));
  CHECK_THROWS_AS(nh::make_firewall(""), nh::Error);
  // "none" accepts any rule set without touching the system.
  auto none = nh::make_firewall("none");
  CHECK_NOTHROW(none->ensure(nh::bridge_rules(nh::Network{})));
  CHECK_NOTHROW(none->remove(nh::bridge_rules(nh::Network{})));
}
