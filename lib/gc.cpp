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
                                std::set<std::string>* live_veths, std::set<std::string>* bridges) {
  const char* verb = dry_run ? "would release" : "released";
  Pool pool = Pool::open(settings.state_dir);
  ErrorList errors;
  std::size_t released = 0;
  for (const auto& lease : pool.list()) {
    if (bridges) bridges->insert(lease.bridge);
    if (!lease.containers.empty() && namespace_alive(lease)) {
      if (live_veths) live_veths->insert(lease.host_veth);
      continue;
    }
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
  std::set<std::string> live_veths;
  release_dead_leases(settings, dry_run, out, &live_veths, &bridges);
  Pool pool = Pool::open(settings.state_dir);
  ErrorList errors;
  Netlink host = Netlink::connect();
  for (const auto& bridge : bridges) {
    auto info = find_link(host, bridge);
    if (!info) continue;
    for (const auto& name : links_of_master(host, info->index)) {
      if (!is_our_veth_name(name) || live_veths.count(name)) continue;
      // A lease made after the list above was read may own it: look again.
      bool leased = false;
      for (const auto& l : pool.list()) leased = leased || (l.host_veth == name && !l.containers.empty());
      if (leased) continue;
      out << "gc: " << (dry_run ? "would delete" : "deleted") << " orphan veth " << name << " on " << bridge << "\n";
      if (!dry_run) errors.run([&] { delete_link(host, name); });
    }
  }
  errors.throw_if_any();
}

}  // namespace nh
