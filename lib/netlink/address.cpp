#include "lib/netlink/address.hpp"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include "lib/netlink/handles.hpp"

namespace nh::netlink {

namespace {

std::optional<addr::IpAddress> from_nl(nl_addr* a) {
  if (!a) return std::nullopt;
  return addr::IpAddress::from_bytes(nl_addr_get_family(a), nl_addr_get_binary_addr(a), nl_addr_get_len(a));
}

bool is_link_local(const addr::IpAddress& a) {
  return a.is_v6() && a.data()[0] == 0xfe && (a.data()[1] & 0xc0) == 0x80;
}

// Asks for the addresses of `family` on link `index` (0: every link). With
// an index, the kernel filters the dump itself (NETLINK_GET_STRICT_CHK, on
// for this request only: libnl's other dumps send headers it would refuse),
// so asking about the bridge does not cost a walk over every veth's
// addresses; a kernel without it (before 4.20) sends them all, and the
// caller filters anyway.
int request_addresses(Netlink& nl, int index, int family) {
  const int fd = nl_socket_get_fd(nl.get());
  int on = index != 0 ? 1 : 0;
  const bool strict = on && ::setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &on, sizeof on) == 0;
  ifaddrmsg hdr{};
  hdr.ifa_family = static_cast<unsigned char>(family);
  hdr.ifa_index = strict ? static_cast<unsigned>(index) : 0;
  int rc = nl.request([&](nl_sock* s) { return nl_send_simple(s, RTM_GETADDR, NLM_F_DUMP, &hdr, sizeof hdr); });
  if (strict) {
    int off = 0;
    ::setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &off, sizeof off);
  }
  return rc;
}

}  // namespace

void add_address(Netlink& nl, int index, const std::string& link_name, const addr::Cidr& cidr) {
  AddrPtr a(must(rtnl_addr_alloc(), "alloc address"));
  rtnl_addr_set_ifindex(a.get(), index);
  NlAddrPtr local(build_nl_addr(cidr.address(), cidr.prefix()));
  rtnl_addr_set_local(a.get(), local.get());
  if (cidr.address().is_v4()) {
    NlAddrPtr brd(build_nl_addr(cidr.last(), cidr.prefix()));
    rtnl_addr_set_broadcast(a.get(), brd.get());
  } else {
    rtnl_addr_set_flags(a.get(), IFA_F_NODAD);
  }
  if (int rc = nl.request([&](nl_sock* s) { return rtnl_addr_add(s, a.get(), 0); }); rc < 0)
    throw nl_error("add address " + cidr.str() + " to " + link_name, rc, &nl);
}

std::vector<addr::Cidr> link_addresses(Netlink& nl, int index, int family, bool link_local) {
  struct Ctx {
    int index;
    bool link_local;
    std::vector<addr::Cidr> out;
  } ctx{index, link_local, {}};
  CbPtr cb(must(nl_cb_alloc(NL_CB_DEFAULT), "alloc netlink callback"));
  auto on_msg = [](nl_msg* msg, void* arg) -> int {
    nl_msg_parse(
        msg,
        [](nl_object* obj, void* a) {
          auto* c = static_cast<Ctx*>(a);
          auto* ad = reinterpret_cast<rtnl_addr*>(obj);
          if (c->index != 0 && rtnl_addr_get_ifindex(ad) != c->index) return;
          auto p = from_nl(rtnl_addr_get_local(ad));
          if (!p || (!c->link_local && is_link_local(*p))) return;
          c->out.emplace_back(*p, static_cast<unsigned>(rtnl_addr_get_prefixlen(ad)));
        },
        arg);
    return NL_OK;
  };
  nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_msg, &ctx);
  const int rc = dump_retrying([&] {
    ctx.out.clear();
    int r = request_addresses(nl, index, family);
    return r < 0 ? r : nl_recvmsgs(nl.get(), cb.get());
  });
  if (rc < 0) throw nl_error("list addresses", rc, &nl);
  return ctx.out;
}

void add_default_route(Netlink& nl, int index, const std::string& link_name, const addr::IpAddress& gateway) {
  RoutePtr route(must(rtnl_route_alloc(), "alloc route"));
  rtnl_route_set_family(route.get(), static_cast<std::uint8_t>(gateway.family()));
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_scope(route.get(), RT_SCOPE_UNIVERSE);
  rtnl_route_set_protocol(route.get(), RTPROT_BOOT);
  NlAddrPtr dst(build_nl_addr(addr::IpAddress::any(gateway.family()), 0));
  rtnl_route_set_dst(route.get(), dst.get());
  rtnl_nexthop* hop = must(rtnl_route_nh_alloc(), "alloc nexthop");
  rtnl_route_nh_set_ifindex(hop, index);
  NlAddrPtr gw(build_nl_addr(gateway, gateway.bits()));
  rtnl_route_nh_set_gateway(hop, gw.get());
  rtnl_route_add_nexthop(route.get(), hop);  // the route owns the nexthop now
  if (int rc = nl.request([&](nl_sock* s) { return rtnl_route_add(s, route.get(), NLM_F_EXCL); }); rc < 0)
    throw nl_error("add default route via " + gateway.str() + " on " + link_name, rc, &nl);
}

std::vector<RouteInfo> list_routes(Netlink& nl, int family) {
  nl_cache* raw = nullptr;
  if (int rc = dump_retrying([&] { return nl.request([&](nl_sock* s) { return rtnl_route_alloc_cache(s, family, 0, &raw); }); });
      rc < 0)
    throw nl_error("list routes", rc, &nl);
  CachePtr cache(raw);
  std::vector<RouteInfo> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* r = reinterpret_cast<rtnl_route*>(o);
    if (rtnl_route_get_table(r) != RT_TABLE_MAIN) continue;
    RouteInfo info;
    nl_addr* dst = rtnl_route_get_dst(r);
    auto d = from_nl(dst);
    if (!d) d = addr::IpAddress::any(rtnl_route_get_family(r));
    info.destination = addr::Cidr(*d, dst ? static_cast<unsigned>(nl_addr_get_prefixlen(dst)) : 0);
    info.protocol = rtnl_route_get_protocol(r);
    if (rtnl_route_get_nnexthops(r) > 0) {
      rtnl_nexthop* hop = rtnl_route_nexthop_n(r, 0);
      info.index = rtnl_route_nh_get_ifindex(hop);
      if (auto gw = from_nl(rtnl_route_nh_get_gateway(hop))) info.gateway = *gw;
    }
    out.push_back(info);
  }
  return out;
}

}  // namespace nh::netlink
