// The teardown pipeline: the setup path backwards, by container id alone (the
// runtimes send no pid at poststop). Every step runs; "already gone" is fine.
#include "lib/error.hpp"
#include "lib/firewall.hpp"
#include "lib/hook_ops.hpp"
#include "lib/log.hpp"
#include "lib/netns_link.hpp"
#include "lib/rtnl.hpp"

namespace nh {

void teardown(const Settings& settings, const State& state, const Lease* only) {
  wrap("tear down container " + state.id, [&] {
    Pool pool = Pool::open(settings.state_dir);
    auto lease = pool.find(state.id);
    if (only && lease && !same_lease(*lease, *only)) {
      log_info("container " + state.id + " has a new lease since gc looked: left alone");
      return;
    }
    // The container's published ports first, while its lease still reserves
    // them: no other container can be handed a port whose old DNAT still stands.
    // If that fails, stop here: the lease keeps the ports reserved and names
    // the rules, so running teardown again can finish the job.
    // The `ip netns` name goes first for the same reason: a failure leaves
    // the lease naming it, for the next run.
    if (lease) {
      if (auto link = lease->netns_links.find(state.id); link != lease->netns_links.end())
        unbind_netns(link->second);
      if (auto ports = lease->ports_of(state.id); !ports.empty())
        make_firewall(settings.firewall)->remove(port_rules(state.id, lease->address, ports));
    }
    Drop drop = pool.drop(state.id, only);
    ErrorList errors;
    if (drop.kind == DropKind::kUnknown) {
      log_debug("container " + state.id + " has no lease: nothing to do");
      return;
    }
    if (drop.kind == DropKind::kStillShared) {
      errors.throw_if_any();
      log_info("container " + state.id + " left; " + drop.lease.containers.front() + " keeps " +
               drop.lease.address.str());
      return;
    }
    // Last container of the namespace: the veth goes, then the address.
    // Bridge and per-bridge firewall rules stay for the next container.
    bool veth_gone = false;
    errors.run([&] {
      Netlink host = Netlink::connect();
      delete_link(host, drop.lease.host_veth);
      veth_gone = true;
    });
    // Keep the address while a veth that may still carry it exists.
    if (veth_gone) errors.run([&] { pool.forget(drop.lease, state.id); });
    errors.throw_if_any();
    log_info("container " + state.id + ": released " + drop.lease.address.str());
  });
}

}  // namespace nh
