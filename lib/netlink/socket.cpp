#include "lib/netlink/socket.hpp"

#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include <cerrno>
#include <cstring>

#include "lib/netlink/handles.hpp"

namespace nh::netlink {

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

static_assert(kNleDumpIntr == NLE_DUMP_INTR);

base::Error nl_error(const std::string& what, int rc, const Netlink* nl) {
  const int code = rc < 0 ? -rc : rc;
  if (code == NLE_FAILURE && nl && nl->last_errno() != 0)
    return base::Error(what, std::strerror(nl->last_errno()), base::Error::Kind::kNetlink, code);
  return base::Error(what, nl_geterror(code), base::Error::Kind::kNetlink, code);
}

nl_addr* build_nl_addr(const addr::IpAddress& a, unsigned prefix) {
  nl_addr* p = must(nl_addr_build(a.family(), a.data(), a.size()), "build address");
  nl_addr_set_prefixlen(p, static_cast<int>(prefix));
  return p;
}

}  // namespace nh::netlink
