// The iptables backend's rows, as iptables-save lines: the golden rule sets
// (global_rules, network_rules, port_rules). The strings are what
// iptables-legacy-save prints.
#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <string>
#include <vector>

#include "lib/addr/port_mapping.hpp"
#include "lib/base/error.hpp"
#include "lib/firewall/firewall.hpp"
#include "lib/firewall/iptables/ruleset.hpp"
#include "lib/input/settings.hpp"

namespace ipt = nh::firewall::iptables;

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

std::vector<Rendered> render(const std::vector<ipt::Rule>& rules) {
  std::vector<Rendered> out;
  for (const auto& r : rules) out.push_back({r.table, r.insert_first, ipt::to_iptables_save(r)});
  return out;
}

nh::net::Network default_network() { return nh::input::Settings::default_network_defaults(); }

nh::net::Network network(const std::string& name, const std::string& bridge, const std::string& subnet) {
  nh::net::Network n;
  n.name = name;
  n.bridge = bridge;
  n.subnets = {nh::net::make_subnet(subnet, "", "subnet")};
  return n;
}

nh::addr::IpAddress ip(const std::string& text) { return *nh::addr::IpAddress::parse(text); }

nh::firewall::ContainerPorts ports(const std::string& id, const std::string& target, const std::string& spec) {
  return {id, "netns0", {ip(target)}, nh::addr::parse_ports(spec)};
}

const std::string kTag = "-m comment --comment \"netns-hook:netns0\"";

}  // namespace

TEST_CASE("global_rules: the jumps into netns-hook's chains, isolation first", "[firewall]") {
  const std::vector<Rendered> expected = {
      {"nat", false, "-A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment netns-hook -j NETNS-HOOK-DNAT"},
      {"nat", false, "-A OUTPUT -m addrtype --dst-type LOCAL -m comment --comment netns-hook -j NETNS-HOOK-DNAT"},
      {"filter", true, "-A FORWARD -m comment --comment netns-hook -j NETNS-HOOK-FORWARD"},
      {"filter", true, "-A NETNS-HOOK-FORWARD -m comment --comment netns-hook -j NETNS-HOOK-ISOLATE"},
  };
  CHECK(render(ipt::global_rules()) == expected);
}

TEST_CASE("network_rules for the default network", "[firewall]") {
  const std::vector<Rendered> expected = {
      {"nat", false, "-A POSTROUTING -s 172.19.0.0/16 ! -o netns0 " + kTag + " -j MASQUERADE"},
      {"nat", false, "-A POSTROUTING -o netns0 -m addrtype --src-type LOCAL " + kTag + " -j MASQUERADE"},
      {"nat", false, "-A POSTROUTING -s 172.19.0.0/16 -o netns0 -m conntrack --ctstate DNAT " + kTag + " -j MASQUERADE"},
      {"filter", true,
       "-A INPUT -d 127.0.0.0/8 -i netns0 -m conntrack ! --ctstate RELATED,ESTABLISHED " + kTag + " -j DROP"},
      {"filter", false, "-A NETNS-HOOK-FORWARD -i netns0 " + kTag + " -j ACCEPT"},
      {"filter", false,
       "-A NETNS-HOOK-FORWARD -o netns0 -m conntrack --ctstate RELATED,ESTABLISHED " + kTag + " -j ACCEPT"},
      {"filter", false, "-A NETNS-HOOK-FORWARD -o netns0 -m conntrack --ctstate DNAT " + kTag + " -j ACCEPT"},
      {"filter", false,
       "-A NETNS-HOOK-ISOLATE -i netns0 ! -o netns0 -m conntrack ! --ctstate DNAT " + kTag + " -j NETNS-HOOK-ISOLATE-2"},
      {"filter", false, "-A NETNS-HOOK-ISOLATE-2 -o netns0 " + kTag + " -j DROP"},
      {"filter", false, "-A NETNS-HOOK-ISOLATE-3 -o netns0 " + kTag + " -j DROP"},
  };
  CHECK(render(ipt::network_rules(default_network())) == expected);
}

