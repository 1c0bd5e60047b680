#include "lib/conntrack.hpp"

#include <netinet/in.h>
#include <netlink/cache.h>
#include <netlink/netfilter/ct.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include <memory>
#include <set>

#include "lib/error.hpp"
#include "lib/log.hpp"

namespace nh {

namespace {
struct SockFree {
  void operator()(nl_sock* s) const noexcept { nl_socket_free(s); }
};
struct CacheFree {
  void operator()(nl_cache* c) const noexcept { nl_cache_free(c); }
};
}  // namespace

void flush_udp_conntrack(const std::vector<PortMapping>& ports) {
  std::set<std::uint16_t> udp;
  for (const auto& p : ports)
    if (p.protocol == "udp") udp.insert(p.host_port);
  if (udp.empty()) return;

  std::unique_ptr<nl_sock, SockFree> sock(nl_socket_alloc());
  if (!sock) throw Error::from_errno("flush UDP conntrack entries", ENOMEM);
  if (int rc = nl_connect(sock.get(), NETLINK_NETFILTER); rc < 0)
    throw Error("flush UDP conntrack entries", nl_geterror(-rc), Error::Kind::kNetlink, -rc);
  nl_cache* raw = nullptr;
  if (int rc = nfnl_ct_alloc_cache(sock.get(), &raw); rc < 0)
    throw Error("list conntrack entries", nl_geterror(-rc), Error::Kind::kNetlink, -rc);
  std::unique_ptr<nl_cache, CacheFree> cache(raw);

  int deleted = 0;
  for (nl_object* obj = nl_cache_get_first(cache.get()); obj; obj = nl_cache_get_next(obj)) {
    auto* ct = reinterpret_cast<nfnl_ct*>(obj);
    if (nfnl_ct_get_proto(ct) != IPPROTO_UDP || !nfnl_ct_test_dst_port(ct, 0)) continue;
    if (!udp.count(nfnl_ct_get_dst_port(ct, 0))) continue;
    int rc = nfnl_ct_del(sock.get(), ct, 0);
    if (rc < 0 && rc != -NLE_OBJ_NOTFOUND)  // expired meanwhile: fine
      throw Error("delete a UDP conntrack entry", nl_geterror(-rc), Error::Kind::kNetlink, -rc);
    if (rc == 0) ++deleted;
  }
  if (deleted) log_debug("flushed " + std::to_string(deleted) + " UDP conntrack entries");
}

}  // namespace nh
