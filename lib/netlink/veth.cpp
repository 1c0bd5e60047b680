#include "lib/netlink/veth.hpp"

#include <linux/if.h>
#include <netlink/errno.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/link/veth.h>

#include <cerrno>
#include <cstdio>

#include "lib/netlink/handles.hpp"

namespace nh::netlink {

std::optional<VethMade> create_veth(Netlink& nl, const VethSpec& spec) {
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
  nl_msg* raw = nullptr;
  if (int rc = rtnl_link_build_add_request(veth.get(), NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO, &raw); rc < 0)
    throw nl_error("build the veth request", rc);
  base::CHandle<nl_msg, nlmsg_free> msg(raw);
  // The echoed link, if any, then the acknowledgement. The socket's own
  // callbacks (its error handler records the kernel's errno) stay in place.
  std::optional<VethMade> made;
  nl_cb* own = nl_socket_get_cb(nl.get());
  CbPtr cb(nl_cb_clone(own));
  nl_cb_put(own);
  if (!cb) throw base::Error::from_errno("clone netlink callbacks", ENOMEM);
  nl_cb_set(
      cb.get(), NL_CB_VALID, NL_CB_CUSTOM,
      [](nl_msg* m, void* arg) -> int {
        nlmsghdr* h = nlmsg_hdr(m);
        if (h->nlmsg_type != RTM_NEWLINK || !nlmsg_valid_hdr(h, sizeof(ifinfomsg))) return NL_OK;
        VethMade v;
        v.index = static_cast<const ifinfomsg*>(nlmsg_data(h))->ifi_index;
        if (nlattr* a = nlmsg_find_attr(h, sizeof(ifinfomsg), IFLA_ADDRESS); a && nla_len(a) == 6) {
          const auto* b = static_cast<const unsigned char*>(nla_data(a));
          char buf[18];
          std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
          v.mac = buf;
        }
        *static_cast<std::optional<VethMade>*>(arg) = v;
        return NL_OK;
      },
      &made);
  // The echo and the acknowledgement are two datagrams, and one
  // nl_recvmsgs() reads one: read until the acknowledgement (or an error),
  // so nothing of this request is left for the next to read.
  bool acked = false;
  nl_cb_set(
      cb.get(), NL_CB_ACK, NL_CB_CUSTOM,
      [](nl_msg*, void* arg) -> int {
        *static_cast<bool*>(arg) = true;
        return NL_STOP;
      },
      &acked);
  int rc = nl.request([&](nl_sock* s) { return nl_send_auto(s, msg.get()); });
  while (rc >= 0 && !acked) rc = nl_recvmsgs(nl.get(), cb.get());
  if (rc < 0) {
    const std::string what = "create veth " + spec.host_name + " (peer " + spec.peer_name + " in the container)";
    if (nl.last_errno() == EXFULL)  // br_add_if: every port number is taken
      throw base::Error(what, "the bridge has no free port (a Linux bridge holds at most 1023 ports)",
                        base::Error::Kind::kNetlink, -rc);
    throw nl_error(what, rc, &nl);
  }
  if (made && made->index <= 0) made.reset();
  return made;
}

}  // namespace nh::netlink