TEST_CASE("network_rules follow the bridge and subnet, and are a pure function of the network", "[firewall]") {
  auto web = network("web", "nh-web", "10.89.5.0/24");
  auto rows = render(ipt::network_rules(web));
  REQUIRE(rows.size() == 10);
  CHECK(rows[0].line == "-A POSTROUTING -s 10.89.5.0/24 ! -o nh-web -m comment --comment \"netns-hook:nh-web\" -j MASQUERADE");
  CHECK(rows[4].line == "-A NETNS-HOOK-FORWARD -i nh-web -m comment --comment \"netns-hook:nh-web\" -j ACCEPT");
  CHECK(ipt::network_rules(web) == ipt::network_rules(web));
  CHECK(ipt::network_rules(web) != ipt::network_rules(default_network()));
}

TEST_CASE("a network that is not isolated drops only towards isolated ones", "[firewall]") {
  auto open = network("open", "nh-open", "10.89.6.0/24");
  open.isolate = false;
  auto rows = render(ipt::network_rules(open));
  const std::string tag = "-m comment --comment \"netns-hook:nh-open\"";
  CHECK(std::count(rows.begin(), rows.end(),
                   Rendered{"filter", false,
                            "-A NETNS-HOOK-ISOLATE -i nh-open ! -o nh-open -m conntrack ! --ctstate DNAT " + tag +
                                " -j NETNS-HOOK-ISOLATE-3"}) == 1);
  // Isolated networks still drop what comes from it (ISOLATE-2 lists every bridge)...
  CHECK(std::count(rows.begin(), rows.end(), Rendered{"filter", false, "-A NETNS-HOOK-ISOLATE-2 -o nh-open " + tag + " -j DROP"}) == 1);
  // ...and other open networks do not (ISOLATE-3 lists the isolated ones only).
  for (const auto& r : rows) CHECK(r.line.find("-A NETNS-HOOK-ISOLATE-3") == std::string::npos);
}

TEST_CASE("an internal network: no masquerade, nothing in or out, its containers reach each other", "[firewall]") {
  // The drops are in the isolation chain, which runs before any network's
  // accepts and exempts nothing, so they hold whatever order rules were added in.
  auto internal = network("back", "nh-back", "10.89.7.0/24");
  internal.internal = true;
  const std::string tag = "-m comment --comment \"netns-hook:nh-back\"";
  const std::vector<Rendered> expected = {
      {"filter", false, "-A NETNS-HOOK-FORWARD -i nh-back -o nh-back " + tag + " -j ACCEPT"},
      {"filter", false, "-A NETNS-HOOK-ISOLATE -i nh-back ! -o nh-back " + tag + " -j DROP"},
      {"filter", false, "-A NETNS-HOOK-ISOLATE ! -i nh-back -o nh-back " + tag + " -j DROP"},
      {"filter", false,
       "-A NETNS-HOOK-ISOLATE -i nh-back ! -o nh-back -m conntrack ! --ctstate DNAT " + tag + " -j NETNS-HOOK-ISOLATE-2"},
      {"filter", false, "-A NETNS-HOOK-ISOLATE-2 -o nh-back " + tag + " -j DROP"},
      {"filter", false, "-A NETNS-HOOK-ISOLATE-3 -o nh-back " + tag + " -j DROP"},
  };
  CHECK(render(ipt::network_rules(internal)) == expected);
}

TEST_CASE("masquerade: false leaves out only the outbound masquerade", "[firewall]") {
  auto plain = default_network();
  plain.masquerade = false;
  auto with = ipt::network_rules(default_network()), without = ipt::network_rules(plain);
  REQUIRE(without.size() + 1 == with.size());
  CHECK(std::equal(without.begin(), without.end(), with.begin() + 1));
}

TEST_CASE("the rule count grows with networks, never with containers", "[firewall]") {
  std::size_t one = ipt::network_rules(network("a", "nh-a", "10.89.1.0/24")).size();
  CHECK(ipt::network_rules(network("b", "nh-b", "10.89.2.0/24")).size() == one);
}

TEST_CASE("make_firewall knows its backends", "[firewall]") {
  CHECK(nh::firewall::make_firewall("iptables")->name() == "iptables");
  auto none = nh::firewall::make_firewall("none");
  CHECK(none->name() == "none");
  CHECK_THROWS_WITH(nh::firewall::make_firewall("pf"), Catch::Contains("unknown"));
  nh::firewall::Change change;
  change.ensure_networks.push_back(default_network());
  CHECK(none->apply(change) == 0);
  CHECK(none->missing(change).empty());
}

