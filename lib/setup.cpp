// The setup pipeline: state -> namespace -> bridge -> lease -> veth ->
// addresses and routes -> firewall (bridge rules, published ports). Each step that changes something pushes its
// undo; a failure runs the undo steps in reverse and rethrows.
#include <linux/if.h>
#include <netlink/errno.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <sstream>
#include <vector>

#include "lib/conntrack.hpp"
#include "lib/container_sysctl.hpp"
#include "lib/error.hpp"
#include "lib/firewall.hpp"
#include "lib/hook_ops.hpp"
#include "lib/log.hpp"
#include "lib/names.hpp"
#include "lib/netns.hpp"
#include "lib/netns_link.hpp"
#include "lib/resolv_conf.hpp"
#include "lib/rtnl.hpp"
#include "lib/sysctl.hpp"

namespace nh {

namespace {

// Undo steps run from the destructor, so they may only refer to objects
// declared before the stack (destroyed after it).
class UndoStack {
 public:
  void push(std::string what, std::function<void()> fn) { steps_.push_back({std::move(what), std::move(fn)}); }
  void commit() noexcept { steps_.clear(); }
  // Best effort, newest first; an undo that fails is logged, the original error stays.
  ~UndoStack() {
    for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
      try {
        it->fn();
      } catch (const std::exception& e) {
        log_error("rollback: " + it->what + ": " + e.what());
      }
    }
  }

