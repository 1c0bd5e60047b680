#include "lib/firewall.hpp"

#include "lib/error.hpp"

namespace nh {

namespace {

// For hosts that manage their firewall elsewhere.
class NoFirewall final : public Firewall {
 public:
  std::size_t ensure(const std::vector<Rule>&) override { return 0; }
  void remove(const std::vector<Rule>&) override {}
  std::vector<std::string> remove_stale(const std::string&, const std::string&,
                                        const std::function<bool(const std::string&)>&, bool) override {
    return {};
  }
};

// Quotes as iptables-save does (xtables_save_string): bare when only letters,
// digits, '_' and '-', else in double quotes with " \ ' escaped.
std::string save_string(const std::string& v) {
  bool bare = !v.empty() && v.find_first_not_of("_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
                                std::string::npos;
  if (bare) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string bridge_tag(const Network& net) { return "netns-hook:" + net.bridge; }

Rule rule(const std::string& table, const std::string& chain, const std::string& tag, const std::string& target) {
  Rule r;
  r.table = table;
  r.chain = chain;
  r.comment = tag;
  r.target = target;
  return r;
}

}  // namespace

std::string to_iptables_save(const Rule& r) {
  std::string s = "-A " + r.chain;
  if (r.source) s += " -s " + r.source->network_str();
  if (r.destination) s += " -d " + r.destination->network_str();
  if (!r.in_iface.empty()) s += std::string(r.in_negated ? " !" : "") + " -i " + r.in_iface;
  if (!r.out_iface.empty()) s += std::string(r.out_negated ? " !" : "") + " -o " + r.out_iface;
  if (!r.protocol.empty()) s += " -p " + r.protocol;
  if (r.dport) s += " -m " + r.protocol + " --dport " + std::to_string(r.dport);
  if (r.src_type_local) s += " -m addrtype --src-type LOCAL";
  if (r.dst_type_local) s += " -m addrtype --dst-type LOCAL";
  if (!r.ctstate.empty()) s += std::string(" -m conntrack") + (r.ctstate_negated ? " !" : "") + " --ctstate " + r.ctstate;
  if (!r.comment.empty()) s += " -m comment --comment " + save_string(r.comment);
  s += " -j " + r.target;
  if (r.to_address) s += " --to-destination " + r.to_address->str() + ":" + std::to_string(r.to_port);
  return s;
}

std::vector<Rule> bridge_rules(const Network& net) {
  const std::string tag = bridge_tag(net);
  Rule masq = rule("nat", "POSTROUTING", tag, "MASQUERADE");
  masq.source = net.subnet();
  masq.out_iface = net.bridge;
  masq.out_negated = true;

  Rule from_bridge = rule("filter", "FORWARD", tag, "ACCEPT");
  from_bridge.insert_first = true;
  from_bridge.in_iface = net.bridge;

  // Replies only: nothing outside may open connections to containers unless a
  // port is published (publish_rules).
  Rule to_bridge = rule("filter", "FORWARD", tag, "ACCEPT");
  to_bridge.insert_first = true;
  to_bridge.out_iface = net.bridge;
  to_bridge.ctstate = "RELATED,ESTABLISHED";

  return {masq, from_bridge, to_bridge};
}

std::vector<Rule> publish_rules(const Network& net) {
  const std::string tag = bridge_tag(net);
  // The jumps are shared by every bridge: one comment for all.
  Rule from_outside = rule("nat", "PREROUTING", "netns-hook", kDnatChain);
  from_outside.dst_type_local = true;
  Rule from_host = rule("nat", "OUTPUT", "netns-hook", kDnatChain);
  from_host.dst_type_local = true;

  // The host's own connections (from 127.0.0.1 or its addresses) and a
  // container reaching a published port through the host (hairpin) must come
  // back through the host to be un-NATed: make their source the gateway.
  Rule host_masq = rule("nat", "POSTROUTING", tag, "MASQUERADE");
  host_masq.out_iface = net.bridge;
  host_masq.src_type_local = true;
  Rule hairpin_masq = rule("nat", "POSTROUTING", tag, "MASQUERADE");
  hairpin_masq.source = net.subnet();
  hairpin_masq.out_iface = net.bridge;
  hairpin_masq.ctstate = "DNAT";

  // Published ports are reachable even where the FORWARD policy is DROP.
  Rule forward_dnat = rule("filter", "FORWARD", tag, "ACCEPT");
  forward_dnat.insert_first = true;
  forward_dnat.out_iface = net.bridge;
  forward_dnat.ctstate = "DNAT";

  // route_localnet on the bridge lets 127.0.0.1 be DNAT'd out of it; without
  // this guard a container could also reach the host's loopback services by
  // addressing 127.0.0.1 to the bridge (CVE-2020-8558).
  Rule guard = rule("filter", "INPUT", tag, "DROP");
  guard.insert_first = true;
  guard.in_iface = net.bridge;
  guard.destination = Cidr::parse("127.0.0.0/8");
  guard.ctstate = "RELATED,ESTABLISHED";
  guard.ctstate_negated = true;

  return {from_outside, from_host, host_masq, hairpin_masq, forward_dnat, guard};
}

std::string port_tag(const std::string& container_id) {
  // xt_comment holds 255 characters; ids are at most 255 (validated).
  return "netns-hook:" + container_id.substr(0, 240);
}

std::vector<Rule> port_rules(const std::string& container_id, const IpAddress& container_ip,
                             const std::vector<PortMapping>& ports) {
  const std::string tag = port_tag(container_id);
  std::vector<Rule> out;
  out.reserve(ports.size());
  for (const auto& p : ports) {
    Rule r = rule("nat", kDnatChain, tag, "DNAT");
    if (p.host_ip) r.destination = Cidr(*p.host_ip, 32);
    r.protocol = p.protocol;
    r.dport = p.host_port;
    r.to_address = container_ip;
    r.to_port = p.container_port;
    out.push_back(std::move(r));
  }
  return out;
}

std::unique_ptr<Firewall> make_firewall(const std::string& backend) {
  if (backend == "none") return std::make_unique<NoFirewall>();
  if (backend == "iptables") return make_iptc_firewall();
  throw Error::input("firewall backend \"" + backend + "\"", "unknown (expected iptables or none)");
}

}  // namespace nh
