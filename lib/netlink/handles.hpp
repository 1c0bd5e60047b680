#pragma once
// Owners of libnl objects: unique_ptr aliases with the matching free function.
// Internal to lib/netlink.
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/handlers.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "lib/base/c_handle.hpp"

namespace nh::netlink {

using LinkPtr = base::CHandle<rtnl_link, rtnl_link_put>;
using AddrPtr = base::CHandle<rtnl_addr, rtnl_addr_put>;
using NlAddrPtr = base::CHandle<nl_addr, nl_addr_put>;
using RoutePtr = base::CHandle<rtnl_route, rtnl_route_put>;
using CbPtr = base::CHandle<nl_cb, nl_cb_put>;
using CachePtr = base::CHandle<nl_cache, nl_cache_free>;

}  // namespace nh::netlink
