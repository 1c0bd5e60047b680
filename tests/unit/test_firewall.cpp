// Rules rendered as iptables-save lines: the golden rule sets (bridge_rules,
// publish_rules, port_rules). The strings are what iptables-legacy-save prints.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "lib/config.hpp"
#include "lib/error.hpp"
#include "lib/firewall.hpp"
#include "lib/ports.hpp"

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

std::vector<Rendered> render(const std::vector<nh::Rule>& rules) {
  std::vector<Rendered> out;
  for (const auto& r : rules) out.push_back({r.table, r.insert_first, nh::to_iptables_save(r)});
  return out;
}

std::vector<Rendered> render(const nh::Network& net) { return render(nh::bridge_rules(net)); }

nh::IpAddress ip(const std::string& text) { return *nh::IpAddress::parse(text); }

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

TEST_CASE("publish_rules for the default network", "[firewall][ports]") {
  const std::vector<Rendered> expected = {
      {"nat", false, "-A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment netns-hook -j NETNS-HOOK-DNAT"},
      {"nat", false, "-A OUTPUT -m addrtype --dst-type LOCAL -m comment --comment netns-hook -j NETNS-HOOK-DNAT"},
      {"nat", false,
       "-A POSTROUTING -o netns0 -m addrtype --src-type LOCAL -m comment --comment \"netns-hook:netns0\" "
       "-j MASQUERADE"},
      {"nat", false,
       "-A POSTROUTING -s 172.19.0.0/16 -o netns0 -m conntrack --ctstate DNAT -m comment "
       "--comment \"netns-hook:netns0\" -j MASQUERADE"},
      {"filter", true,
       "-A FORWARD -o netns0 -m conntrack --ctstate DNAT -m comment --comment \"netns-hook:netns0\" -j ACCEPT"},
      {"filter", true,
       "-A INPUT -d 127.0.0.0/8 -i netns0 -m conntrack ! --ctstate RELATED,ESTABLISHED -m comment "
       "--comment \"netns-hook:netns0\" -j DROP"},
  };
  CHECK(render(nh::publish_rules(nh::Network{})) == expected);
}

TEST_CASE("publish_rules follow --bridge and --ip; the jumps are shared", "[firewall][ports]") {
  auto s = nh::build_settings(std::nullopt, {{"bridge", "br7"}, {"ip", "10.1.2.1/24"}});
  const auto a = nh::publish_rules(nh::Network{});
  const auto b = nh::publish_rules(s.network);
  REQUIRE(a.size() == 6);
  REQUIRE(b.size() == 6);
  // One PREROUTING and one OUTPUT jump serve every bridge: identical rules.
  CHECK(a[0] == b[0]);
  CHECK(a[1] == b[1]);
  CHECK(render(b)[3].line ==
        "-A POSTROUTING -s 10.1.2.0/24 -o br7 -m conntrack --ctstate DNAT -m comment --comment \"netns-hook:br7\" "
        "-j MASQUERADE");
  CHECK(render(b)[5].line ==
        "-A INPUT -d 127.0.0.0/8 -i br7 -m conntrack ! --ctstate RELATED,ESTABLISHED -m comment "
        "--comment \"netns-hook:br7\" -j DROP");
  for (std::size_t i = 2; i < b.size(); ++i) CHECK(a[i] != b[i]);
}

TEST_CASE("port_rules: one DNAT rule per port, tagged with the container id", "[firewall][ports]") {
  const auto rules = nh::port_rules("web-1", ip("172.19.0.5"), nh::parse_ports("8080:80,127.0.0.1:53:53/udp"));
  const std::vector<Rendered> expected = {
      {"nat", false,
       "-A NETNS-HOOK-DNAT -p tcp -m tcp --dport 8080 -m comment --comment \"netns-hook:web-1\" "
       "-j DNAT --to-destination 172.19.0.5:80"},
      {"nat", false,
       "-A NETNS-HOOK-DNAT -d 127.0.0.1/32 -p udp -m udp --dport 53 -m comment --comment \"netns-hook:web-1\" "
       "-j DNAT --to-destination 172.19.0.5:53"},
  };
  CHECK(render(rules) == expected);
  CHECK(std::string(nh::kDnatChain) == "NETNS-HOOK-DNAT");
}

TEST_CASE("port_rules expands ranges and knows sctp", "[firewall][ports]") {
  const auto rules = nh::port_rules("db", ip("10.1.2.9"), nh::parse_ports("9000-9001:7000-7001/sctp"));
  const std::vector<Rendered> expected = {
      {"nat", false,
       "-A NETNS-HOOK-DNAT -p sctp -m sctp --dport 9000 -m comment --comment \"netns-hook:db\" "
       "-j DNAT --to-destination 10.1.2.9:7000"},
      {"nat", false,
       "-A NETNS-HOOK-DNAT -p sctp -m sctp --dport 9001 -m comment --comment \"netns-hook:db\" "
       "-j DNAT --to-destination 10.1.2.9:7001"},
  };
  CHECK(render(rules) == expected);
  CHECK(nh::port_rules("db", ip("10.1.2.9"), {}).empty());
}

TEST_CASE("port_rules cuts a long id to fit xt_comment", "[firewall][ports]") {
  const std::string id(255, 'a');
  const auto rules = nh::port_rules(id, ip("10.1.2.9"), nh::parse_ports("80:80"));
  REQUIRE(rules.size() == 1);
  CHECK(rules[0].comment == "netns-hook:" + std::string(240, 'a'));
  CHECK(rules[0].comment.size() < 256);
  // Different containers' rules differ only by their comment.
  auto a = nh::port_rules("a", ip("10.1.2.9"), nh::parse_ports("80:80"));
  auto b = nh::port_rules("b", ip("10.1.2.9"), nh::parse_ports("80:80"));
  CHECK(a != b);
  b[0].comment = a[0].comment;
  CHECK(a == b);
}

TEST_CASE("comments are quoted as iptables-save quotes them", "[firewall]") {
  // The tag's ':' alone forces quotes, whatever the id or bridge is made of.
  CHECK_THAT(nh::to_iptables_save(nh::port_rules("Ab_9-z", ip("10.0.0.2"), nh::parse_ports("1:1"))[0]),
             Catch::Contains("--comment \"netns-hook:Ab_9-z\" -j DNAT"));
  nh::Network dotted;
  dotted.bridge = "br.7";
  CHECK_THAT(nh::to_iptables_save(nh::bridge_rules(dotted)[0]),
             Catch::Contains("! -o br.7 -m comment --comment \"netns-hook:br.7\" -j MASQUERADE"));

  nh::Rule r;
  r.chain = "X";
  r.target = "ACCEPT";
  r.comment = "plain_Name-1";  // letters, digits, '_' and '-': bare
  CHECK(nh::to_iptables_save(r) == "-A X -m comment --comment plain_Name-1 -j ACCEPT");
  r.comment = "a.b";
  CHECK(nh::to_iptables_save(r) == "-A X -m comment --comment \"a.b\" -j ACCEPT");
  r.comment = "two words";
  CHECK(nh::to_iptables_save(r) == "-A X -m comment --comment \"two words\" -j ACCEPT");
  // Double quote, backslash and single quote are backslash-escaped, as iptables-legacy-save does.
  r.comment = "a\"b'c\\d";
  CHECK(nh::to_iptables_save(r) == "-A X -m comment --comment \"a\\\"b\\'c\\\\d\" -j ACCEPT");
}
