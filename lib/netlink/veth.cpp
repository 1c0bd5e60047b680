#include "lib/netlink/veth.hpp"

#include <linux/if.h>
#include <netlink/errno.h>
#include <netlink/route/link/veth.h>

#include <cerrno>

#include "lib/netlink/handles.hpp"

namespace nh::netlink {

void create_veth(Netlink& nl, const VethSpec& spec) {
  base::CHandle<rtnl_link, rtnl_link_veth_release> veth(must(rtnl_link_veth_alloc(), "alloc veth"));
  rtnl_link_set_name(veth.get(), spec.host_name.c_str());
  rtnl_link_set_mtu(veth.get(), spec.mtu);
  rtnl_link_set_master(veth.get(), spec.bridge_index);
  rtnl_link_set_flags(veth.get(), IFF_UP);
  LinkPtr peer(rtnl_link_veth_get_peer(veth.get()));
  rtnl_link_set_name(peer.get(), spec.peer_name.c_str());
  rtnl_link_set_mtu(peer.get(), spec.mtu);
  NlAddrPtr mac;
  if (!spec.peer_mac.empty()) {
    nl_addr* raw = nullptr;
    if (int rc = nl_addr_parse(spec.peer_mac.c_str(), AF_LLC, &raw); rc < 0)
      throw nl_error("parse MAC " + spec.peer_mac, rc);
    mac.reset(raw);
    rtnl_link_set_addr(peer.get(), mac.get());
  }
  // No IFF_UP on the peer: the kernel configures it before the pair is linked,
  // and opening a veth without its peer fails (ENOTCONN). It is brought up
  // from inside the namespace instead.
  rtnl_link_set_ns_fd(peer.get(), spec.peer_netns_fd);
  if (int rc = nl.request([&](nl_sock* s) { return rtnl_link_add(s, veth.get(), NLM_F_CREATE | NLM_F_EXCL); });
      rc < 0) {
    const std::string what = "create veth " + spec.host_name + " (peer " + spec.peer_name + " in the container)";
    if (nl.last_errno() == EXFULL)  // br_add_if: every port number is taken
      throw base::Error(what, "the bridge has no free port (a Linux bridge holds at most 1023 ports)",
                        base::Error::Kind::kNetlink, -rc);
    throw nl_error(what, rc, &nl);
  }
}

}  // namespace nh::netlink
