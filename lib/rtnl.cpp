#include "lib/rtnl.hpp"

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include <cstring>

#include "lib/error.hpp"
#include "lib/names.hpp"

namespace nh {

namespace {

template <auto Fn>
struct Deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    if (p) Fn(p);
  }
};
using LinkPtr = std::unique_ptr<rtnl_link, Deleter<rtnl_link_put>>;
using VethPtr = std::unique_ptr<rtnl_link, Deleter<rtnl_link_veth_release>>;
using AddrPtr = std::unique_ptr<rtnl_addr, Deleter<rtnl_addr_put>>;
using NlAddrPtr = std::unique_ptr<nl_addr, Deleter<nl_addr_put>>;
using RoutePtr = std::unique_ptr<rtnl_route, Deleter<rtnl_route_put>>;
using CbPtr = std::unique_ptr<nl_cb, Deleter<nl_cb_put>>;

// libnl returns negative NLE_* codes: keep the code (callers test it), and
// print the kernel's own errno text when libnl could not name it.
Error nl_error(const std::string& what, int rc, const Netlink* nl = nullptr) {
  int code = rc < 0 ? -rc : rc;
  if (code == NLE_FAILURE && nl && nl->last_errno() != 0)
    return Error(what, std::strerror(nl->last_errno()), Error::Kind::kNetlink, code);
  return Error(what, nl_geterror(code), Error::Kind::kNetlink, code);
}

template <class T>
T* must(T* p, const std::string& what) {
  if (!p) throw Error::from_errno(what, ENOMEM);
  return p;
}

NlAddrPtr to_nl_addr(const IpAddress& a, unsigned prefix) {
  NlAddrPtr p(must(nl_addr_build(a.family(), a.data(), a.size()), "build address"));
  nl_addr_set_prefixlen(p.get(), static_cast<int>(prefix));
  return p;
}

LinkInfo to_info(rtnl_link* l) {
  LinkInfo info;
  info.index = rtnl_link_get_ifindex(l);
  info.mtu = rtnl_link_get_mtu(l);
  info.flags = rtnl_link_get_flags(l);
  info.master = rtnl_link_get_master(l);
  if (const char* t = rtnl_link_get_type(l)) info.kind = t;
  return info;
}

void set_mtu(Netlink& nl, int index, const std::string& name, unsigned mtu) {
  LinkPtr orig(must(rtnl_link_alloc(), "alloc link"));
  rtnl_link_set_ifindex(orig.get(), index);
  LinkPtr change(must(rtnl_link_alloc(), "alloc link"));
  rtnl_link_set_mtu(change.get(), mtu);
  if (int rc = rtnl_link_change(nl.get(), orig.get(), change.get(), 0); rc < 0)
    throw nl_error("set MTU of " + name + " to " + std::to_string(mtu), rc, &nl);
}

}  // namespace

void Netlink::Free::operator()(nl_sock* s) const noexcept { nl_socket_free(s); }

Netlink Netlink::connect() {
  nl_sock* s = must(nl_socket_alloc(), "allocate netlink socket");
  Netlink nl(s);
  if (int rc = nl_connect(s, NETLINK_ROUTE); rc < 0) throw nl_error("connect netlink socket", rc);
  // Record the errno of every error reply; returning NL_STOP keeps libnl's own
  // handling (the call still fails with the mapped NLE_* code).
  nl_cb* cb = nl_socket_get_cb(s);
  nl_cb_err(
      cb, NL_CB_CUSTOM,
      [](sockaddr_nl*, nlmsgerr* e, void* arg) -> int {
        *static_cast<int*>(arg) = -e->error;
        return NL_STOP;
      },
      nl.last_errno_.get());
  nl_cb_put(cb);
  return nl;
}

std::optional<LinkInfo> find_link(Netlink& nl, const std::string& name) {
  rtnl_link* raw = nullptr;
  int rc = rtnl_link_get_kernel(nl.get(), 0, name.c_str(), &raw);
  LinkPtr link(raw);
  if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND) return std::nullopt;
  if (rc < 0) throw nl_error("look up link " + name, rc, &nl);
  return to_info(link.get());
}

std::vector<Cidr> link_addresses(Netlink& nl, int index, int family) {
  struct Ctx {
    int index;
    std::vector<Cidr> out;
  } ctx{index, {}};
  if (int rc = nl_rtgen_request(nl.get(), RTM_GETADDR, family, NLM_F_DUMP); rc < 0)
    throw nl_error("list addresses", rc, &nl);
  CbPtr cb(must(nl_cb_alloc(NL_CB_DEFAULT), "alloc netlink callback"));
  auto on_msg = [](nl_msg* msg, void* arg) -> int {
    nl_msg_parse(
        msg,
        [](nl_object* obj, void* a) {
          auto* c = static_cast<Ctx*>(a);
          auto* addr = reinterpret_cast<rtnl_addr*>(obj);
          if (c->index != 0 && rtnl_addr_get_ifindex(addr) != c->index) return;
          nl_addr* local = rtnl_addr_get_local(addr);
          if (!local) return;
          if (auto p = IpAddress::from_bytes(nl_addr_get_family(local), nl_addr_get_binary_addr(local),
                                             nl_addr_get_len(local)))
            c->out.emplace_back(*p, static_cast<unsigned>(rtnl_addr_get_prefixlen(addr)));
        },
        arg);
    return NL_OK;
  };
  nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_msg, &ctx);
  if (int rc = nl_recvmsgs(nl.get(), cb.get()); rc < 0) throw nl_error("list addresses", rc, &nl);
  return ctx.out;
}