 private:
  struct Step {
    std::string what;
    std::function<void()> fn;
  };
  std::vector<Step> steps_;
};

// The address asked for, if any: the annotation wins over --static-ip, since
// it is the per-container one.
ClaimRequest make_request(const Settings& settings, const State& state, const Netns& ns) {
  ClaimRequest req;
  req.id = state.id;
  req.pid = *state.pid;
  req.netns_dev = ns.dev();
  req.netns_inode = ns.inode();
  req.host_veth = host_veth_name(state.id);
  if (settings.netns_link) req.netns_link = settings.netns_dir + "/" + netns_link_name(settings.netns_prefix, state.id);
  if (auto text = annotation(state, kAnnotationIp)) {
    auto a = IpAddress::parse(*text);
    if (!a) throw Error::input("invalid annotation " + std::string(kAnnotationIp) + " \"" + printable(*text) + "\"",
                               "not an IP address");
    req.requested = *a;
    req.requested_source = std::string("annotation ") + kAnnotationIp;
  } else if (settings.static_ip) {
    req.requested = settings.static_ip;
    req.requested_source = "--static-ip";
  }
  if (req.requested) validate_requested_address(settings.network, *req.requested, req.requested_source);
  if (auto text = annotation(state, kAnnotationPorts); text && !text->empty()) {
    req.ports = parse_ports(*text);
    if (settings.firewall == "none")
      throw Error::input(std::string("annotation ") + kAnnotationPorts,
                         "publishing ports needs a firewall backend (--firewall none is set)");
  }
  return req;
}

// The host's IPv4 addresses, read once (one dump) and only when the ports need
// them: to check a mapping's host address, and to flush UDP conntrack entries.
std::vector<IpAddress> local_addresses(Netlink& host, const std::vector<PortMapping>& ports) {
  bool needed = std::any_of(ports.begin(), ports.end(),
                            [](const PortMapping& p) { return p.host_ip || p.protocol == "udp"; });
  std::vector<IpAddress> out;
  if (needed)
    for (const auto& c : link_addresses(host, 0, AF_INET)) out.push_back(c.address());
  return out;
}

// A port published on a specific host address needs that address to be local.
void check_host_addresses(const std::vector<PortMapping>& ports, const std::vector<IpAddress>& local) {
  for (const auto& p : ports) {
    if (p.host_ip && std::find(local.begin(), local.end(), *p.host_ip) == local.end())
      throw Error::input(std::string("invalid annotation ") + kAnnotationPorts + " item \"" + p.str() + "\"",
                         p.host_ip->str() + " is not an address of this host");
  }
}

// "Object exists" while the host end's name is free means the container
// already has a link named like the peer: most often a network of its own,
// set up by the runtime (podman without --network none).
Error peer_name_taken(const Error& e, const VethSpec& spec) {
  return Error(e.action(),
               "the container already has a link named " + spec.peer_name +
                   " (a network of its own? start it without one, e.g. podman --network none, or set --iface)",
               e.kind(), e.code());
}

void create_veth_replacing_orphan(Netlink& host, const VethSpec& spec) {
  try {
    create_veth(host, spec);
    return;
  } catch (const Error& e) {
    if (e.code() != NLE_EXIST) throw;
    // The name is derived from this container's id and no lease holds it: a
    // link by that name is an orphan of a killed run. Replace it once.
    if (!delete_link(host, spec.host_name)) throw peer_name_taken(e, spec);
    log_info("replaced orphan link " + spec.host_name);
  }
  try {
    create_veth(host, spec);
  } catch (const Error& e) {
    if (e.code() != NLE_EXIST) throw;
    throw peer_name_taken(e, spec);
  }
}

// A full pool may be full of leases whose namespaces died without a
// teardown: release those (the lease part of gc) and try once more.
Claim claim_collecting_when_full(const Settings& settings, Pool& pool, const ClaimRequest& req) {
  try {
    return pool.claim(settings.network, req);
  } catch (const Error& e) {
    if (e.code() != ENOSPC) throw;
    std::ostringstream what;
    if (release_dead_leases(settings, false, what) == 0) throw;
    log_info("pool full; " + what.str());
    return pool.claim(settings.network, req);
  }
}

// What a container asks for besides its address, read and checked before
// anything changes: the annotations win over the options.
struct Extras {
  std::vector<SysctlSetting> sysctls;
  std::vector<IpAddress> dns;
  std::optional<ResolvConfTarget> resolv_conf;  // where the dns goes, if anywhere
};

Extras make_extras(const Settings& settings, const State& state, const Netns& ns) {
  Extras x;
  if (auto text = annotation(state, kAnnotationSysctl); text && !text->empty()) {
    x.sysctls = parse_sysctls(*text);
    ns.run_inside([&] { check_sysctls_exist(x.sysctls, settings.network.iface); });
  }
  x.dns = settings.dns;
  if (auto text = annotation(state, kAnnotationDns); text && !text->empty())
    x.dns = parse_dns_list(*text, std::string("annotation ") + kAnnotationDns);
  if (!x.dns.empty()) x.resolv_conf = find_resolv_conf(state.bundle);
  return x;
}

// Inside the container's namespace, through a socket opened there. The
// sysctls come last: keys such as net.ipv4.conf.eth0.* need eth0.
void configure_container(const Netns& ns, const Network& net, const Lease& lease,
                         const std::vector<SysctlSetting>& sysctls) {
  std::optional<Netlink> inside;
  ns.run_inside([&] {
    inside = Netlink::connect();
    if (!sysctls.empty()) apply_sysctls(sysctls);
  });
  // lo is always ifindex 1 (the kernel's LOOPBACK_IFINDEX) and setting IFF_UP
  // on an up link changes nothing: no lookup needed.
  set_link_up(*inside, 1, "lo");
  auto eth = find_link(*inside, net.iface);
  if (!eth) throw Error("configure " + net.iface + " in the container", "the link is missing after creation");
  set_link_up(*inside, eth->index, net.iface);
  add_address(*inside, eth->index, net.iface, Cidr(lease.address, lease.prefix));
  add_default_route(*inside, eth->index, net.iface, net.gateway.address());
}

}  // namespace

