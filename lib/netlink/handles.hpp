#pragma once
// Owners of libnl objects: unique_ptr aliases with the matching free function.
// Internal to lib/netlink.
#include <memory>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/handlers.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

namespace nh::netlink {

template <auto Fn>
struct Deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    if (p) Fn(p);
  }
};
using LinkPtr = std::unique_ptr<rtnl_link, Deleter<rtnl_link_put>>;
using AddrPtr = std::unique_ptr<rtnl_addr, Deleter<rtnl_addr_put>>;
using NlAddrPtr = std::unique_ptr<nl_addr, Deleter<nl_addr_put>>;
using RoutePtr = std::unique_ptr<rtnl_route, Deleter<rtnl_route_put>>;
using CbPtr = std::unique_ptr<nl_cb, Deleter<nl_cb_put>>;
using CachePtr = std::unique_ptr<nl_cache, Deleter<nl_cache_free>>;

}  // namespace nh::netlink
