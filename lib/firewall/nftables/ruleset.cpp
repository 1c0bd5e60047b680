#include "lib/firewall/nftables/ruleset.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace nh::firewall::nftables {

bool operator==(const Match& a, const Match& b) {
  return a.what == b.what && a.negated == b.negated && a.name == b.name && a.prefix == b.prefix;
}

const std::vector<Chain>& chains() {
  static const std::vector<Chain> all = {
      {"dnat_ports", "", "", 0},
      {"isolate_from_isolated", "", "", 0},
      {"isolate_from_open", "", "", 0},
      {"isolate", "", "", 0},
      {"prerouting", "nat", "prerouting", -100},
      {"output", "nat", "output", -100},
      {"postrouting", "nat", "postrouting", 100},
      {"forward", "filter", "forward", 0},
      {"input", "filter", "input", 0},
  };
  return all;
}

const std::vector<PortMap>& port_maps() {
  static const std::vector<PortMap> all = {
      {"ports4", AF_INET, true}, {"ports4any", AF_INET, false}, {"ports6", AF_INET6, true}, {"ports6any", AF_INET6, false}};
  return all;
}

namespace {

constexpr const char* kGlobal = "netns-hook";

Match iif(const std::string& name, bool negated = false) { return {Match::What::kIifname, negated, name, {}}; }
Match oif(const std::string& name, bool negated = false) { return {Match::What::kOifname, negated, name, {}}; }
Match saddr(const addr::Cidr& c) { return {Match::What::kSaddr, false, "", c}; }
Match daddr(const addr::Cidr& c) { return {Match::What::kDaddr, false, "", c}; }
Match what(Match::What w, bool negated = false) { return {w, negated, "", {}}; }

Rule rule(const std::string& chain, const std::string& comment, std::vector<Match> m, Rule::Action a,
          const std::string& target = "") {
  return {chain, comment, false, std::move(m), a, target};
}

}  // namespace

std::vector<Rule> global_rules() {
  using A = Rule::Action;
  std::vector<Rule> out;
  for (const char* chain : {"prerouting", "output"})
    out.push_back(rule(chain, std::string(kGlobal) + " dnat " + chain, {what(Match::What::kFibDaddrLocal)}, A::kJump,
                       "dnat_ports"));
  for (const auto& m : port_maps())
    out.push_back(rule("dnat_ports", std::string(kGlobal) + " " + m.name, {}, A::kDnatMap, m.name));
  // Isolation first: the accepts after it let anything leave a bridge.
  Rule isolate = rule("forward", std::string(kGlobal) + " isolate", {}, A::kJump, "isolate");
  isolate.first = true;
  out.push_back(isolate);
  return out;
}

std::vector<Rule> network_rules(const net::Network& n) {
  using A = Rule::Action;
  using W = Match::What;
  const std::string& br = n.bridge;
  const std::string tag = "netns-hook:" + br;
  std::vector<Rule> out;
  for (const auto& s : n.subnets) {
    const std::string f = addr::family_name(s.subnet.family());
    if (n.internal) break;
    if (n.masquerade)
      out.push_back(rule("postrouting", tag + " masquerade " + f, {saddr(s.subnet), oif(br, true)}, A::kMasquerade));
    // A container reaching a published port through the host (hairpin) must
    // come back through the host to be un-NATed.
    out.push_back(rule("postrouting", tag + " hairpin " + f, {saddr(s.subnet), oif(br), what(W::kCtDnat)}, A::kMasquerade));
    if (s.subnet.family() == AF_INET) {
      // route_localnet on the bridge lets 127.0.0.1 be DNAT'd out of it;
      // without this guard a container could also reach the host's loopback
      // services by addressing 127.0.0.1 to the bridge (CVE-2020-8558).
      out.push_back(rule("input", tag + " localnet guard",
                         {iif(br), daddr(addr::Cidr::parse("127.0.0.0/8")), what(W::kCtEstablished, true)}, A::kDrop));
    }
  }
  if (!n.internal) {
    // The host's own connections (from 127.0.0.1 or its addresses) come back
    // through the host to be un-NATed: one rule for both families.
    out.push_back(rule("postrouting", tag + " host", {oif(br), what(W::kFibSaddrLocal)}, A::kMasquerade));
    out.push_back(rule("forward", tag + " from bridge", {iif(br)}, A::kAccept));
    // Replies only: nothing outside may open connections to containers
    // unless a port is published (the DNAT accept).
    out.push_back(rule("forward", tag + " replies", {oif(br), what(W::kCtEstablished)}, A::kAccept));
    out.push_back(rule("forward", tag + " published", {oif(br), what(W::kCtDnat)}, A::kAccept));
  } else {
    // Its containers reach each other, and nothing else; the drops sit in
    // the isolation chain, which runs before every accept.
    out.push_back(rule("forward", tag + " within", {iif(br), oif(br)}, A::kAccept));
    out.push_back(rule("isolate", tag + " internal out", {iif(br), oif(br, true)}, A::kDrop));
    out.push_back(rule("isolate", tag + " internal in", {iif(br, true), oif(br)}, A::kDrop));
  }
  // Isolation, as the iptables backend does it: leaving this bridge for
  // another (published ports excepted) goes through isolate_from_isolated
  // when this network is isolated, else through isolate_from_open.
  out.push_back(rule("isolate", tag + " leave", {iif(br), oif(br, true), what(W::kCtDnat, true)}, A::kJump,
                     n.isolate ? "isolate_from_isolated" : "isolate_from_open"));
  // (Comments are unique: a rule is found again by its comment alone.)
  out.push_back(rule("isolate_from_isolated", tag + " from isolated", {oif(br)}, A::kDrop));
  if (n.isolate) out.push_back(rule("isolate_from_open", tag + " from open", {oif(br)}, A::kDrop));
  return out;
}

