// `netns-hook restore`: after a firewall reload wiped the tables, put back
// every rule the leases call for. The rules come from the same pure functions
// setup uses, so restore can neither miss one nor invent one; ensure() adds
// only what is missing, so running it again changes nothing.
#include <map>
#include <ostream>
#include <set>

#include "lib/firewall.hpp"
#include "lib/hook_ops.hpp"

namespace nh {

void restore(const Settings& settings, std::ostream& out) {
  Pool pool = Pool::open(settings.state_dir);
  std::map<std::string, Network> bridges;
  std::set<std::string> publishing;
  std::vector<Rule> container_rules;
  std::size_t containers = 0;
  for (const auto& l : pool.list()) {
    if (l.containers.empty()) continue;  // being torn down
    Network n = settings.network;
    n.bridge = l.bridge;
    n.gateway = Cidr(l.gateway, l.prefix);
    bridges.emplace(l.bridge, n);
    for (const auto& id : l.containers) {
      ++containers;
      auto ports = l.ports_of(id);
      if (ports.empty()) continue;
      publishing.insert(l.bridge);
      auto r = port_rules(id, l.address, ports);
      container_rules.insert(container_rules.end(), r.begin(), r.end());
    }
  }
  std::vector<Rule> rules;
  for (const auto& [name, net] : bridges) {
    auto b = bridge_rules(net);
    rules.insert(rules.end(), b.begin(), b.end());
    if (publishing.count(name)) {
      auto p = publish_rules(net);
      rules.insert(rules.end(), p.begin(), p.end());
    }
  }
  rules.insert(rules.end(), container_rules.begin(), container_rules.end());
  std::size_t added = rules.empty() ? 0 : make_firewall(settings.firewall)->ensure(rules);
  out << "restore: " << containers << " containers on " << bridges.size() << " bridges need " << rules.size()
      << " rules; added " << added << " that were missing\n";
}

}  // namespace nh
