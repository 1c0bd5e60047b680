#include "lib/firewall/iptables/ruleset.hpp"

namespace nh::firewall::iptables {

namespace {

constexpr const char* kGlobalTag = "netns-hook";
std::string network_tag(const net::Network& n) { return "netns-hook:" + n.bridge; }

Rule rule(const std::string& table, const std::string& chain, const std::string& tag, const std::string& target,
          int family = AF_INET) {
  Rule r;
  r.family = family;
  r.table = table;
  r.chain = chain;
  r.comment = tag;
  r.target = target;
  return r;
}

}  // namespace

std::vector<Rule> global_rules(int family) {
  Rule from_outside = rule("nat", "PREROUTING", kGlobalTag, kDnatChain, family);
  from_outside.dst_type_local = true;
  Rule from_host = rule("nat", "OUTPUT", kGlobalTag, kDnatChain, family);
  from_host.dst_type_local = true;
  Rule forward = rule("filter", "FORWARD", kGlobalTag, kForwardChain, family);
  forward.insert_first = true;
  // Isolation first: the accepts after it let anything leave a bridge.
  Rule isolate = rule("filter", kForwardChain, kGlobalTag, kIsolateChain, family);
  isolate.insert_first = true;
  return {from_outside, from_host, forward, isolate};
}

namespace {

// The rows of one family of a network.
void family_rules(const net::Network& n, const net::Subnet& s, std::vector<Rule>& out) {
  const int f = s.subnet.family();
  const std::string tag = network_tag(n);
  const std::string& br = n.bridge;
  auto rule = [&](const std::string& table, const std::string& chain, const std::string& target) {
    return iptables::rule(table, chain, tag, target, f);
  };
  {
    if (n.masquerade && !n.internal) {
      Rule masq = rule("nat", "POSTROUTING", "MASQUERADE");
      masq.source = s.subnet;
      masq.out_iface = br;
      masq.out_negated = true;
      out.push_back(masq);
    }
  }
  if (!n.internal) {
    // The host's own connections (from 127.0.0.1 or its addresses) and a
    // container reaching a published port through the host (hairpin) must
    // come back through the host to be un-NATed: make their source the gateway.
    Rule host_masq = rule("nat", "POSTROUTING", "MASQUERADE");
    host_masq.out_iface = br;
    host_masq.src_type_local = true;
    Rule hairpin_masq = rule("nat", "POSTROUTING", "MASQUERADE");
    hairpin_masq.source = s.subnet;
    hairpin_masq.out_iface = br;
    hairpin_masq.ctstate = "DNAT";
    out.insert(out.end(), {host_masq, hairpin_masq});
    if (f == AF_INET) {
      // route_localnet on the bridge lets 127.0.0.1 be DNAT'd out of it;
      // without this guard a container could also reach the host's loopback
      // services by addressing 127.0.0.1 to the bridge (CVE-2020-8558).
      // IPv6 has no such setting: ::1 is never routed.
      Rule guard = rule("filter", "INPUT", "DROP");
      guard.insert_first = true;
      guard.in_iface = br;
      guard.destination = addr::Cidr::parse("127.0.0.0/8");
      guard.ctstate = "RELATED,ESTABLISHED";
      guard.ctstate_negated = true;
      out.push_back(guard);
    }
  }

  if (n.internal) {
    // Its containers reach each other, and nothing else. The drops sit in
    // the isolation chain, which comes before every accept of every
    // network and exempts nothing (not even published ports): whatever
    // order the networks' rules were added in, nothing leaves or enters.
    Rule within = rule("filter", kForwardChain, "ACCEPT");
    within.in_iface = within.out_iface = br;
    Rule out_of = rule("filter", kIsolateChain, "DROP");
    out_of.in_iface = out_of.out_iface = br;
    out_of.out_negated = true;
    Rule into = rule("filter", kIsolateChain, "DROP");
    into.in_iface = into.out_iface = br;
    into.in_negated = true;
    out.insert(out.end(), {within, out_of, into});
  } else {
    Rule from_bridge = rule("filter", kForwardChain, "ACCEPT");
    from_bridge.in_iface = br;
    // Replies only: nothing outside may open connections to containers
    // unless a port is published (the DNAT accept below).
    Rule replies = rule("filter", kForwardChain, "ACCEPT");
    replies.out_iface = br;
    replies.ctstate = "RELATED,ESTABLISHED";
    Rule published = rule("filter", kForwardChain, "ACCEPT");
    published.out_iface = br;
    published.ctstate = "DNAT";
    out.insert(out.end(), {from_bridge, replies, published});
  }

  // Isolation: leaving this bridge for another (published ports excepted:
  // they are public, and reached through the host's address) goes through
  // -2 when this network is isolated (dropped towards every bridge of ours),
  // else through -3 (dropped towards isolated bridges only).
  Rule leave = rule("filter", kIsolateChain, n.isolate ? kIsolateFromIsolated : kIsolateFromOpen);
  leave.in_iface = leave.out_iface = br;
  leave.out_negated = true;
  leave.ctstate = "DNAT";
  leave.ctstate_negated = true;
  Rule to_any = rule("filter", kIsolateFromIsolated, "DROP");
  to_any.out_iface = br;
  out.push_back(leave);
  out.push_back(to_any);
  if (n.isolate) {
    Rule to_isolated = rule("filter", kIsolateFromOpen, "DROP");
    to_isolated.out_iface = br;
    out.push_back(to_isolated);
  }
}

}  // namespace

std::vector<Rule> network_rules(const net::Network& n) {
  std::vector<Rule> out;
  for (const auto& s : n.subnets) family_rules(n, s, out);
  return out;
}

std::vector<Rule> port_rules(const ContainerPorts& c) {
  const std::string tag = port_tag(c.id);
  std::vector<Rule> out;
  for (const auto& p : c.ports) {
    for (const auto& target : c.targets) {
      if (!p.covers_family(target.family())) continue;
      Rule r = rule("nat", kDnatChain, tag, "DNAT", target.family());
      if (p.host_ip) r.destination = addr::Cidr(*p.host_ip, p.host_ip->bits());
      r.protocol = p.protocol;
      r.dport = p.host_port;
      r.to_address = target;
      r.to_port = p.container_port;
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace nh::firewall::iptables
