#include "lib/admin/gc.hpp"

#include <ostream>
#include <set>

#include "lib/base/error.hpp"
#include "lib/base/log.hpp"
#include "lib/firewall/firewall.hpp"
#include "lib/ipam/pool.hpp"
#include "lib/net/names.hpp"
#include "lib/net/store.hpp"
#include "lib/netlink/link.hpp"
#include "lib/pipeline/firewall_choice.hpp"
#include "lib/pipeline/reclaim.hpp"

namespace nh::admin {

namespace {

// Every bridge netns-hook may have made: the default network's, those of the
// network files, and those the records name.
std::set<std::string> known_bridges(const input::Settings& settings, ipam::Pool& pool) {
  std::set<std::string> out{settings.default_network.bridge};
  // Every file that parses: one broken file must not hide the others' bridges.
  try {
    auto scan = net::NetworkStore(settings.networks_dir).scan();
    for (const auto& n : scan.networks) out.insert(n.bridge);
    for (const auto& [name, error] : scan.broken) base::log_warning(std::string("gc: skipping ") + error.what());
  } catch (const base::Error& e) {
    base::log_warning(std::string("gc: skipping the network files: ") + e.what());
  }
  for (const auto& s : pool.list())
    for (const auto& a : s.attachments) out.insert(a.network.bridge);
  return out;
}

void remove_orphan_veths(const input::Settings& settings, ipam::Pool& pool, bool dry_run, std::ostream& out,
                         base::ErrorList& errors) {
  // Links first, records after: a veth made by a setup running now has its
  // record written before it, so it shows up below as named.
  netlink::Netlink host = netlink::Netlink::connect();
  std::vector<std::pair<netlink::LinkRef, std::string>> ours;  // (veth, bridge)
  for (const auto& bridge : known_bridges(settings, pool))
    if (auto info = netlink::find_link(host, bridge))
      for (auto& link : netlink::links_of_master(host, info->index))
        if (net::is_host_veth_name(link.name)) ours.emplace_back(std::move(link), bridge);
  std::set<std::string> named;
  for (const auto& s : pool.list())
    for (const auto& a : s.attachments) named.insert(a.host_veth);
  for (const auto& [link, bridge] : ours) {
    if (named.count(link.name)) continue;
    out << "gc: " << (dry_run ? "would delete" : "deleted") << " orphan veth " << link.name << " on " << bridge << "\n";
    if (!dry_run) errors.run([&, &link = link] { netlink::delete_link(host, link); });
  }
}

// DNAT rules tagged with a container id the state no longer indexes: left by
// a teardown killed between its two halves, or by a lost state directory.
// The ids are read after the firewall took its snapshot (under its lock), and
// a setup indexes its id before it adds rules, so a rule of a setup in flight
// always finds its id.
void remove_orphan_port_rules(const input::Settings& settings, ipam::Pool& pool, bool dry_run, std::ostream& out) {
  std::set<std::string> backends;
  if (auto b = pipeline::firewall_in_use(settings, pool); !b.empty()) backends.insert(b);
  for (const auto& s : pool.list())
    if (!s.firewall.empty()) backends.insert(s.firewall);
  for (const auto& backend : backends) {
    auto snapshot = [&] {
      std::set<std::string> ids;
      for (const auto& id : pool.ids()) ids.insert(firewall::tagged_id(id));
      return std::function<bool(const std::string&)>([ids = std::move(ids)](const std::string& tagged) {
        return !ids.count(tagged);
      });
    };
    for (const auto& id : firewall::make_firewall(backend)->remove_stale_ports(snapshot, dry_run))
      out << "gc: " << (dry_run ? "would remove" : "removed") << " DNAT rule of " << id << " (no lease)\n";
  }
}

}  // namespace

void gc(const input::Settings& settings, bool dry_run, std::ostream& out) {
  ipam::Pool pool = ipam::Pool::open(settings.state_dir);
  base::ErrorList errors;
  errors.run([&] { pipeline::reclaim_all(settings, pool, dry_run, out); });
  errors.run([&] { remove_orphan_veths(settings, pool, dry_run, out, errors); });
  errors.run([&] { remove_orphan_port_rules(settings, pool, dry_run, out); });
  errors.run([&] {
    for (const auto& f : pool.remove_stale_entries(dry_run))
      out << "gc: " << (dry_run ? "would remove" : "removed") << " " << f << " (names no record)\n";
  });
  errors.run([&] {
    for (const auto& f : pool.remove_dead_temp_files(dry_run))
      out << "gc: " << (dry_run ? "would remove" : "removed") << " " << f << " (a write killed half way)\n";
  });
  errors.throw_if_any();
}

}  // namespace nh::admin
