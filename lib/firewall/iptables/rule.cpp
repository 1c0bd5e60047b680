#include "lib/firewall/iptables/rule.hpp"

namespace nh::firewall::iptables {

namespace {

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
  if (r.to_address) s += " --to-destination " + r.to_address->bracketed() + ":" + std::to_string(r.to_port);
  return s;
}

}  // namespace nh::firewall::iptables
