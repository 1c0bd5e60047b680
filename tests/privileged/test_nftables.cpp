// The libnftnl backend against the sandbox's own nf_tables: intents in, what
// `nft` lists out (the rules as `nft list table` prints them, the elements
// as `nft -j` gives them).
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <tuple>

#include "helpers.hpp"
#include "lib/firewall/firewall.hpp"
#include "lib/firewall/nftables/ruleset.hpp"

namespace nft = nh::firewall::nftables;
using nh_test::count_lines;
using nh_test::run;

namespace {

// A snapshot that always answers with `f` (the records of these tests do not change).
nh::firewall::Firewall::StaleSnapshot stale_if(std::function<bool(const std::string&)> f) {
  return [f] { return f; };
}

// The table as `nft list` prints it, each line without its indentation.
std::string listing() {
  auto r = run("nft list table inet netns_hook 2>/dev/null | sed -e \"s/^[[:space:]]*//\"");
  return r.status == 0 ? r.out : "";
}

// Every element of the port maps, as "map: key comment: data".
std::set<std::string> elements() {
  auto r = run("nft -j list table inet netns_hook 2>/dev/null");
  std::set<std::string> out;
  REQUIRE(r.status == 0);  // the table exists where this is asked
  auto text = [](const nlohmann::json& concat) {
    std::string s;
    for (const auto& v : concat) s += (s.empty() ? "" : " . ") + (v.is_string() ? v.get<std::string>() : v.dump());
    return s;
  };
  const auto listed = nlohmann::json::parse(r.out);  // (not a temporary in the loop: it would dangle)
  for (const auto& o : listed.at("nftables")) {
    if (!o.contains("map") || !o["map"].contains("elem")) continue;
    for (const auto& e : o["map"]["elem"])
      out.insert(o["map"]["name"].get<std::string>() + ": " + text(e[0]["elem"]["val"]["concat"]) + " " +
                 e[0]["elem"].value("comment", "") + ": " + text(e[1]["concat"]));
  }
  return out;
}

// How many rules the table has (elements are not rules).
std::size_t nft_rule_count() {
  auto r = run("nft -j list table inet netns_hook 2>/dev/null");
  std::size_t n = 0;
  REQUIRE(r.status == 0);  // the table exists where this is asked
  const auto listed = nlohmann::json::parse(r.out);
  for (const auto& o : listed.at("nftables")) n += o.contains("rule");
  return n;
}

nh::net::Network test_network(const std::string& subnet) {
  nh::net::Network n;
  n.name = nh_test::unique_name("net");
  n.bridge = nh_test::unique_name("nhn");
  n.subnets = {nh::net::make_subnet(subnet, "", "subnet")};
  return n;
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

// Each rule appears `times` times in the listing, in its chain.
void expect_rules(const std::vector<nft::Rule>& rules, int times) {
  const std::string out = listing();
  for (const auto& r : rules) {
    INFO(nft::to_nft(r) << "\nin:\n" << out);
    CHECK(count_lines(out, nft::to_nft(r)) == times);
  }
}

struct RemoveAtExit {
  nh::net::Network network;
  ~RemoveAtExit() {
    try {
      nh::firewall::make_firewall("nftables")->apply(remove(network));
    } catch (...) {
    }
  }
};

}  // namespace

TEST_CASE("nftables: a network's rules are installed once, then removed", "[nftables]") {
  NH_REQUIRE_ROOT();
  auto net = test_network("10.67.0.0/24");
  net.subnets.push_back(nh::net::make_subnet("fd00:67::/64", "", "subnet"));
  const auto rules = nft::network_rules(net);
  auto fw = nh::firewall::make_firewall("nftables");
  RemoveAtExit cleanup{net};

  CHECK(fw->missing(ensure(net)).size() >= rules.size());
  CHECK(fw->apply(ensure(net)) >= rules.size());
  expect_rules(rules, 1);
  expect_rules(nft::global_rules(), 1);
  CHECK(count_lines(listing(), "ip6 saddr fd00:67::/64 oifname != \"" + net.bridge +
                                   "\" masquerade comment \"netns-hook:" + net.bridge + " masquerade 6\"") == 1);
  CHECK(fw->missing(ensure(net)).empty());
  CHECK(fw->apply(ensure(net)) == 0);  // nothing missing: no batch
  expect_rules(rules, 1);

  CHECK(fw->apply(remove(net)) == rules.size());
  expect_rules(rules, 0);
  CHECK(fw->apply(remove(net)) == 0);
  expect_rules(nft::global_rules(), 1);  // shared by every network: they stay
}

TEST_CASE("nftables: every base chain accepts by policy, at the documented hooks", "[nftables]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network("10.68.0.0/24");
  RemoveAtExit cleanup{net};
  nh::firewall::make_firewall("nftables")->apply(ensure(net));
  const std::string out = listing();
  CHECK(count_lines(out, "type nat hook prerouting priority dstnat; policy accept;") == 1);
  CHECK(count_lines(out, "type nat hook output priority -100; policy accept;") == 1);
  CHECK(count_lines(out, "type nat hook postrouting priority srcnat; policy accept;") == 1);
  CHECK(count_lines(out, "type filter hook forward priority filter; policy accept;") == 1);
  CHECK(count_lines(out, "type filter hook input priority filter; policy accept;") == 1);
  CHECK(out.find("policy drop") == std::string::npos);
}

TEST_CASE("nftables: published ports are map elements that go with their container", "[nftables][ports]") {
  NH_REQUIRE_ROOT();
  auto net = test_network("10.69.0.0/24");
  net.subnets.push_back(nh::net::make_subnet("fd00:69::/64", "", "subnet"));
  RemoveAtExit cleanup{net};
  nh::firewall::ContainerPorts web{"web-1", net.bridge,
                                   {*nh::addr::IpAddress::parse("10.69.0.2"), *nh::addr::IpAddress::parse("fd00:69::2")},
                                   nh::addr::parse_ports("8080:80, 127.0.0.1:8081:81/udp, 9000-9001:9100-9101/sctp")};
  auto fw = nh::firewall::make_firewall("nftables");
  nh::firewall::Change change = ensure(net);
  change.add_ports.push_back(web);
  nh::firewall::Change removal;
  removal.remove_ports.push_back(web);
  nh_test::AtExit drop_ports([&] { fw->apply(removal); });
  

  fw->apply(change);
  const std::set<std::string> expected = {
      "ports4any: tcp . 8080 netns-hook:web-1: 10.69.0.2 . 80",
      "ports6any: tcp . 8080 netns-hook:web-1: fd00:69::2 . 80",
      "ports4: 127.0.0.1 . udp . 8081 netns-hook:web-1: 10.69.0.2 . 81",
      "ports4any: sctp . 9000 netns-hook:web-1: 10.69.0.2 . 9100",
      "ports4any: sctp . 9001 netns-hook:web-1: 10.69.0.2 . 9101",
      "ports6any: sctp . 9000 netns-hook:web-1: fd00:69::2 . 9100",
      "ports6any: sctp . 9001 netns-hook:web-1: fd00:69::2 . 9101",
  };
  CHECK(elements() == expected);
  CHECK(fw->apply(change) == 0);

  // Another container's ports add elements, never rules.
  const auto rules_with_one = nft_rule_count();
  nh::firewall::ContainerPorts api{"api-1", net.bridge, {*nh::addr::IpAddress::parse("10.69.0.3")},
                                   nh::addr::parse_ports("8443:443")};
  nh::firewall::Change more;
  more.add_ports.push_back(api);
  CHECK(fw->apply(more) == 1);
  CHECK(nft_rule_count() == rules_with_one);
  CHECK(elements().count("ports4any: tcp . 8443 netns-hook:api-1: 10.69.0.3 . 443") == 1);

  // gc: the elements of a container the predicate calls stale go, the others stay.
  CHECK(fw->remove_stale_ports(stale_if([](const std::string& id) { return id == "ghost"; }), false).empty());
  CHECK(fw->remove_stale_ports(stale_if([](const std::string& id) { return id == "api-1"; }), true) ==
        std::vector<std::string>{"api-1"});
  CHECK(elements().size() == expected.size() + 1);  // dry run
  CHECK(fw->remove_stale_ports(stale_if([](const std::string& id) { return id == "api-1"; }), false) ==
        std::vector<std::string>{"api-1"});
  CHECK(elements() == expected);

  // Teardown of one container's ports: exactly its elements, the rules stay.
  CHECK(fw->apply(removal) == expected.size());
  CHECK(elements().empty());
  CHECK(nft_rule_count() == rules_with_one);
}

TEST_CASE("nftables: a stale element for a port is replaced by the container the port is given to", "[nftables][ports]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network("10.70.0.0/24");
  RemoveAtExit cleanup{net};
  auto fw = nh::firewall::make_firewall("nftables");
  nh::firewall::ContainerPorts ghost{"ghost", net.bridge, {*nh::addr::IpAddress::parse("10.70.0.9")},
                                     nh::addr::parse_ports("7070:80")};
  nh::firewall::ContainerPorts fresh{"fresh", net.bridge, {*nh::addr::IpAddress::parse("10.70.0.2")},
                                     nh::addr::parse_ports("7070:8080")};
  nh::firewall::Change a = ensure(net), b, gone;
  a.add_ports.push_back(ghost);
  b.add_ports.push_back(fresh);
  gone.remove_ports.push_back(fresh);
  nh_test::AtExit drop([&] { fw->apply(gone); });
  fw->apply(a);
  CHECK(elements().count("ports4any: tcp . 7070 netns-hook:ghost: 10.70.0.9 . 80") == 1);
  fw->apply(b);
  CHECK(elements().count("ports4any: tcp . 7070 netns-hook:ghost: 10.70.0.9 . 80") == 0);
  CHECK(elements().count("ports4any: tcp . 7070 netns-hook:fresh: 10.70.0.2 . 8080") == 1);
  // The ghost's teardown, late, does not take the element that is not its own.
  nh::firewall::Change late;
  late.remove_ports.push_back(ghost);
  CHECK(fw->apply(late) == 0);
  CHECK(elements().count("ports4any: tcp . 7070 netns-hook:fresh: 10.70.0.2 . 8080") == 1);
}

TEST_CASE("nftables: restore after nft flush ruleset puts back exactly what was there", "[nftables]") {
  NH_REQUIRE_ROOT();
  const auto net = test_network("10.71.0.0/24");
  RemoveAtExit cleanup{net};
  auto fw = nh::firewall::make_firewall("nftables");
  nh::firewall::ContainerPorts web{"web-2", net.bridge, {*nh::addr::IpAddress::parse("10.71.0.2")},
                                   nh::addr::parse_ports("6060:80")};
  nh::firewall::Change change = ensure(net);
  change.add_ports.push_back(web);
  fw->apply(change);
  const std::string before = listing();
  REQUIRE_FALSE(before.empty());  // (listing() is "" when nft cannot list the table)
  REQUIRE(run("nft flush ruleset").status == 0);
  CHECK(listing().empty());
  CHECK(fw->missing(change).size() > 1);
  CHECK(fw->apply(change) > 0);
  CHECK(listing() == before);
  nh::firewall::Change removal;
  removal.remove_ports.push_back(web);
  fw->apply(removal);
}
