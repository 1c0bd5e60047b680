#include "lib/firewall/iptables/backend.hpp"

#include <map>

#include "lib/firewall/iptables/ruleset.hpp"
#include "lib/firewall/iptables/table.hpp"

namespace nh::firewall::iptables {

namespace {

// The rows a change adds and removes, grouped by table.
struct Rows {
  std::vector<Rule> add, remove;

  explicit Rows(const Change& c) {
    if (!c.ensure_networks.empty() || !c.add_ports.empty()) add = global_rules();
    for (const auto& n : c.ensure_networks) append(add, network_rules(n));
    for (const auto& p : c.add_ports) append(add, port_rules(p));
    for (const auto& n : c.remove_networks) append(remove, network_rules(n));
    for (const auto& p : c.remove_ports) append(remove, port_rules(p));
  }
  static void append(std::vector<Rule>& to, const std::vector<Rule>& rows) { to.insert(to.end(), rows.begin(), rows.end()); }
  static std::map<std::string, std::vector<const Rule*>> by_table(const std::vector<Rule>& rows) {
    std::map<std::string, std::vector<const Rule*>> out;
    for (const auto& r : rows) out[r.table].push_back(&r);
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
    std::map<std::string, bool> tables;
    for (const auto& [t, _] : adds) tables[t] = true;
    for (const auto& [t, _] : removes) tables[t] = true;
    auto lock = xtables_lock();
    std::size_t changed = 0;
    for (const auto& [table, _] : tables) changed += apply_table(table, adds[table], removes[table]);
    return changed;
  }

  std::vector<std::string> missing(const Change& change) override {
    Rows rows(change);
    std::vector<std::string> out;
    auto lock = xtables_lock();
    for (const auto& [table, list] : Rows::by_table(rows.add)) {
      auto m = missing_in_table(table, list);
      out.insert(out.end(), m.begin(), m.end());
    }
    return out;
  }

  std::vector<std::string> remove_stale_ports(const std::function<bool(const std::string&)>& stale,
                                              bool dry_run) override {
    const std::string prefix = port_tag("");
    auto lock = xtables_lock();
    auto tags = remove_stale(
        "nat", kDnatChain,
        [&](const std::string& comment) {
          return comment.rfind(prefix, 0) == 0 && stale(comment.substr(prefix.size()));
        },
        dry_run);
    for (auto& t : tags) t = t.substr(prefix.size());
    return tags;
  }
};

}  // namespace

std::unique_ptr<Firewall> make_backend() { return std::make_unique<Backend>(); }

}  // namespace nh::firewall::iptables
