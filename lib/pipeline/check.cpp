#include "lib/pipeline/check.hpp"

#include <linux/if.h>
#include <sys/socket.h>

#include <algorithm>
#include <optional>

#include "lib/addr/cidr.hpp"
#include "lib/base/error.hpp"
#include "lib/firewall/firewall.hpp"
#include "lib/ipam/pool.hpp"
#include "lib/netlink/address.hpp"
#include "lib/netlink/link.hpp"
#include "lib/netlink/netns.hpp"
#include "lib/pipeline/intents.hpp"

namespace nh::pipeline {

namespace {

}  // namespace

void check_host_side(netlink::Netlink& host, const ipam::Attachment& a, std::vector<std::string>& out) {
  auto veth = netlink::find_link(host, a.host_veth);
  if (!veth) {
    out.push_back("the host veth " + a.host_veth + " is missing");
    return;
  }
  if (a.host_ifindex > 0 && veth->index != a.host_ifindex)
    out.push_back("the host veth " + a.host_veth + " is another link than the one set up (index " +
                  std::to_string(veth->index) + ", not " + std::to_string(a.host_ifindex) + ")");
  auto bridge = netlink::find_link(host, a.network.bridge);
  if (!bridge) out.push_back("the bridge " + a.network.bridge + " is missing");
  else if (veth->master != bridge->index) out.push_back("the host veth " + a.host_veth + " is not on the bridge " + a.network.bridge);
  if (!(veth->flags & IFF_UP)) out.push_back("the host veth " + a.host_veth + " is down");
}

namespace {

void check_inside(const netlink::Netns& ns, const ipam::Attachment& a, std::vector<std::string>& out) {
  ns.run_inside([&] {
    auto nl = netlink::Netlink::connect();
    auto link = netlink::find_link(nl, a.iface);
    if (!link) {
      out.push_back("the interface " + a.iface + " is missing in the container");
      return;
    }
    if (!(link->flags & IFF_UP)) out.push_back("the interface " + a.iface + " is down");
    if (!a.mac.empty() && link->mac != a.mac)
      out.push_back("the interface " + a.iface + " has the MAC " + link->mac + ", not " + a.mac);
    const auto addrs = netlink::link_addresses(nl, link->index, AF_UNSPEC);
    for (const auto& ad : a.addresses)
      if (std::find(addrs.begin(), addrs.end(), ad.cidr) == addrs.end())
        out.push_back("the address " + ad.cidr.str() + " is missing on " + a.iface);
    if (!a.default_route) return;
    for (const auto& ad : a.addresses) {
      const auto routes = netlink::list_routes(nl, ad.gateway.family());
      bool found = std::any_of(routes.begin(), routes.end(), [&](const netlink::RouteInfo& r) {
        return r.destination.prefix() == 0 && r.gateway == ad.gateway && r.index == link->index;
      });
      if (!found) out.push_back("the default route via " + ad.gateway.str() + " on " + a.iface + " is missing");
    }
  });
}

}  // namespace

AttachmentCheck check_attachment(const input::Settings& settings, const std::string& id, const std::string& iface,
                                 const std::string& netns_path, const std::string& network,
                                 const std::vector<std::string>& expected) {
  AttachmentCheck result;
  auto& out = result.problems;
  ipam::Pool pool = ipam::Pool::open(settings.state_dir);
  auto sb = pool.find(id);
  const ipam::Attachment* a = sb ? sb->attachment(iface) : nullptr;
  if (!a || a->container != id) {
    result.found = AttachmentCheck::Found::kUnknown;
    result.why = "no attachment of container " + id + " on " + iface + " is recorded";
    return result;
  }
  if (a->building_pid != 0 || a->releasing) {
    result.found = AttachmentCheck::Found::kBusy;
    result.why = a->releasing ? "it is being torn down" : "it is still being set up";
    return result;
  }
  if (a->network.name != network) {
    out.push_back("the interface " + iface + " of container " + id + " is on network " + a->network.name + ", not " + network);
    return result;
  }
  auto ns = netlink::Netns::open_path(netns_path);
  if (ns.dev() != sb->netns_dev || ns.inode() != sb->netns_inode) {
    out.push_back(netns_path + " is not the namespace the attachment was made in");
    return result;
  }
  auto host = netlink::Netlink::connect();
  check_host_side(host, *a, out);
  check_inside(ns, *a, out);

  firewall::Change wanted;
  wanted.ensure_networks.push_back(a->network);
  if (const ipam::Member* m = sb->member(id); m && sb->ports_attachment(*m) == a) {
    auto ports = ports_of(*sb, *m);
    if (!ports.ports.empty()) wanted.add_ports.push_back(std::move(ports));
  }
  for (auto& line : firewall::make_firewall(sb->firewall)->missing(wanted)) out.push_back("missing firewall rule: " + line);
  for (const auto& address : expected) {
    // Parsed, so an IPv6 address written another way still matches.
    std::optional<addr::Cidr> want;
    try {
      want = addr::Cidr::parse(address);
    } catch (const base::Error&) {
    }
    bool held = false;
    for (const auto& ad : a->addresses) held = held || (want && ad.cidr == *want);
    if (!held) out.push_back("the address " + address + " given to the runtime is not the container's");
  }
  return result;
}

}  // namespace nh::pipeline
