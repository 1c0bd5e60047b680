#include "lib/pipeline/setup.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <sstream>

#include "lib/base/error.hpp"
#include "lib/base/log.hpp"
#include "lib/base/sysctl.hpp"
#include "lib/container/netns_link.hpp"
#include "lib/container/resolv_conf.hpp"
#include "lib/firewall/firewall.hpp"
#include "lib/ipam/pool.hpp"
#include "lib/net/names.hpp"
#include "lib/netlink/conntrack.hpp"
#include "lib/netlink/link.hpp"
#include "lib/pipeline/attach.hpp"
#include "lib/pipeline/firewall_choice.hpp"
#include "lib/pipeline/host_ports.hpp"
#include "lib/pipeline/intents.hpp"
#include "lib/pipeline/ipv6_host.hpp"
#include "lib/pipeline/reclaim.hpp"
#include "lib/pipeline/teardown.hpp"
#include "lib/pipeline/undo.hpp"

namespace nh::pipeline {

using base::Error;
using base::log_info;

namespace {

ipam::ClaimRequest claim_request(const input::Request& req, const netlink::Netns& ns, const std::string& firewall) {
  ipam::ClaimRequest c;
  c.id = req.id;
  c.pid = req.pid;
  c.netns_dev = ns.dev();
  c.netns_inode = ns.inode();
  c.netns_path = req.netns_path;
  c.join_existing = req.join_existing;
  c.ports = req.ports;
  c.ports_network = req.ports_network;
  c.netns_link = req.netns_link;
  c.firewall = firewall;
  for (const auto& a : req.attachments)
    c.attachments.push_back({a.network, a.definition, a.iface, net::host_veth_name(req.id, a.network.name, a.iface),
                             a.requested, a.requested_source, a.default_route, a.mac});
  return c;
}

std::string summary(const std::vector<ipam::Attachment>& atts) {
  std::string out;
  for (const auto& a : atts) {
    std::string addrs;
    for (const auto& ad : a.addresses) addrs += (addrs.empty() ? "" : " ") + ad.cidr.str();
    out += (out.empty() ? "" : "; ") + a.iface + " " + addrs + " on " + a.network.name + " via " + a.host_veth;
  }
  return out;
}

// Before the claim, outside the lock: what an earlier run left for this
// container or this namespace is finished first. Returns the sandbox when
// the container is set up already.
std::optional<ipam::Sandbox> settle_earlier_runs(const input::Settings& settings, ipam::Pool& pool,
                                                 const input::Request& req, const std::string& key) {
  if (auto mine = pool.find(req.id, true)) {
    const bool member = mine->member(req.id) != nullptr;
    if (member && !needs_reclaim(*mine)) {
      if (mine->key != key) return std::nullopt;  // alive elsewhere: the claim refuses, naming it
      if (mine->built() && req.join_existing) return mine;
      if (mine->building_pid() != 0 && mine->building_pid() != ::getpid())
        // A condition that passes (errno EAGAIN: a CNI client is told to try again later).
        throw Error("container " + req.id,
                    "another hook run (pid " + std::to_string(mine->building_pid()) + ") is setting it up; retry",
                    Error::Kind::kErrno, EAGAIN);
      if (!req.join_existing) return std::nullopt;  // CNI: another attachment of the same container
    }
    // A record of an earlier run of this id whose namespace is gone (a
    // restart whose poststop never ran), a teardown that stopped half way,
    // or a setup that was killed.
    log_info("container " + req.id + " has a network from an earlier run; releasing it");
    if (member) reclaim(settings, *mine);
    else teardown(settings, req.id);
  }
  // A record of a namespace that is gone, whose identity this one now has
  // (its inode was recycled), or one whose setup was killed.
  if (auto theirs = pool.load(key); theirs && needs_reclaim(*theirs)) {
    log_info("releasing the network of an earlier namespace with the same identity");
    reclaim(settings, *theirs);
  }
  return std::nullopt;
}

// A full pool may be full of leases whose namespaces died without a
// teardown: release those (the lease part of gc) and try once more.
ipam::Claim claim_collecting_when_full(const input::Settings& settings, ipam::Pool& pool,
                                       const ipam::ClaimRequest& req) {
  try {
    return pool.claim(req);
  } catch (const Error& e) {
    if (!e.is_errno(ENOSPC)) throw;
    std::ostringstream what;
    if (reclaim_all(settings, pool, false, what) == 0) throw;
    log_info("pool full; " + what.str());
    return pool.claim(req);
  }
}

}  // namespace

SetupResult setup(const input::Settings& settings, const input::Request& req) {
  const std::string ctx = "set up container " + req.id;
  if (req.pid <= 0 && req.netns_path.empty())
    throw Error::input(ctx, "the state has no pid (run setup from a prestart or createRuntime hook)");

  return base::wrap(ctx, [&]() -> SetupResult {
    base::StepTimer timer;
    auto ns = req.netns_path.empty() ? netlink::Netns::open_pid(req.pid) : netlink::Netns::open_path(req.netns_path);
    if (ns.is_current()) {
      if (!req.netns_path.empty())
        throw Error::input(req.netns_path, "it is the plugin's own network namespace, not a container's");
      log_info("container " + req.id + " shares the hook's network namespace (host network): nothing to do");
      return {SetupOutcome::kHostNetwork, {}};
    }
    // Everything that can refuse the request is checked before anything changes.
    if (!req.sysctls.empty()) {
      std::vector<std::string> ifaces;
      for (const auto& a : req.attachments) ifaces.push_back(a.iface);
      ns.run_inside([&] { container::check_sysctls_exist(req.sysctls, ifaces); });
    }
    std::optional<container::ResolvConfTarget> resolv_target;
    if (!req.dns.empty()) resolv_target = container::find_resolv_conf(req.bundle);
    timer.step("namespace");

    ipam::Pool pool = ipam::Pool::open(settings.state_dir);
    const std::string key = ipam::sandbox_key(ns.dev(), ns.inode());
    if (auto mine = settle_earlier_runs(settings, pool, req, key)) {
      log_info("container " + req.id + " is set up already: nothing to do");
      return {SetupOutcome::kExisting, *mine};
    }
    auto host = netlink::Netlink::connect();
    const std::vector<addr::IpAddress> local = local_addresses(host, req.ports);
    check_host_addresses(req.ports, local);
    auto bridge_checks = check_bridges(host, req);  // read-only
    std::vector<std::string> bridges;
    for (const auto& a : req.attachments) bridges.push_back(a.network.bridge);
    const std::string backend = firewall_for_setup(settings, pool, bridges);
    ipam::Claim claim = claim_collecting_when_full(settings, pool, claim_request(req, ns, backend));
    timer.step("lease");
    if (claim.kind == ipam::ClaimKind::kExisting) {
      log_info("container " + req.id + " is set up already: nothing to do");
      return {SetupOutcome::kExisting, claim.sandbox};
    }
    const ipam::Sandbox& sb = claim.sandbox;
    const ipam::Member& me = *sb.member(req.id);

    // Everything the undo steps refer to lives longer than the undo stack.
    std::unique_ptr<firewall::Firewall> fw;
    container::ResolvConfWrite resolv;
    std::vector<container::SysctlChange> shared_sysctls;  // set in a namespace another container lives in
    // The ports this run publishes (a CNI ADD without ports leaves the
    // member's earlier ones alone).
    firewall::ContainerPorts mine = ports_of(sb, me);
    if (req.ports.empty()) mine.ports.clear();
    UndoStack undo;
    undo.push("release the leases of " + req.id, [&] { pool.undo_claim(claim, req.id); });
    fw = firewall::make_firewall(sb.firewall.empty() ? backend : sb.firewall);
    // The firewall first: its rules name bridges and addresses, not links, so
    // they need nothing built yet; and after an nftables commit the kernel
    // frees the batch an RCU grace period later, which a process exiting
    // right after its commit waits for (its socket's release flushes that
    // work). Committed first, the grace period passes while the links are
    // built.
    firewall::Change change;
    change.ensure_networks = networks_of(sb);
    if (!mine.ports.empty()) {
      change.add_ports.push_back(mine);
      firewall::Change removal;
      removal.remove_ports.push_back(mine);
      undo.push("remove the port rules of " + req.id, [&fw, removal] { fw->apply(removal); });
    }
    fw->apply(change);
    timer.step("firewall");

    if (claim.kind == ipam::ClaimKind::kAllocated) {
      build_host_links(host, ns, claim.added, bridge_checks, undo);
      timer.step("bridge and veth");
      auto changed = configure_inside(ns, claim.added, req.sysctls);
      // A new namespace goes with a failed container; one that stays (an
      // attachment added to it) gets its sysctls back (below).
      if (!claim.new_sandbox) shared_sysctls = std::move(changed);
      timer.step("container addresses and routes");
    } else if (!req.sysctls.empty()) {  // joined: the namespace is built, its sysctls may still be asked for
      ns.run_inside([&] { shared_sysctls = container::apply_sysctls(req.sysctls); });
    }
    if (!shared_sysctls.empty())
      undo.push("restore the sysctls", [&] { ns.run_inside([&] { container::restore_sysctls(shared_sysctls); }); });
    if (resolv_target) {
      resolv = container::write_resolv_conf(std::move(*resolv_target), req.dns);
      undo.push("remove the resolv.conf written", [&] { resolv.undo(); });
    }
    if (!req.netns_link.empty()) {
      container::bind_netns(req.netns_link, ns.fd(), ns.dev(), ns.inode());
      undo.push("unbind " + req.netns_link, [&] { container::unbind_netns(req.netns_link); });
      timer.step("netns name");
    }

    const ipam::Attachment* carrier = sb.ports_attachment(me);
    if (!mine.ports.empty() && carrier) netlink::set_hairpin(host, {carrier->host_veth, carrier->host_ifindex});
    base::ensure_sysctl("net/ipv4/ip_forward", "1");
    for (const auto& a : sb.attachments)
      if (a.network.subnet(AF_INET6)) {
        enable_ipv6_forwarding(host);
        break;
      }
    timer.step("sysctls");
    if (!mine.ports.empty() && carrier) {
      // So 127.0.0.1 may be DNAT'd out of the bridge; only now that the INPUT
      // guard against CVE-2020-8558 is in place.
      base::ensure_sysctl("net/ipv4/conf/" + carrier->network.bridge + "/route_localnet", "1");
      netlink::flush_udp_conntrack(mine.ports, local);
    }

    // Only now may other containers join the namespace: everything it needs is in place.
    ipam::Sandbox built = pool.activate(claim);
    undo.commit();
    if (claim.kind == ipam::ClaimKind::kJoined) {
      log_info("container " + req.id + " joined the namespace of " + sb.members.front().id);
      return {SetupOutcome::kJoined, built};
    }
    log_info("container " + req.id + ": " + summary(claim.added) + " (firewall " + fw->name() + ")");
    return {SetupOutcome::kConfigured, built};
  });
}

}  // namespace nh::pipeline
