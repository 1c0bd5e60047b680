#include "lib/admin/restore.hpp"

#include <map>
#include <ostream>
#include <set>

#include "lib/firewall/detect.hpp"
#include "lib/firewall/firewall.hpp"
#include "lib/ipam/pool.hpp"
#include "lib/pipeline/intents.hpp"

namespace nh::admin {

void restore(const input::Settings& settings, std::ostream& out) {
  ipam::Pool pool = ipam::Pool::open(settings.state_dir);
  std::map<std::string, firewall::Change> by_backend;
  std::map<std::string, std::set<std::string>> seen;  // networks already in a change, by backend
  std::size_t containers = 0;
  std::set<std::string> networks;
  for (const auto& s : pool.list()) {
    if (s.members.empty()) continue;  // being torn down
    const std::string& backend = s.firewall;
    auto& change = by_backend[backend];
    auto wanted = pipeline::intents_of(s);
    for (auto& n : wanted.ensure_networks) {
      networks.insert(n.name);
      if (seen[backend].insert(n.name + "/" + n.bridge).second) change.ensure_networks.push_back(std::move(n));
    }
    for (auto& p : wanted.add_ports) change.add_ports.push_back(std::move(p));
    containers += s.members.size();
  }
  std::size_t added = 0;
  for (const auto& [backend, change] : by_backend) {
    if (change.empty()) continue;
    added += firewall::make_firewall(backend)->apply(change);
    // A reload is when another framework's drop policy appears.
    std::vector<std::string> bridges;
    for (const auto& n : change.ensure_networks) bridges.push_back(n.bridge);
    if (backend != "none") firewall::warn_foreign_forward_drops(backend, bridges);
  }
  out << "restore: " << containers << " containers on " << networks.size() << " networks; added " << added
      << " that were missing\n";
}

}  // namespace nh::admin
