#include "lib/pipeline/ipv6_host.hpp"

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>

#include "lib/base/error.hpp"
#include "lib/base/log.hpp"
#include "lib/base/sysctl.hpp"
#include "lib/netlink/address.hpp"
#include "lib/netlink/link.hpp"

namespace nh::pipeline {

void configure_bridge_ipv6(const net::Network& n) {
  if (n.subnet(AF_INET6)) base::ensure_sysctl("net/ipv6/conf/" + n.bridge + "/accept_ra", "0");
}

void disable_ipv6_on(const std::string& iface) {
  try {
    base::ensure_sysctl("net/ipv6/conf/" + iface + "/disable_ipv6", "1");
  } catch (const base::Error& e) {
    if (!e.is_errno(ENOENT)) throw;  // a kernel without IPv6: nothing to quiet
  }
}

void enable_ipv6_forwarding(netlink::Netlink& host) {
  if (!base::ensure_sysctl("net/ipv6/conf/all/forwarding", "1")) return;
  base::log_info("turned net.ipv6.conf.all.forwarding on (a network of containers has IPv6)");
  for (const auto& r : netlink::list_routes(host, AF_INET6)) {
    if (r.destination.prefix() != 0 || r.protocol != RTPROT_RA || r.index == 0) continue;
    auto name = netlink::link_name(host, r.index);
    if (!name) continue;
    std::string accept_ra;
    try {
      accept_ra = base::read_sysctl("net/ipv6/conf/" + *name + "/accept_ra");
    } catch (const base::Error&) {
      continue;
    }
    if (accept_ra == "1")
      base::log_warning("this host's IPv6 default route was learned from router advertisements on " + *name +
                      ", and with forwarding on Linux ignores them there: set net.ipv6.conf." + *name +
                      ".accept_ra=2 to keep the route");
  }
}

}  // namespace nh::pipeline
