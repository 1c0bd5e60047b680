#include "lib/firewall.hpp"

#include "lib/error.hpp"

namespace nh {

namespace {

// For hosts that manage their firewall elsewhere.
class NoFirewall final : public Firewall {
 public:
  void ensure(const std::vector<Rule>&) override {}
  void remove(const std::vector<Rule>&) override {}
};

}  // namespace

std::string to_iptables_save(const Rule& r) {
  std::string s = "-A " + r.chain;
  if (r.source) s += " -s " + r.source->network_str();
  if (!r.in_iface.empty()) s += std::string(r.in_negated ? " !" : "") + " -i " + r.in_iface;
  if (!r.out_iface.empty()) s += std::string(r.out_negated ? " !" : "") + " -o " + r.out_iface;
  if (r.established_only) s += " -m conntrack --ctstate RELATED,ESTABLISHED";
  if (!r.comment.empty()) s += " -m comment --comment \"" + r.comment + "\"";
  s += " -j " + r.target;
  return s;
}

std::vector<Rule> bridge_rules(const Network& net) {
  const std::string tag = "netns-hook:" + net.bridge;
  Rule masq;
  masq.table = "nat";
  masq.chain = "POSTROUTING";
  masq.source = net.subnet();
  masq.out_iface = net.bridge;
  masq.out_negated = true;
  masq.comment = tag;
  masq.target = "MASQUERADE";

  Rule from_bridge;
  from_bridge.table = "filter";
  from_bridge.chain = "FORWARD";
  from_bridge.insert_first = true;
  from_bridge.in_iface = net.bridge;
  from_bridge.comment = tag;
  from_bridge.target = "ACCEPT";

  // Replies only: nothing outside may open connections to containers unless a
  // port is published (a later DNAT rule).
  Rule to_bridge = from_bridge;
  to_bridge.in_iface.clear();
  to_bridge.out_iface = net.bridge;
  to_bridge.established_only = true;

  return {masq, from_bridge, to_bridge};
}

std::unique_ptr<Firewall> make_firewall(const std::string& backend) {
  if (backend == "none") return std::make_unique<NoFirewall>();
  if (backend == "iptables") return make_iptc_firewall();
  throw Error::input("firewall backend \"" + backend + "\"", "unknown (expected iptables or none)");
}

}  // namespace nh
