#pragma once
// What the host needs for IPv6 containers.
#include <string>

#include "lib/net/network.hpp"
#include "lib/netlink/socket.hpp"

namespace nh::pipeline {

// A bridge with an IPv6 subnet takes no router advertisements: it is the
// containers' router, not a host on some other router's link.
void configure_bridge_ipv6(const net::Network& n);

// IPv6 off on one interface of the calling thread's namespace, before it
// has carrier: no link-local address, so no DAD probe and no MLD report. A
// bridge's port needs no IPv6 of its own (it only carries frames), nor does
// a container's interface on an IPv4-only network; and each probe or report
// of a new port is flooded to every other port of the bridge, work the
// kernel does for every container already there. A kernel without IPv6 has
// nothing to turn off.
void disable_ipv6_on(const std::string& iface);

// Turns net.ipv6.conf.all.forwarding on, as a dual-stack network needs. With
// forwarding on, Linux ignores router advertisements on every interface
// whose accept_ra is 1 (only 2 keeps them): a host whose own IPv6 default
// route came from an RA would lose it when it expires. When this call turns
// forwarding on and such a route exists, one warning names the interface.
void enable_ipv6_forwarding(netlink::Netlink& host);

}  // namespace nh::pipeline
