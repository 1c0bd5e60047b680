#include "lib/netlink/bridge.hpp"

#include <linux/if.h>
#include <netlink/errno.h>

#include <algorithm>

#include "lib/base/hash.hpp"
#include "lib/netlink/address.hpp"
#include "lib/netlink/handles.hpp"

namespace nh::netlink {

std::array<std::uint8_t, 6> bridge_mac(std::string_view bridge) {
  std::uint64_t h = base::fnv1a64(bridge);
  std::array<std::uint8_t, 6> mac{};
  for (int i = 0; i < 6; ++i) mac[i] = static_cast<std::uint8_t>(h >> (8 * i));
  mac[0] = static_cast<std::uint8_t>((mac[0] & 0xfc) | 0x02);  // local, unicast
  return mac;
}

BridgeCheck check_bridge(Netlink& nl, const BridgeSpec& spec) {
  const std::string& name = spec.name;
  BridgeCheck c;
  c.link = find_link(nl, name);
  if (!c.link) {
    c.missing = spec.gateways;
    return c;
  }
  if (c.link->kind != "bridge")
    throw base::Error::input("use bridge " + name, "a link of that name exists and is a " +
                                                       (c.link->kind.empty() ? std::string("device") : c.link->kind) +
                                                       ", not a bridge");
  auto addrs = link_addresses(nl, c.link->index, AF_UNSPEC);
  for (const auto& gw : spec.gateways) {
    bool has = std::find(addrs.begin(), addrs.end(), gw) != addrs.end();
    if (has) continue;
    for (const auto& a : addrs)
      if (a.family() == gw.family())
        throw base::Error::input("use bridge " + name, "it has address " + a.str() + ", not the configured " +
                                                           gw.str() + " (pick another bridge or subnet)");
    c.missing.push_back(gw);
  }
  return c;
}

BridgeResult ensure_bridge(Netlink& nl, const BridgeSpec& spec, BridgeCheck check) {
  const std::string& name = spec.name;
  BridgeResult res;
  if (!check.link) {
    LinkPtr br(must(rtnl_link_alloc(), "alloc link"));
    rtnl_link_set_name(br.get(), name.c_str());
    if (int rc = rtnl_link_set_type(br.get(), "bridge"); rc < 0) throw nl_error("create bridge " + name, rc, &nl);
    rtnl_link_set_mtu(br.get(), spec.mtu);
    auto mac = bridge_mac(name);
    NlAddrPtr ll(must(nl_addr_build(AF_LLC, mac.data(), mac.size()), "build MAC"));
    rtnl_link_set_addr(br.get(), ll.get());
    rtnl_link_set_flags(br.get(), IFF_UP);
    int rc = nl.request([&](nl_sock* s) { return rtnl_link_add(s, br.get(), NLM_F_CREATE | NLM_F_EXCL); });
    if (rc < 0 && rc != -NLE_EXIST) throw nl_error("create bridge " + name, rc, &nl);
    res.created = rc == 0;
    // On EEXIST another hook created it a moment ago: check what it made.
    if (res.created) {
      check.link = find_link(nl, name);
      check.missing = spec.gateways;
    } else {
      check = check_bridge(nl, spec);
    }
    if (!check.link) throw base::Error("create bridge " + name, "it vanished right after creation");
  }
  const LinkInfo& info = *check.link;
  res.index = info.index;
  if (!res.created && info.mtu != spec.mtu) set_mtu(nl, info.index, name, spec.mtu);
  if (!(info.flags & IFF_UP)) set_link_up(nl, info.index, name);
  for (const auto& gw : check.missing) {
    try {
      add_address(nl, info.index, name, gw);
    } catch (const base::Error& e) {
      if (!e.is_netlink(NLE_EXIST)) throw;  // a concurrent hook added it first
    }
  }
  return res;
}

}  // namespace nh::netlink
