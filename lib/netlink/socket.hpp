#pragma once
// A NETLINK_ROUTE socket through libnl-route-3, and the error conversion every
// request shares. The socket stays bound to the network namespace it was made
// in, so one made inside a container's namespace (Netns::run_inside)
// configures that namespace from any thread.
#include <memory>
#include <string>

#include "lib/addr/cidr.hpp"
#include "lib/base/error.hpp"

struct nl_sock;
struct nl_addr;

namespace nh::netlink {

class Netlink {
 public:
  static Netlink connect();

  // Runs one libnl request f(sock). The kernel errno recorded for an earlier
  // request (perhaps one whose error was tolerated) is cleared first, so an
  // error of this one never quotes another's.
  template <class F>
  int request(F&& f) {
    *last_errno_ = 0;
    return f(sock_.get());
  }
  nl_sock* get() const noexcept { return sock_.get(); }
  // The errno of the kernel's error reply to the current request, 0 if none:
  // libnl folds the errnos it does not know (EXFULL, ENOSPC, ...) into
  // "Unspecific failure", so keep our own.
  int last_errno() const noexcept { return *last_errno_; }

 private:
  struct Free {
    void operator()(nl_sock* s) const noexcept;
  };
  explicit Netlink(nl_sock* s) : sock_(s), last_errno_(std::make_unique<int>(0)) {}
  std::unique_ptr<nl_sock, Free> sock_;
  std::unique_ptr<int> last_errno_;  // stable address for the libnl callback
};

// Runs the dump f() (returning a libnl code) again while the kernel flags it
// interrupted: the table changed while it was read (NLE_DUMP_INTR, after
// libnl read it to its end), as concurrent hooks changing links and
// addresses make it. Bounded; returns the last code.
inline constexpr int kNleDumpIntr = 33;  // NLE_DUMP_INTR, checked in socket.cpp (libnl stays out of this header)
template <class F>
int dump_retrying(F&& f) {
  int rc = 0;
  for (int attempt = 0; attempt < 8; ++attempt)
    if ((rc = f()) != -kNleDumpIntr) break;
  return rc;
}

// An Error of kind kNetlink from libnl's return code `rc` (negative NLE_*),
// with the kernel's own errno text when libnl could not name it.
base::Error nl_error(const std::string& what, int rc, const Netlink* nl = nullptr);

// Throws ENOMEM naming `what` when a libnl allocation returned null.
template <class T>
T* must(T* p, const std::string& what) {
  if (!p) throw base::Error::from_errno(what, ENOMEM);
  return p;
}

// An nl_addr of `a` with `prefix`; the caller owns it (see handles.hpp).
nl_addr* build_nl_addr(const addr::IpAddress& a, unsigned prefix);

}  // namespace nh::netlink