TEST_CASE("port_rules: one DNAT rule per port, tagged with the container id", "[firewall][ports]") {
  const auto rules = ipt::port_rules(ports("web-1", "172.19.0.5", "8080:80,127.0.0.1:53:53/udp"));
  const std::vector<Rendered> expected = {
      {"nat", false,
       "-A NETNS-HOOK-DNAT -p tcp -m tcp --dport 8080 -m comment --comment \"netns-hook:web-1\" "
       "-j DNAT --to-destination 172.19.0.5:80"},
      {"nat", false,
       "-A NETNS-HOOK-DNAT -d 127.0.0.1/32 -p udp -m udp --dport 53 -m comment --comment \"netns-hook:web-1\" "
       "-j DNAT --to-destination 172.19.0.5:53"},
  };
  CHECK(render(rules) == expected);
  CHECK(std::string(ipt::kDnatChain) == "NETNS-HOOK-DNAT");
}

TEST_CASE("port_rules expands ranges and knows sctp", "[firewall][ports]") {
  const auto rules = ipt::port_rules(ports("db", "10.1.2.9", "9000-9001:7000-7001/sctp"));
  const std::vector<Rendered> expected = {
      {"nat", false,
       "-A NETNS-HOOK-DNAT -p sctp -m sctp --dport 9000 -m comment --comment \"netns-hook:db\" "
       "-j DNAT --to-destination 10.1.2.9:7000"},
      {"nat", false,
       "-A NETNS-HOOK-DNAT -p sctp -m sctp --dport 9001 -m comment --comment \"netns-hook:db\" "
       "-j DNAT --to-destination 10.1.2.9:7001"},
  };
  CHECK(render(rules) == expected);
  CHECK(ipt::port_rules({"db", "netns0", {ip("10.1.2.9")}, {}}).empty());
  CHECK(ipt::port_rules({"db", "netns0", {}, nh::addr::parse_ports("80:80")}).empty());
}

TEST_CASE("port_rules cuts a long id to fit xt_comment", "[firewall][ports]") {
  const std::string id(255, 'a');
  const auto rules = ipt::port_rules(ports(id, "10.1.2.9", "80:80"));
  REQUIRE(rules.size() == 1);
  CHECK(rules[0].comment == "netns-hook:" + std::string(nh::firewall::kTaggedIdLength, 'a'));
  CHECK(rules[0].comment.size() < 256);
  // Different containers' rules differ only by their comment.
  auto a = ipt::port_rules(ports("a", "10.1.2.9", "80:80"));
  auto b = ipt::port_rules(ports("b", "10.1.2.9", "80:80"));
  CHECK(a != b);
  b[0].comment = a[0].comment;
  CHECK(a == b);
}

TEST_CASE("comments are quoted as iptables-save quotes them", "[firewall]") {
  // The tag's ':' alone forces quotes, whatever the id or bridge is made of.
  CHECK_THAT(ipt::to_iptables_save(ipt::port_rules(ports("Ab_9-z", "10.0.0.2", "1:1"))[0]),
             Catch::Contains("--comment \"netns-hook:Ab_9-z\" -j DNAT"));
  auto dotted = network("d", "br.7", "10.89.8.0/24");
  CHECK_THAT(ipt::to_iptables_save(ipt::network_rules(dotted)[0]),
             Catch::Contains("! -o br.7 -m comment --comment \"netns-hook:br.7\" -j MASQUERADE"));

  ipt::Rule r;
  r.chain = "X";
  r.target = "ACCEPT";
  r.comment = "plain_Name-1";  // letters, digits, '_' and '-': bare
  CHECK(ipt::to_iptables_save(r) == "-A X -m comment --comment plain_Name-1 -j ACCEPT");
  r.comment = "a.b";
  CHECK(ipt::to_iptables_save(r) == "-A X -m comment --comment \"a.b\" -j ACCEPT");
  r.comment = "two words";
  CHECK(ipt::to_iptables_save(r) == "-A X -m comment --comment \"two words\" -j ACCEPT");
  // Double quote, backslash and single quote are backslash-escaped, as iptables-legacy-save does.
  r.comment = "a\"b'c\\d";
  CHECK(ipt::to_iptables_save(r) == "-A X -m comment --comment \"a\\\"b\\'c\\\\d\" -j ACCEPT");
}

