#include "lib/netlink/link.hpp"

#include <linux/if.h>
#include <netlink/errno.h>
#include <netlink/route/link/bridge.h>

#include "lib/netlink/handles.hpp"

namespace nh::netlink {

namespace {

LinkInfo to_info(rtnl_link* l) {
  LinkInfo info;
  info.index = rtnl_link_get_ifindex(l);
  info.mtu = rtnl_link_get_mtu(l);
  info.flags = rtnl_link_get_flags(l);
  info.master = rtnl_link_get_master(l);
  if (const char* t = rtnl_link_get_type(l)) info.kind = t;
  if (nl_addr* ll = rtnl_link_get_addr(l); ll && nl_addr_get_len(ll) == 6) {
    char buf[32];
    info.mac = nl_addr2str(ll, buf, sizeof buf);
  }
  return info;
}

bool gone(int rc) { return rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND; }

// Applies `change` to the link at `index` (RTM_NEWLINK on an existing link).
void change_link(Netlink& nl, int index, rtnl_link* change, const std::string& what, int family = AF_UNSPEC) {
  LinkPtr orig(must(rtnl_link_alloc(), "alloc link"));
  rtnl_link_set_ifindex(orig.get(), index);
  if (family != AF_UNSPEC) rtnl_link_set_family(orig.get(), family);
  if (int rc = nl.request([&](nl_sock* s) { return rtnl_link_change(s, orig.get(), change, 0); }); rc < 0)
    throw nl_error(what, rc, &nl);
}

}  // namespace

std::optional<LinkInfo> find_link(Netlink& nl, const std::string& name) {
  rtnl_link* raw = nullptr;
  int rc = nl.request([&](nl_sock* s) { return rtnl_link_get_kernel(s, 0, name.c_str(), &raw); });
  LinkPtr link(raw);
  if (gone(rc)) return std::nullopt;
  if (rc < 0) throw nl_error("look up link " + name, rc, &nl);
  return to_info(link.get());
}

std::optional<std::string> link_name(Netlink& nl, int index) {
  rtnl_link* raw = nullptr;
  int rc = nl.request([&](nl_sock* s) { return rtnl_link_get_kernel(s, index, nullptr, &raw); });
  LinkPtr link(raw);
  if (gone(rc)) return std::nullopt;
  if (rc < 0) throw nl_error("look up link #" + std::to_string(index), rc, &nl);
  return std::string(rtnl_link_get_name(link.get()));
}

void set_link_up(Netlink& nl, int index, const std::string& name) {
  LinkPtr change(must(rtnl_link_alloc(), "alloc link"));
  rtnl_link_set_flags(change.get(), IFF_UP);
  change_link(nl, index, change.get(), "bring up " + name);
}

void set_mtu(Netlink& nl, int index, const std::string& name, unsigned mtu) {
  LinkPtr change(must(rtnl_link_alloc(), "alloc link"));
  rtnl_link_set_mtu(change.get(), mtu);
  change_link(nl, index, change.get(), "set MTU of " + name + " to " + std::to_string(mtu));
}

void set_hairpin(Netlink& nl, const LinkRef& port) {
  int index = port.index;
  if (index <= 0) {
    auto info = find_link(nl, port.name);
    if (!info) throw base::Error("set hairpin mode on " + port.name, "no such link");
    index = info->index;
  }
  // Port settings travel as family AF_BRIDGE (IFLA_PROTINFO), on both objects.
  LinkPtr change(must(rtnl_link_alloc(), "alloc link"));
  rtnl_link_set_family(change.get(), AF_BRIDGE);
  rtnl_link_bridge_set_flags(change.get(), RTNL_BRIDGE_HAIRPIN_MODE);
  change_link(nl, index, change.get(), "set hairpin mode on " + port.name, AF_BRIDGE);
}

std::vector<LinkRef> links_of_master(Netlink& nl, int master_index) {
  nl_cache* raw = nullptr;
  if (int rc = dump_retrying([&] { return nl.request([&](nl_sock* s) { return rtnl_link_alloc_cache(s, AF_UNSPEC, &raw); }); });
      rc < 0)
    throw nl_error("list links", rc, &nl);
  CachePtr cache(raw);
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
  int rc = nl.request([&](nl_sock* s) { return rtnl_link_delete(s, link.get()); });
  if (gone(rc)) return false;
  if (rc < 0) throw nl_error("delete link " + name, rc, &nl);
  return true;
}

bool delete_link(Netlink& nl, const LinkRef& ref) {
  LinkPtr link(must(rtnl_link_alloc(), "alloc link"));
  rtnl_link_set_ifindex(link.get(), ref.index);
  int rc = nl.request([&](nl_sock* s) { return rtnl_link_delete(s, link.get()); });
  if (gone(rc)) return false;
  if (rc < 0) throw nl_error("delete link " + ref.name, rc, &nl);
  return true;
}

}  // namespace nh::netlink
