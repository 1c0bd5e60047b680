#include "lib/pipeline/teardown.hpp"

#include <algorithm>
#include <optional>

#include "lib/base/error.hpp"
#include "lib/base/log.hpp"
#include "lib/container/netns_link.hpp"
#include "lib/firewall/firewall.hpp"
#include "lib/ipam/pool.hpp"
#include "lib/netlink/link.hpp"
#include "lib/pipeline/intents.hpp"

namespace nh::pipeline {

using base::log_debug;
using base::log_info;

void teardown(const input::Settings& settings, const std::string& id, const std::string& iface,
              const ipam::Sandbox* only, const std::string& network) {
  base::wrap("tear down container " + id, [&] {
    base::StepTimer timer;
    ipam::Pool pool = ipam::Pool::open(settings.state_dir);
    // Lives to the end: see nftables::Backend on why its socket is closed last.
    std::unique_ptr<firewall::Firewall> fw;
    auto sb = pool.find(id);
    if (only && sb && !ipam::same_sandbox(*sb, *only)) {
      log_info("container " + id + " has a new network since gc looked: left alone");
      return;
    }
    if (const ipam::Attachment* a = sb && !network.empty() ? sb->attachment(iface) : nullptr;
        a && a->container == id && a->network.name != network) {
      log_info("container " + id + " " + iface + " is on network " + a->network.name + ", not " + network + ": left alone");
      return;
    }
    // The `ip netns` name and the published ports first, while the record
    // still names them and reserves the ports: no other container can be
    // handed a port whose old DNAT still stands. If that fails, stop here:
    // running teardown again finishes the job.
    if (sb) {
      const ipam::Member& m = *sb->member(id);
      if (iface.empty() && !m.netns_link.empty()) container::unbind_netns(m.netns_link);
      const ipam::Attachment* carrier = sb->ports_attachment(m);
      if (!m.ports.empty() && (iface.empty() || (carrier && carrier->iface == iface))) {
        fw = firewall::make_firewall(sb->firewall);
        firewall::Change change;
        change.remove_ports.push_back(ports_of(*sb, m));
        fw->apply(change);
      }
    }
    timer.step("name and port rules");
    ipam::Drop drop = pool.drop(id, iface, only, network);
    timer.step("record");
    if (drop.kind == ipam::DropKind::kUnknown) {
      log_debug("container " + id + (iface.empty() ? "" : " interface " + iface) + " has no network: nothing to do");
      return;
    }
    if (drop.kind == ipam::DropKind::kStillShared) {
      log_info("container " + id + " left; " + drop.sandbox.members.front().id + " keeps the namespace's network");
      return;
    }
    // The veths go, newest first; an address is freed only once no veth that
    // may still carry it exists. Bridges and network rules stay for the
    // next container.
    base::ErrorList errors;
    std::optional<netlink::Netlink> host;
    std::vector<std::string> released;
    // A namespace nothing we know of holds any more (the container's
    // processes gone, its `ip netns` name unbound above, no CNI path naming
    // it) is torn down by the kernel, its veths with it, a few milliseconds
    // later: left to the kernel. Deleting a veth ourselves costs RCU grace
    // periods (~20 ms) that the runtime's poststop would wait for. Its
    // address is freed now, as the CNI plugins free one whose namespace is
    // gone; were the namespace held by something unknown (a shell entered
    // with nsenter), its veth would be an orphan that gc deletes. A
    // namespace that lives on keeps its container: its veths are deleted.
    // (The members as they were before drop() took this one out: its pid
    // may be what keeps the namespace alive.)
    const bool dying = !ipam::namespace_alive(sb ? *sb : drop.sandbox);
    log_debug(dying ? "the namespace is gone: the kernel removes its veths" : "the namespace lives on: deleting its veths");
    for (auto it = drop.release.rbegin(); it != drop.release.rend(); ++it) {
      errors.run([&] {
        if (dying) {
          released.push_back(it->iface);
          return;
        }
        if (!host) host = netlink::Netlink::connect();
        // By index when it is known: the name comes from the container id, and
        // a setup of the same id since may have made a new link by that name.
        if (it->host_ifindex > 0) netlink::delete_link(*host, netlink::LinkRef{it->host_veth, it->host_ifindex});
        else netlink::delete_link(*host, it->host_veth);
        released.push_back(it->iface);
      });
    }
    timer.step("veths");
    errors.run([&] { pool.forget(drop.sandbox, released); });
    timer.step("leases");
    errors.throw_if_any();
    std::string what;
    for (const auto& a : drop.release)
      for (const auto& ad : a.addresses) what += (what.empty() ? "" : ", ") + ad.cidr.address().str() + " on " + a.network.name;
    log_info("container " + id + ": released " + (what.empty() ? "its network" : what));
  });
}

}  // namespace nh::pipeline