TEST_CASE("a dual-stack network: the same rules in ip6tables, but the route_localnet guard", "[firewall][ipv6]") {
  auto n = network("web", "nh-web", "10.89.5.0/24");
  n.subnets.push_back(nh::net::make_subnet("fd00:5::/64", "", "s"));
  const std::string tag = "-m comment --comment \"netns-hook:nh-web\"";
  std::vector<Rendered> v6;
  for (const auto& r : ipt::network_rules(n))
    if (r.family == AF_INET6) v6.push_back({r.table, r.insert_first, ipt::to_iptables_save(r)});
  const std::vector<Rendered> expected = {
      {"nat", false, "-A POSTROUTING -s fd00:5::/64 ! -o nh-web " + tag + " -j MASQUERADE"},
      {"nat", false, "-A POSTROUTING -o nh-web -m addrtype --src-type LOCAL " + tag + " -j MASQUERADE"},
      {"nat", false, "-A POSTROUTING -s fd00:5::/64 -o nh-web -m conntrack --ctstate DNAT " + tag + " -j MASQUERADE"},
      {"filter", false, "-A NETNS-HOOK-FORWARD -i nh-web " + tag + " -j ACCEPT"},
      {"filter", false, "-A NETNS-HOOK-FORWARD -o nh-web -m conntrack --ctstate RELATED,ESTABLISHED " + tag + " -j ACCEPT"},
      {"filter", false, "-A NETNS-HOOK-FORWARD -o nh-web -m conntrack --ctstate DNAT " + tag + " -j ACCEPT"},
      {"filter", false,
       "-A NETNS-HOOK-ISOLATE -i nh-web ! -o nh-web -m conntrack ! --ctstate DNAT " + tag + " -j NETNS-HOOK-ISOLATE-2"},
      {"filter", false, "-A NETNS-HOOK-ISOLATE-2 -o nh-web " + tag + " -j DROP"},
      {"filter", false, "-A NETNS-HOOK-ISOLATE-3 -o nh-web " + tag + " -j DROP"},
  };
  CHECK(v6 == expected);
  // The IPv4 rows are those of an IPv4-only network.
  std::size_t v4 = 0;
  for (const auto& r : ipt::network_rules(n)) v4 += r.family == AF_INET;
  CHECK(v4 == ipt::network_rules(network("web", "nh-web", "10.89.5.0/24")).size());
  for (const auto& r : ipt::global_rules(AF_INET6)) CHECK(r.family == AF_INET6);
}

TEST_CASE("port_rules over both families follow each mapping's host addresses", "[firewall][ports][ipv6]") {
  nh::firewall::ContainerPorts c{"web", "nh-web", {ip("10.89.5.2"), ip("fd00:5::2")},
                                 nh::addr::parse_ports("8080:80, 0.0.0.0:8081:81, [::]:8082:82, [fd00:9::1]:53:53/udp")};
  auto rows = ipt::port_rules(c);
  std::vector<std::string> lines;
  for (const auto& r : rows) lines.push_back(std::string(r.family == AF_INET6 ? "6 " : "4 ") + ipt::to_iptables_save(r));
  const std::string t = " -m comment --comment \"netns-hook:web\" -j DNAT --to-destination ";
  CHECK(lines == std::vector<std::string>{
                     "4 -A NETNS-HOOK-DNAT -p tcp -m tcp --dport 8080" + t + "10.89.5.2:80",
                     "6 -A NETNS-HOOK-DNAT -p tcp -m tcp --dport 8080" + t + "[fd00:5::2]:80",
                     "4 -A NETNS-HOOK-DNAT -p tcp -m tcp --dport 8081" + t + "10.89.5.2:81",
                     "6 -A NETNS-HOOK-DNAT -p tcp -m tcp --dport 8082" + t + "[fd00:5::2]:82",
                     "6 -A NETNS-HOOK-DNAT -d fd00:9::1/128 -p udp -m udp --dport 53" + t + "[fd00:5::2]:53",
                 });
  // A container without an IPv6 address gets no IPv6 rule, even for [::].
  c.targets = {ip("10.89.5.2")};
  for (const auto& r : ipt::port_rules(c)) CHECK(r.family == AF_INET);
}