BridgeCheck check_bridge(Netlink& nl, const Network& net) {
  const std::string& name = net.bridge;
  BridgeCheck c;
  c.link = find_link(nl, name);
  if (!c.link) return c;
  if (c.link->kind != "bridge")
    throw Error::input("use bridge " + name, "a link of that name exists and is a " +
                                                 (c.link->kind.empty() ? std::string("device") : c.link->kind) +
                                                 ", not a bridge");
  auto addrs = link_addresses(nl, c.link->index, net.gateway.address().family());
  for (const auto& a : addrs) c.has_gateway = c.has_gateway || a == net.gateway;
  if (!c.has_gateway && !addrs.empty())
    throw Error::input("use bridge " + name, "it has address " + addrs.front().str() + ", not the configured " +
                                                 net.gateway.str() + " (use --bridge or --ip to pick another)");
  return c;
}

BridgeResult ensure_bridge(Netlink& nl, const Network& net, BridgeCheck check) {
  const std::string& name = net.bridge;
  BridgeResult res;
  if (!check.link) {
    LinkPtr br(must(rtnl_link_alloc(), "alloc link"));
    rtnl_link_set_name(br.get(), name.c_str());
    if (int rc = rtnl_link_set_type(br.get(), "bridge"); rc < 0) throw nl_error("create bridge " + name, rc, &nl);
    rtnl_link_set_mtu(br.get(), net.mtu);
    auto mac = bridge_mac(name);
    NlAddrPtr ll(must(nl_addr_build(AF_LLC, mac.data(), mac.size()), "build MAC"));
    rtnl_link_set_addr(br.get(), ll.get());
    rtnl_link_set_flags(br.get(), IFF_UP);
    int rc = rtnl_link_add(nl.get(), br.get(), NLM_F_CREATE | NLM_F_EXCL);
    if (rc < 0 && rc != -NLE_EXIST) throw nl_error("create bridge " + name, rc, &nl);
    res.created = rc == 0;
    // On EEXIST another hook created it a moment ago: check what it made.
    check = res.created ? BridgeCheck{find_link(nl, name), false} : check_bridge(nl, net);
    if (!check.link) throw Error("create bridge " + name, "it vanished right after creation");
  }
  const LinkInfo& info = *check.link;
  res.index = info.index;
  if (!res.created && info.mtu != net.mtu) set_mtu(nl, info.index, name, net.mtu);
  if (!(info.flags & IFF_UP)) set_link_up(nl, info.index, name);
  if (!check.has_gateway) {
    try {
      add_address(nl, info.index, name, net.gateway);
    } catch (const Error& e) {
      if (e.code() != NLE_EXIST) throw;  // a concurrent hook added it first
    }
  }
  return res;
}

void create_veth(Netlink& nl, const VethSpec& spec) {
  VethPtr veth(must(rtnl_link_veth_alloc(), "alloc veth"));
  rtnl_link_set_name(veth.get(), spec.host_name.c_str());
  rtnl_link_set_mtu(veth.get(), spec.mtu);
  rtnl_link_set_master(veth.get(), spec.bridge_index);
  rtnl_link_set_flags(veth.get(), IFF_UP);
  LinkPtr peer(rtnl_link_veth_get_peer(veth.get()));
  rtnl_link_set_name(peer.get(), spec.peer_name.c_str());
  rtnl_link_set_mtu(peer.get(), spec.mtu);
  // No IFF_UP on the peer: the kernel configures it before the pair is linked,
  // and opening a veth without its peer fails (ENOTCONN). It is brought up
  // from inside the namespace instead.
  rtnl_link_set_ns_fd(peer.get(), spec.peer_netns_fd);
  if (int rc = rtnl_link_add(nl.get(), veth.get(), NLM_F_CREATE | NLM_F_EXCL); rc < 0) {
    const std::string what = "create veth " + spec.host_name + " (peer " + spec.peer_name + " in the container)";
    if (nl.last_errno() == EXFULL)  // br_add_if: every port number is taken
      throw Error(what, "the bridge has no free port (a Linux bridge holds at most 1023 ports)",
                  Error::Kind::kNetlink, -rc);
    throw nl_error(what, rc, &nl);
  }
}

