#include "lib/pipeline/attach.hpp"

#include <netlink/errno.h>
#include <sys/socket.h>

#include <optional>

#include "lib/base/error.hpp"
#include "lib/base/log.hpp"
#include "lib/netlink/address.hpp"
#include "lib/netlink/link.hpp"
#include "lib/netlink/veth.hpp"
#include "lib/pipeline/ipv6_host.hpp"

namespace nh::pipeline {

using base::Error;

netlink::BridgeSpec bridge_spec(const net::Network& n) { return {n.bridge, n.mtu, n.gateways()}; }

std::map<std::string, netlink::BridgeCheck> check_bridges(netlink::Netlink& host, const input::Request& req) {
  std::map<std::string, netlink::BridgeCheck> out;
  for (const auto& a : req.attachments) out[a.network.name] = netlink::check_bridge(host, bridge_spec(a.network));
  return out;
}

namespace {

// "Object exists" while the host end's name is free means the container
// already has a link named like the peer: most often a network of its own,
// set up by the runtime (podman without --network none).
Error peer_name_taken(const Error& e, const netlink::VethSpec& spec) {
  return e.with_reason("the container already has a link named " + spec.peer_name +
                       " (a network of its own? start it without one, e.g. podman --network none, or set --iface)");
}

std::optional<netlink::VethMade> create_veth_replacing_orphan(netlink::Netlink& host, const netlink::VethSpec& spec) {
  try {
    return netlink::create_veth(host, spec);
  } catch (const Error& e) {
    if (!e.is_netlink(NLE_EXIST)) throw;
    // The name is derived from this container's id and network, and no
    // record holds it: a link by that name is an orphan of a killed run.
    // Replace it once.
    if (!netlink::delete_link(host, spec.host_name)) throw peer_name_taken(e, spec);
    base::log_info("replaced orphan link " + spec.host_name);
  }
  try {
    return netlink::create_veth(host, spec);
  } catch (const Error& e) {
    if (!e.is_netlink(NLE_EXIST)) throw;
    throw peer_name_taken(e, spec);
  }
}

}  // namespace

void build_host_links(netlink::Netlink& host, const netlink::Netns& ns, std::vector<ipam::Attachment>& added,
                      std::map<std::string, netlink::BridgeCheck>& checks, UndoStack& undo) {
  for (auto& a : added) {
    const net::Network& n = a.network;
    // The bridge is shared by every container of the network and is never rolled back.
    auto check = checks.count(n.name) ? checks[n.name] : netlink::check_bridge(host, bridge_spec(n));
    auto bridge = netlink::ensure_bridge(host, bridge_spec(n), check);
    if (bridge.created) base::log_info("created bridge " + n.bridge + " for network " + n.name);
    configure_bridge_ipv6(n);
    auto made = create_veth_replacing_orphan(host, {a.host_veth, bridge.index, a.iface, ns.fd(), n.mtu, a.mac});
    const std::string veth = a.host_veth;
    undo.push("delete " + veth, [&host, veth] { netlink::delete_link(host, veth); });
    // Up, but without carrier until the peer is up inside: no IPv6 yet.
    disable_ipv6_on(veth);
    if (!made) {  // a kernel that does not echo the new link (before 6.3)
      auto found = netlink::find_link(host, veth);
      if (!found) throw Error("create veth " + veth, "it vanished right after creation");
      made = netlink::VethMade{found->index, found->mac};
    }
    a.host_ifindex = made->index;
    a.host_mac = made->mac;
  }
}

std::vector<container::SysctlChange> configure_inside(const netlink::Netns& ns,
                                                      const std::vector<ipam::Attachment>& added,
                                                      const std::vector<container::SysctlSetting>& sysctls) {
  std::optional<netlink::Netlink> inside;
  std::vector<container::SysctlChange> changed;
  // One thread in the namespace: the socket, and the sysctls (the veth peers
  // exist already, so keys of their interfaces do too). A new namespace goes
  // with a failed container, so its sysctls need no undo.
  ns.run_inside([&] {
    inside = netlink::Netlink::connect();
    // Before the annotated sysctls, so one may turn IPv6 back on.
    for (const auto& a : added)
      if (!a.network.subnet(AF_INET6)) disable_ipv6_on(a.iface);
    if (!sysctls.empty()) changed = container::apply_sysctls(sysctls);
  });
  try {
    // lo is always ifindex 1 (the kernel's LOOPBACK_IFINDEX) and setting
    // IFF_UP on an up link changes nothing: no lookup needed.
    netlink::set_link_up(*inside, 1, "lo");
    for (const auto& a : added) {
      auto link = netlink::find_link(*inside, a.iface);
      if (!link) throw Error("configure " + a.iface + " in the container", "the link is missing after creation");
      netlink::set_link_up(*inside, link->index, a.iface);
      for (const auto& ad : a.addresses) netlink::add_address(*inside, link->index, a.iface, ad.cidr);
      if (a.default_route)
        for (const auto& ad : a.addresses) netlink::add_default_route(*inside, link->index, a.iface, ad.gateway);
    }
  } catch (...) {
    // A namespace that stays (CNI: another attachment of a live container)
    // must not keep sysctls of a failed setup.
    if (!changed.empty()) ns.run_inside([&] { container::restore_sysctls(changed); });
    throw;
  }
  return changed;
}

}  // namespace nh::pipeline