namespace {

void put(std::vector<std::uint8_t>& out, const void* data, std::size_t len) {
  const auto* b = static_cast<const std::uint8_t*>(data);
  out.insert(out.end(), b, b + len);
  while (out.size() % 4) out.push_back(0);  // each field of a concatenation takes whole registers
}

void put_proto(std::vector<std::uint8_t>& out, const std::string& p) {
  std::uint8_t n = p == "tcp" ? IPPROTO_TCP : p == "udp" ? IPPROTO_UDP : IPPROTO_SCTP;
  put(out, &n, 1);
}

void put_port(std::vector<std::uint8_t>& out, std::uint16_t port) {
  std::uint16_t be = htons(port);
  put(out, &be, 2);
}

}  // namespace

std::vector<Element> port_elements(const ContainerPorts& c) {
  std::vector<Element> out;
  const std::string tag = port_tag(c.id);
  for (const auto& p : c.ports) {
    for (const auto& target : c.targets) {
      if (!p.covers_family(target.family())) continue;
      const bool v6 = target.is_v6();
      Element e;
      e.map = std::string(v6 ? "ports6" : "ports4") + (p.host_ip ? "" : "any");
      e.comment = tag;
      if (p.host_ip) {
        put(e.key, p.host_ip->data(), p.host_ip->size());
        e.text = p.host_ip->str() + " . ";
      }
      put_proto(e.key, p.protocol);
      put_port(e.key, p.host_port);
      put(e.data, target.data(), target.size());
      put_port(e.data, p.container_port);
      e.text += p.protocol + " . " + std::to_string(p.host_port) + " : " + target.str() + " . " +
                std::to_string(p.container_port);
      out.push_back(std::move(e));
    }
  }
  return out;
}

std::string to_nft(const Rule& r) {
  std::string s;
  auto add = [&](const std::string& part) { s += (s.empty() ? "" : " ") + part; };
  for (const auto& m : r.matches) {
    const std::string ne = m.negated ? "!= " : "";
    switch (m.what) {
      case Match::What::kIifname: add("iifname " + ne + "\"" + m.name + "\""); break;
      case Match::What::kOifname: add("oifname " + ne + "\"" + m.name + "\""); break;
      case Match::What::kSaddr:
      case Match::What::kDaddr:
        add(std::string(m.prefix.address().is_v6() ? "ip6 " : "ip ") + (m.what == Match::What::kSaddr ? "saddr " : "daddr ") +
            ne + m.prefix.network_str());
        break;
      case Match::What::kFibDaddrLocal: add("fib daddr type local"); break;
      case Match::What::kFibSaddrLocal: add("fib saddr type local"); break;
      case Match::What::kCtDnat: add(m.negated ? "ct status ! dnat" : "ct status dnat"); break;
      case Match::What::kCtEstablished: add(m.negated ? "ct state ! established,related" : "ct state established,related"); break;
    }
  }
  switch (r.action) {
    case Rule::Action::kAccept: add("accept"); break;
    case Rule::Action::kDrop: add("drop"); break;
    case Rule::Action::kJump: add("jump " + r.target); break;
    case Rule::Action::kMasquerade: add("masquerade"); break;
    case Rule::Action::kDnatMap: {
      bool v6 = r.target.find('6') != std::string::npos;
      bool by_address = r.target.find("any") == std::string::npos;
      // (A key with the host address implies the family; without, it is matched first.)
      if (!by_address) add(std::string("meta nfproto ") + (v6 ? "ipv6" : "ipv4"));
      add(std::string("dnat ") + (v6 ? "ip6" : "ip") + " to " + (by_address ? std::string(v6 ? "ip6" : "ip") + " daddr . " : "") +
          "meta l4proto . th dport map @" + r.target);
      break;
    }
  }
  add("comment \"" + r.comment + "\"");
  return s;
}

}  // namespace nh::firewall::nftables