void set_hairpin(Netlink& nl, const std::string& port) {
  auto info = find_link(nl, port);
  if (!info) throw Error("set hairpin mode on " + port, "no such link");
  // Port settings travel as family AF_BRIDGE (IFLA_PROTINFO), on both objects.
  LinkPtr orig(must(rtnl_link_alloc(), "alloc link"));
  rtnl_link_set_ifindex(orig.get(), info->index);
  rtnl_link_set_family(orig.get(), AF_BRIDGE);
  LinkPtr change(must(rtnl_link_alloc(), "alloc link"));
  rtnl_link_set_family(change.get(), AF_BRIDGE);
  rtnl_link_bridge_set_flags(change.get(), RTNL_BRIDGE_HAIRPIN_MODE);
  if (int rc = rtnl_link_change(nl.get(), orig.get(), change.get(), 0); rc < 0)
    throw nl_error("set hairpin mode on " + port, rc, &nl);
}

std::vector<LinkRef> links_of_master(Netlink& nl, int master_index) {
  nl_cache* raw = nullptr;
  if (int rc = rtnl_link_alloc_cache(nl.get(), AF_UNSPEC, &raw); rc < 0) throw nl_error("list links", rc, &nl);
  std::unique_ptr<nl_cache, Deleter<nl_cache_free>> cache(raw);
  std::vector<LinkRef> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* l = reinterpret_cast<rtnl_link*>(o);
    if (rtnl_link_get_master(l) == master_index) out.push_back({rtnl_link_get_name(l), rtnl_link_get_ifindex(l)});
  }
  return out;
}

bool delete_link(Netlink& nl, const std::string& name) {
  LinkPtr link(must(rtnl_link_alloc(), "alloc link"));
  rtnl_link_set_name(link.get(), name.c_str());
  int rc = rtnl_link_delete(nl.get(), link.get());
  if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND) return false;
  if (rc < 0) throw nl_error("delete link " + name, rc, &nl);
  return true;
}

bool delete_link(Netlink& nl, const LinkRef& ref) {
  LinkPtr link(must(rtnl_link_alloc(), "alloc link"));
  rtnl_link_set_ifindex(link.get(), ref.index);
  int rc = rtnl_link_delete(nl.get(), link.get());
  if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND) return false;
  if (rc < 0) throw nl_error("delete link " + ref.name, rc, &nl);
  return true;
}

void set_link_up(Netlink& nl, int index, const std::string& name) {
  LinkPtr orig(must(rtnl_link_alloc(), "alloc link"));
  rtnl_link_set_ifindex(orig.get(), index);
  LinkPtr change(must(rtnl_link_alloc(), "alloc link"));
  rtnl_link_set_flags(change.get(), IFF_UP);
  if (int rc = rtnl_link_change(nl.get(), orig.get(), change.get(), 0); rc < 0)
    throw nl_error("bring up " + name, rc, &nl);
}

void add_address(Netlink& nl, int index, const std::string& link_name, const Cidr& cidr) {
  AddrPtr addr(must(rtnl_addr_alloc(), "alloc address"));
  rtnl_addr_set_ifindex(addr.get(), index);
  auto local = to_nl_addr(cidr.address(), cidr.prefix());
  rtnl_addr_set_local(addr.get(), local.get());
  if (cidr.address().is_v4()) {
    auto brd = to_nl_addr(cidr.last(), cidr.prefix());
    rtnl_addr_set_broadcast(addr.get(), brd.get());
  }
  if (int rc = rtnl_addr_add(nl.get(), addr.get(), 0); rc < 0)
    throw nl_error("add address " + cidr.str() + " to " + link_name, rc, &nl);
}

void add_default_route(Netlink& nl, int index, const std::string& link_name, const IpAddress& gateway) {
  RoutePtr route(must(rtnl_route_alloc(), "alloc route"));
  rtnl_route_set_family(route.get(), static_cast<std::uint8_t>(gateway.family()));
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_scope(route.get(), RT_SCOPE_UNIVERSE);
  rtnl_route_set_protocol(route.get(), RTPROT_BOOT);
  IpAddress any = gateway.masked(0);
  auto dst = to_nl_addr(any, 0);
  rtnl_route_set_dst(route.get(), dst.get());
  rtnl_nexthop* hop = must(rtnl_route_nh_alloc(), "alloc nexthop");
  rtnl_route_nh_set_ifindex(hop, index);
  auto gw = to_nl_addr(gateway, gateway.bits());
  rtnl_route_nh_set_gateway(hop, gw.get());
  rtnl_route_add_nexthop(route.get(), hop);  // the route owns the nexthop now
  if (int rc = rtnl_route_add(nl.get(), route.get(), NLM_F_EXCL); rc < 0)
    throw nl_error("add default route via " + gateway.str() + " on " + link_name, rc, &nl);
}

}  // namespace nh
