// The nftables backend's rules and map elements, as `nft list` prints them:
// the golden rule sets (global_rules, network_rules) and the elements of
// published ports, byte for byte as the kernel holds them.
#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <set>
#include <string>
#include <vector>

#include "lib/addr/port_mapping.hpp"
#include "lib/firewall/firewall.hpp"
#include "lib/firewall/nftables/ruleset.hpp"
#include "lib/input/settings.hpp"

namespace nft = nh::firewall::nftables;

namespace {

// "chain: rule text", with a "first " mark for rules inserted at the top.
std::vector<std::string> render(const std::vector<nft::Rule>& rules) {
  std::vector<std::string> out;
  for (const auto& r : rules) out.push_back(r.chain + ": " + (r.first ? "first " : "") + nft::to_nft(r));
  return out;
}

nh::net::Network network(const std::string& name, const std::string& bridge, const std::vector<std::string>& subnets) {
  nh::net::Network n;
  n.name = name;
  n.bridge = bridge;
  for (const auto& s : subnets) n.subnets.push_back(nh::net::make_subnet(s, "", "subnet"));
  return n;
}

nh::addr::IpAddress ip(const std::string& text) { return *nh::addr::IpAddress::parse(text); }

nh::firewall::ContainerPorts ports(const std::string& id, const std::vector<std::string>& targets, const std::string& spec) {
  nh::firewall::ContainerPorts p{id, "netns0", {}, nh::addr::parse_ports(spec)};
  for (const auto& t : targets) p.targets.push_back(ip(t));
  return p;
}

std::string hex(const std::vector<std::uint8_t>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

}  // namespace

TEST_CASE("nftables global_rules: local destinations to the port maps, isolation first", "[nftables]") {
  const std::vector<std::string> expected = {
      "prerouting: fib daddr type local jump dnat_ports comment \"netns-hook dnat prerouting\"",
      "output: fib daddr type local jump dnat_ports comment \"netns-hook dnat output\"",
      "dnat_ports: dnat ip to ip daddr . meta l4proto . th dport map @ports4 comment \"netns-hook ports4\"",
      "dnat_ports: meta nfproto ipv4 dnat ip to meta l4proto . th dport map @ports4any comment \"netns-hook ports4any\"",
      "dnat_ports: dnat ip6 to ip6 daddr . meta l4proto . th dport map @ports6 comment \"netns-hook ports6\"",
      "dnat_ports: meta nfproto ipv6 dnat ip6 to meta l4proto . th dport map @ports6any comment \"netns-hook ports6any\"",
      "forward: first jump isolate comment \"netns-hook isolate\"",
  };
  CHECK(render(nft::global_rules()) == expected);
}

TEST_CASE("nftables network_rules: a dual-stack isolated network", "[nftables]") {
  const auto n = network("default", "netns0", {"172.19.0.0/16", "fd00:19::/64"});
  const std::vector<std::string> expected = {
      "postrouting: ip saddr 172.19.0.0/16 oifname != \"netns0\" masquerade comment \"netns-hook:netns0 masquerade 4\"",
      "postrouting: ip saddr 172.19.0.0/16 oifname \"netns0\" ct status dnat masquerade comment \"netns-hook:netns0 hairpin 4\"",
      "input: iifname \"netns0\" ip daddr 127.0.0.0/8 ct state ! established,related drop comment \"netns-hook:netns0 localnet guard\"",
      "postrouting: ip6 saddr fd00:19::/64 oifname != \"netns0\" masquerade comment \"netns-hook:netns0 masquerade 6\"",
      "postrouting: ip6 saddr fd00:19::/64 oifname \"netns0\" ct status dnat masquerade comment \"netns-hook:netns0 hairpin 6\"",
      "postrouting: oifname \"netns0\" fib saddr type local masquerade comment \"netns-hook:netns0 host\"",
      "forward: iifname \"netns0\" accept comment \"netns-hook:netns0 from bridge\"",
      "forward: oifname \"netns0\" ct state established,related accept comment \"netns-hook:netns0 replies\"",
      "forward: oifname \"netns0\" ct status dnat accept comment \"netns-hook:netns0 published\"",
      "isolate: iifname \"netns0\" oifname != \"netns0\" ct status ! dnat jump isolate_from_isolated comment \"netns-hook:netns0 leave\"",
      "isolate_from_isolated: oifname \"netns0\" drop comment \"netns-hook:netns0 from isolated\"",
      "isolate_from_open: oifname \"netns0\" drop comment \"netns-hook:netns0 from open\"",
  };
  CHECK(render(nft::network_rules(n)) == expected);
}

TEST_CASE("nftables network_rules: an open network is dropped towards from isolated ones only", "[nftables]") {
  auto n = network("open1", "nh-open1", {"10.89.4.0/24"});
  n.isolate = false;
  n.masquerade = false;
  const auto lines = render(nft::network_rules(n));
  CHECK(std::find(lines.begin(), lines.end(),
                  "isolate: iifname \"nh-open1\" oifname != \"nh-open1\" ct status ! dnat jump isolate_from_open "
                  "comment \"netns-hook:nh-open1 leave\"") != lines.end());
  CHECK(std::find(lines.begin(), lines.end(),
                  "isolate_from_isolated: oifname \"nh-open1\" drop comment \"netns-hook:nh-open1 from isolated\"") !=
        lines.end());
  for (const auto& l : lines) {
    CHECK(l.find("isolate_from_open: ") != 0);
    CHECK(l.find("masquerade comment \"netns-hook:nh-open1 masquerade") == std::string::npos);
  }
}

TEST_CASE("nftables network_rules: an internal network reaches only itself", "[nftables]") {
  auto n = network("back", "nh-back", {"10.89.7.0/24"});
  n.internal = true;
  const std::vector<std::string> expected = {
      "forward: iifname \"nh-back\" oifname \"nh-back\" accept comment \"netns-hook:nh-back within\"",
      "isolate: iifname \"nh-back\" oifname != \"nh-back\" drop comment \"netns-hook:nh-back internal out\"",
      "isolate: iifname != \"nh-back\" oifname \"nh-back\" drop comment \"netns-hook:nh-back internal in\"",
      "isolate: iifname \"nh-back\" oifname != \"nh-back\" ct status ! dnat jump isolate_from_isolated comment \"netns-hook:nh-back leave\"",
      "isolate_from_isolated: oifname \"nh-back\" drop comment \"netns-hook:nh-back from isolated\"",
      "isolate_from_open: oifname \"nh-back\" drop comment \"netns-hook:nh-back from open\"",
  };
  CHECK(render(nft::network_rules(n)) == expected);
}

TEST_CASE("nftables rules are found again by their comment: every comment is unique", "[nftables]") {
  auto internal = network("back", "nh-back", {"10.89.7.0/24"});
  internal.internal = true;
  auto open = network("open", "nh-open", {"10.89.4.0/24", "fd00:4::/64"});
  open.isolate = false;
  std::vector<nft::Rule> all = nft::global_rules();
  for (const auto& n : {network("default", "netns0", {"172.19.0.0/16", "fd00:19::/64"}), internal, open}) {
    auto rows = nft::network_rules(n);
    all.insert(all.end(), rows.begin(), rows.end());
  }
  std::set<std::string> comments;
  for (const auto& r : all) {
    INFO(r.comment);
    CHECK(comments.insert(r.comment).second);
    CHECK(r.comment.size() < 128);  // what nft keeps of a comment
  }
}

TEST_CASE("port_elements: one element per port and family, in the map its host address says", "[nftables]") {
  const auto p = ports("web1", {"172.19.0.2", "fd00:19::2"}, "8080:80, 127.0.0.1:8081:80/tcp, [::]:53:53/udp, 0.0.0.0:25:25");
  const auto elements = nft::port_elements(p);
  std::vector<std::string> rendered;
  for (const auto& e : elements) rendered.push_back(e.map + " { " + e.text + " } " + e.comment);
  const std::vector<std::string> expected = {
      "ports4any { tcp . 8080 : 172.19.0.2 . 80 } netns-hook:web1",
      "ports6any { tcp . 8080 : fd00:19::2 . 80 } netns-hook:web1",
      "ports4 { 127.0.0.1 . tcp . 8081 : 172.19.0.2 . 80 } netns-hook:web1",
      "ports6any { udp . 53 : fd00:19::2 . 53 } netns-hook:web1",
      "ports4any { tcp . 25 : 172.19.0.2 . 25 } netns-hook:web1",
  };
  CHECK(rendered == expected);
}

TEST_CASE("port_elements: keys and data as the kernel holds them, each field in whole 4-byte registers", "[nftables]") {
  const auto any = nft::port_elements(ports("a", {"10.1.2.3"}, "8080:80"));
  REQUIRE(any.size() == 1);
  CHECK(hex(any[0].key) == "06000000" "1f900000");             // tcp, 8080
  CHECK(hex(any[0].data) == "0a010203" "00500000");            // 10.1.2.3, 80
  const auto bound = nft::port_elements(ports("a", {"10.1.2.3"}, "127.0.0.1:53:5353/udp"));
  REQUIRE(bound.size() == 1);
  CHECK(hex(bound[0].key) == "7f000001" "11000000" "00350000");  // 127.0.0.1, udp, 53
  CHECK(hex(bound[0].data) == "0a010203" "14e90000");
  const auto v6 = nft::port_elements(ports("a", {"fd00::2"}, "9000:90/sctp"));
  REQUIRE(v6.size() == 1);
  CHECK(hex(v6[0].key) == "84000000" "23280000");
  CHECK(hex(v6[0].data) == "fd000000000000000000000000000002" "005a0000");
}

TEST_CASE("port_elements: a long id is cut the way gc compares it", "[nftables]") {
  const std::string id(255, 'c');
  const auto e = nft::port_elements(ports(id, {"10.1.2.3"}, "80:80"));
  REQUIRE(e.size() == 1);
  CHECK(e[0].comment == "netns-hook:" + nh::firewall::tagged_id(id));
  CHECK(e[0].comment.size() < 128);
}
