#include "lib/netlink/conntrack.hpp"
#include "lib/netlink/socket.hpp"

#include <netinet/in.h>
#include <netlink/cache.h>
#include <netlink/netfilter/ct.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include <memory>
#include <algorithm>
#include <optional>

#include "lib/base/error.hpp"
#include "lib/base/log.hpp"

namespace nh::netlink {

using addr::IpAddress;
using addr::PortMapping;
using base::Error;

namespace {
struct SockFree {
  void operator()(nl_sock* s) const noexcept { nl_socket_free(s); }
};
struct CacheFree {
  void operator()(nl_cache* c) const noexcept { nl_cache_free(c); }
};
}  // namespace

namespace {

std::optional<IpAddress> orig_dst(nfnl_ct* ct) {
  nl_addr* a = nfnl_ct_get_dst(ct, 0);
  if (!a) return std::nullopt;
  return IpAddress::from_bytes(nl_addr_get_family(a), nl_addr_get_binary_addr(a), nl_addr_get_len(a));
}

bool addressed_here(const PortMapping& m, const IpAddress& dst, const std::vector<IpAddress>& local) {
  if (m.host_ip) return dst == *m.host_ip;
  return m.covers(dst) && std::find(local.begin(), local.end(), dst) != local.end();
}

void flush(const std::vector<PortMapping>& udp, const std::vector<IpAddress>& local) {
  std::unique_ptr<nl_sock, SockFree> sock(nl_socket_alloc());
  if (!sock) throw Error::from_errno("flush UDP conntrack entries", ENOMEM);
  if (int rc = nl_connect(sock.get(), NETLINK_NETFILTER); rc < 0)
    throw Error("flush UDP conntrack entries", nl_geterror(-rc), Error::Kind::kNetlink, -rc);
  nl_cache* raw = nullptr;
  if (int rc = dump_retrying([&] { return nfnl_ct_alloc_cache(sock.get(), &raw); }); rc < 0)
    throw Error("list conntrack entries", nl_geterror(-rc), Error::Kind::kNetlink, -rc);
  std::unique_ptr<nl_cache, CacheFree> cache(raw);

  int deleted = 0;
  for (nl_object* obj = nl_cache_get_first(cache.get()); obj; obj = nl_cache_get_next(obj)) {
    auto* ct = reinterpret_cast<nfnl_ct*>(obj);
    if (nfnl_ct_get_proto(ct) != IPPROTO_UDP || !nfnl_ct_test_dst_port(ct, 0)) continue;
    auto dst = orig_dst(ct);
    if (!dst) continue;
    std::uint16_t port = nfnl_ct_get_dst_port(ct, 0);
    bool ours = std::any_of(udp.begin(), udp.end(), [&](const PortMapping& m) {
      return m.host_port == port && addressed_here(m, *dst, local);
    });
    if (!ours) continue;
    int rc = nfnl_ct_del(sock.get(), ct, 0);
    if (rc < 0 && rc != -NLE_OBJ_NOTFOUND)  // expired meanwhile: fine
      throw Error("delete a UDP conntrack entry", nl_geterror(-rc), Error::Kind::kNetlink, -rc);
    if (rc == 0) ++deleted;
  }
  if (deleted) base::log_debug("flushed " + std::to_string(deleted) + " UDP conntrack entries");
}

}  // namespace

void flush_udp_conntrack(const std::vector<PortMapping>& ports, const std::vector<IpAddress>& local) {
  std::vector<PortMapping> udp;
  for (const auto& p : ports)
    if (p.protocol == "udp") udp.push_back(p);
  if (udp.empty()) return;
  try {
    flush(udp, local);
  } catch (const Error& e) {
    // The container works without it; only a client already sending to the
    // port keeps missing it until its conntrack entry expires.
    base::log_error(std::string("warning: ") + e.what());
  }
}

}  // namespace nh::netlink
