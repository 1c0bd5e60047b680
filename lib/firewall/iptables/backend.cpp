#include "lib/firewall/iptables/backend.hpp"

#include <unistd.h>

#include <map>
#include <set>

#include "lib/firewall/iptables/ruleset.hpp"
#include "lib/firewall/iptables/table.hpp"

namespace nh::firewall::iptables {

namespace {

// The rows a change adds and removes, grouped by family and table.
struct Rows {
  std::vector<Rule> add, remove;

  explicit Rows(const Change& c) {
    // The jumps into our chains, in the tables of each family the change adds to.
    std::set<int> families;
    for (const auto& n : c.ensure_networks)
      for (const auto& s : n.subnets) families.insert(s.subnet.family());
    for (const auto& p : c.add_ports)
      for (const auto& t : p.targets) families.insert(t.family());
    for (int f : families) append(add, global_rules(f));
    for (const auto& n : c.ensure_networks) append(add, network_rules(n));
    for (const auto& p : c.add_ports) append(add, port_rules(p));
    for (const auto& n : c.remove_networks) append(remove, network_rules(n));
    for (const auto& p : c.remove_ports) append(remove, port_rules(p));
  }
  static void append(std::vector<Rule>& to, const std::vector<Rule>& rows) { to.insert(to.end(), rows.begin(), rows.end()); }
  using Table = std::pair<int, std::string>;  // (family, table)
  static std::map<Table, std::vector<const Rule*>> by_table(const std::vector<Rule>& rows) {
    std::map<Table, std::vector<const Rule*>> out;
    for (const auto& r : rows) out[{r.family, r.table}].push_back(&r);
    return out;
  }
};

class Backend final : public Firewall {
 public:
  std::string name() const override { return "iptables"; }

  std::size_t apply(const Change& change) override {
    Rows rows(change);
    if (rows.add.empty() && rows.remove.empty()) return 0;
    auto adds = Rows::by_table(rows.add), removes = Rows::by_table(rows.remove);
    std::set<Rows::Table> tables;
    for (const auto& [t, _] : adds) tables.insert(t);
    for (const auto& [t, _] : removes) tables.insert(t);
    auto lock = xtables_lock();
    std::size_t changed = 0;
    for (const auto& t : tables) changed += apply_table(t.first, t.second, adds[t], removes[t]);
    return changed;
  }

  std::vector<std::string> missing(const Change& change) override {
    Rows rows(change);
    std::vector<std::string> out;
    auto lock = xtables_lock();
    for (const auto& [table, list] : Rows::by_table(rows.add)) {
      auto m = missing_in_table(table.first, table.second, list);
      out.insert(out.end(), m.begin(), m.end());
    }
    return out;
  }

  std::vector<std::string> remove_stale_ports(const StaleSnapshot& snapshot, bool dry_run) override {
    const std::string prefix = port_tag("");
    auto lock = xtables_lock();
    // Under the lock no setup adds rules: records read now cover every rule read below.
    const auto stale = snapshot();
    std::set<std::string> ids;
    for (int family : {AF_INET, AF_INET6}) {
      // A kernel without IPv6 (ipv6.disable=1) has no ip6tables table to read,
      // and no rule of ours in it: gc of IPv4-only hosts must not fail there.
      if (family == AF_INET6 && ::access("/proc/sys/net/ipv6", F_OK) != 0) continue;
      auto tags = remove_stale(
          family, "nat", kDnatChain,
          [&](const std::string& comment) {
            return comment.rfind(prefix, 0) == 0 && stale(comment.substr(prefix.size()));
          },
          dry_run);
      for (const auto& t : tags) ids.insert(t.substr(prefix.size()));
    }
    return {ids.begin(), ids.end()};
  }
};

}  // namespace

std::unique_ptr<Firewall> make_backend() { return std::make_unique<Backend>(); }

}  // namespace nh::firewall::iptables