SetupResult setup(const Settings& settings, const State& state) {
  const Network& net = settings.network;
  const std::string ctx = "set up container " + state.id;
  if (!state.pid)
    throw Error::input(ctx, "the state has no pid (run setup from a prestart or createRuntime hook)");

  return wrap(ctx, [&]() -> SetupResult {
    StepTimer timer;
    auto req_ns = Netns::open_pid(*state.pid);
    if (req_ns.is_current()) {
      log_info("container " + state.id + " shares the hook's network namespace (host network): nothing to do");
      return {SetupOutcome::kHostNetwork, {}};
    }
    ClaimRequest req = make_request(settings, state, req_ns);
    Extras extras = make_extras(settings, state, req_ns);
    timer.step("namespace");

    Pool pool = Pool::open(settings.state_dir);
    // Idempotence first, without the lock: a container that is already set up
    // must not fail because of anything else.
    if (auto mine = pool.find(state.id)) {
      if (mine->netns_dev == req.netns_dev && mine->netns_inode == req.netns_inode) {
        log_info("container " + state.id + " already has " + mine->address.str() + ": nothing to do");
        return {SetupOutcome::kExisting, *mine};
      }
      // A lease for this id on another namespace: the container was restarted
      // and its poststop never ran. Finish that teardown first.
      log_info("container " + state.id + " has a lease from an earlier run; releasing it");
      teardown(settings, state);
    }
    Netlink host = Netlink::connect();
    const std::vector<IpAddress> local = local_addresses(host, req.ports);
    check_host_addresses(req.ports, local);
    // Everything that can refuse the request is checked before anything
    // changes: the bridge (read-only here), then the pool (one locked step).
    BridgeCheck bridge_check = check_bridge(host, net);
    Claim claim = claim_collecting_when_full(settings, pool, req);
    timer.step("lease");
    if (claim.kind == ClaimKind::kExisting) {  // a concurrent run for the same id won
      log_info("container " + state.id + " already has " + claim.lease.address.str() + ": nothing to do");
      return {SetupOutcome::kExisting, claim.lease};
    }
    const Lease& lease = claim.lease;

    // Everything the undo steps refer to lives longer than the undo stack.
    auto fw = make_firewall(settings.firewall);
    ResolvConfWrite resolv;
    std::vector<SysctlChange> shared_sysctls;  // set in a namespace another container lives in
    const std::vector<Rule> mine = port_rules(state.id, lease.address, req.ports);
    std::vector<Rule> rules = bridge_rules(net);  // one ensure call: each table read once, committed at most once
    if (!mine.empty()) {
      auto shared = publish_rules(net);
      rules.insert(rules.end(), shared.begin(), shared.end());
      rules.insert(rules.end(), mine.begin(), mine.end());
    }
    UndoStack undo;
    undo.push("release " + lease.address.str(), [&] { pool.undo_claim(claim, state.id); });

    // The bridge is shared by every container and is never rolled back.
    BridgeResult bridge = ensure_bridge(host, net, bridge_check);
    timer.step("bridge");
    if (bridge.created) log_info("created bridge " + net.bridge + " " + net.gateway.str());

    if (claim.kind == ClaimKind::kAllocated) {
      VethSpec spec{lease.host_veth, bridge.index, net.iface, req_ns.fd(), net.mtu};
      create_veth_replacing_orphan(host, spec);
      timer.step("veth");
      undo.push("delete " + lease.host_veth, [&] { delete_link(host, lease.host_veth); });
      configure_container(req_ns, net, lease, extras.sysctls);
      timer.step("container address and route");
      pool.activate(lease);
    } else if (!extras.sysctls.empty()) {  // joined: the namespace is built, its sysctls may still be asked for
      req_ns.run_inside([&] { shared_sysctls = apply_sysctls(extras.sysctls); });
      // A new namespace goes with a failed container; this one stays with the other.
      undo.push("restore the sysctls", [&] { req_ns.run_inside([&] { restore_sysctls(shared_sysctls); }); });
    }
    if (extras.resolv_conf) {
      resolv = write_resolv_conf(std::move(*extras.resolv_conf), extras.dns);
      undo.push("remove the resolv.conf written", [&] { resolv.undo(); });
    }

    if (!req.netns_link.empty()) {
      bind_netns(req.netns_link, req_ns.fd(), req_ns.dev(), req_ns.inode());
      undo.push("unbind " + req.netns_link, [&] { unbind_netns(req.netns_link); });
      timer.step("netns name");
    }

    if (!req.ports.empty()) set_hairpin(host, lease.host_veth);
    ensure_sysctl("net/ipv4/ip_forward", "1");
    timer.step("sysctls");
    if (!mine.empty()) undo.push("remove the port rules of " + state.id, [&] { fw->remove(mine); });
    fw->ensure(rules);
    timer.step("firewall");
    if (!req.ports.empty()) {
      // So 127.0.0.1 may be DNAT'd out of the bridge; only now that the INPUT
      // guard against CVE-2020-8558 is in place.
      ensure_sysctl("net/ipv4/conf/" + net.bridge + "/route_localnet", "1");
      flush_udp_conntrack(req.ports, local);
    }

    undo.commit();
    if (claim.kind == ClaimKind::kJoined) {
      log_info("container " + state.id + " joined the namespace of " + lease.containers.front() + " (" +
               lease.address.str() + ")");
      return {SetupOutcome::kJoined, lease};
    }
    log_info("container " + state.id + ": " + lease.address.str() + "/" + std::to_string(lease.prefix) + " on " +
             net.bridge + " via " + lease.host_veth);
    return {SetupOutcome::kConfigured, lease};
  });
}

}  // namespace nh
