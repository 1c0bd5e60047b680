// `netns-hook gc`: bring the state back in line with the kernel after hooks
// were killed or poststop never ran. Releases the leases of namespaces that
// are gone (and of teardowns that stopped half way), and deletes host veths
// of ours that no lease names, and DNAT rules whose container has no lease.
// --dry-run only prints.
#include <optional>
#include <ostream>
#include <set>

#include "lib/error.hpp"
#include "lib/firewall.hpp"
#include "lib/hook_ops.hpp"
#include "lib/log.hpp"
#include "lib/names.hpp"
#include "lib/rtnl.hpp"

namespace nh {

namespace {

// DNAT rules tagged with a container id the pool no longer indexes: left by
// a teardown killed between its two halves, or by a lost state directory.
// The ids are read after the firewall took its snapshot (under the xtables
// lock), and a setup indexes its id before it adds rules, so a rule of a
// setup in flight always finds its id.
void remove_orphan_port_rules(const Settings& settings, Pool& pool, bool dry_run, std::ostream& out) {
  auto firewall = make_firewall(settings.firewall);
  std::optional<std::set<std::string>> tags;
  auto stale = [&](const std::string& comment) {
    if (!tags) {
      tags.emplace();
      for (const auto& id : pool.ids()) tags->insert(port_tag(id));
    }
    return comment.rfind(port_tag(""), 0) == 0 && !tags->count(comment);
  };
  for (const auto& tag : firewall->remove_stale("nat", kDnatChain, stale, dry_run))
    out << "gc: " << (dry_run ? "would remove" : "removed") << " DNAT rule of " << tag.substr(port_tag("").size())
        << " (no lease)\n";
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
      // Only this lease: the container may have been restarted since list().
      errors.run([&] { teardown(settings, s, &lease); });
    }
    if (ids.empty()) {
      out << "gc: " << verb << " " << lease.address.str() << " (no container left)\n";
      if (!dry_run)
        errors.run([&] {
          // The veth is named after the id: a setup of that id since list()
          // has a lease naming it, and the link is that setup's now.
          bool taken_since = false;
          for (const auto& other : pool.list())
            taken_since |= other.host_veth == lease.host_veth && !same_lease(other, lease);
          if (!taken_since) {
            Netlink host = Netlink::connect();
            delete_link(host, lease.host_veth);
          }
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
  std::vector<std::pair<LinkRef, std::string>> ours;  // (veth, bridge)
  for (const auto& bridge : bridges) {
    if (auto info = find_link(host, bridge))
      for (auto& link : links_of_master(host, info->index))
        if (is_host_veth_name(link.name)) ours.emplace_back(std::move(link), bridge);
  }
  Pool pool = Pool::open(settings.state_dir);
  std::set<std::string> leased;
  for (const auto& l : pool.list())
    if (!l.containers.empty()) leased.insert(l.host_veth);

  ErrorList errors;
  for (const auto& entry : ours) {
    const LinkRef& link = entry.first;
    if (leased.count(link.name)) continue;
    out << "gc: " << (dry_run ? "would delete" : "deleted") << " orphan veth " << link.name << " on " << entry.second
        << "\n";
    if (!dry_run) errors.run([&] { delete_link(host, link); });
  }
  errors.run([&] { remove_orphan_port_rules(settings, pool, dry_run, out); });
  errors.run([&] {
    for (const auto& f : pool.remove_dead_temp_files(dry_run))
      out << "gc: " << (dry_run ? "would remove" : "removed") << " " << f << " (a write killed half way)\n";
  });
  errors.throw_if_any();
}

}  // namespace nh
