// `netns-hook gc`: bring the state back in line with the kernel after hooks
// were killed or poststop never ran. Releases the leases of namespaces that
// are gone (and of teardowns that stopped half way), and deletes host veths
// of ours that no lease names. --dry-run only prints.
#include <ostream>
#include <regex>
#include <set>

#include "lib/error.hpp"
#include "lib/hook_ops.hpp"
#include "lib/log.hpp"
#include "lib/names.hpp"
#include "lib/rtnl.hpp"

namespace nh {

namespace {

bool is_our_veth_name(const std::string& name) {
  static const std::regex pattern(std::string(kVethPrefix) + "[0-9a-f]{12}");
  return std::regex_match(name, pattern);
}

}  // namespace

std::size_t release_dead_leases(const Settings& settings, bool dry_run, std::ostream& out,
                                std::set<std::string>* bridges) {
  const char* verb = dry_run ? "would release" : "released";
  Pool pool = Pool::open(settings.state_dir);
  ErrorList errors;
  std::size_t released = 0;
  for (const auto& lease : pool.list()) {
    if (bridges) bridges->insert(lease.bridge);
    if (!lease.containers.empty() && namespace_alive(lease)) continue;
    ++released;
    // Dead namespace: tear each container down as its poststop would have.
    // An empty lease is a teardown that stopped half way: finish it by id.
    auto ids = lease.containers.empty() ? pool.ids_of(lease.address) : lease.containers;
    for (const auto& id : ids) {
      out << "gc: " << verb << " " << lease.address.str() << " of container " << id << "\n";
      if (dry_run) continue;
      State s;
      s.id = id;
      errors.run([&] { teardown(settings, s); });
    }
    if (ids.empty()) {
      out << "gc: " << verb << " " << lease.address.str() << " (no container left)\n";
      if (!dry_run)
        errors.run([&] {
          Netlink host = Netlink::connect();
          delete_link(host, lease.host_veth);
          pool.forget(lease, "");
        });
    }
  }
  errors.throw_if_any();
  return released;
}

void gc(const Settings& settings, bool dry_run, std::ostream& out) {
  std::set<std::string> bridges{settings.network.bridge};
  release_dead_leases(settings, dry_run, out, &bridges);

  // Links first, leases after: a veth made by a setup running now has its
  // lease written before it, so it shows up below as leased.
  Netlink host = Netlink::connect();
  std::vector<std::pair<std::string, std::string>> ours;  // (veth, bridge)
  for (const auto& bridge : bridges) {
    if (auto info = find_link(host, bridge))
      for (const auto& name : links_of_master(host, info->index))
        if (is_our_veth_name(name)) ours.emplace_back(name, bridge);
  }
  std::set<std::string> leased;
  for (const auto& l : Pool::open(settings.state_dir).list())
    if (!l.containers.empty()) leased.insert(l.host_veth);

  ErrorList errors;
  for (const auto& [name, bridge] : ours) {
    if (leased.count(name)) continue;
    out << "gc: " << (dry_run ? "would delete" : "deleted") << " orphan veth " << name << " on " << bridge << "\n";
    // Captured by name: clang before 16 cannot capture a structured binding.
    if (!dry_run) errors.run([&, &name = name] { delete_link(host, name); });
  }
  errors.throw_if_any();
}

}  // namespace nh
