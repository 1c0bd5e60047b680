// The kernel's share of a setup, for scripts/bench.sh: one process making
// the links a setup makes, through the hook's own netlink code, and nothing
// else (no state directory, no checks, no firewall, no sysctls):
//   setup_floor PID BRIDGE HOST_VETH CIDR GATEWAY
// creates HOST_VETH on BRIDGE (up) with its peer eth0 in PID's namespace,
// then inside brings lo and eth0 up and adds CIDR and the default route via
// GATEWAY. What netns-hook adds on top of this is its own cost.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "lib/addr/cidr.hpp"
#include "lib/netlink/address.hpp"
#include "lib/netlink/link.hpp"
#include "lib/netlink/netns.hpp"
#include "lib/netlink/veth.hpp"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: setup_floor PID BRIDGE HOST_VETH CIDR GATEWAY\n");
    return 2;
  }
  try {
    auto ns = nh::netlink::Netns::open_pid(std::atoi(argv[1]));
    auto host = nh::netlink::Netlink::connect();
    auto bridge = nh::netlink::find_link(host, argv[2]);
    if (!bridge) throw std::runtime_error(std::string("no bridge ") + argv[2]);
    nh::netlink::create_veth(host, {argv[3], bridge->index, "eth0", ns.fd(), 1500, ""});
    const auto cidr = nh::addr::Cidr::parse(argv[4]);
    const auto gateway = *nh::addr::IpAddress::parse(argv[5]);
    ns.run_inside([&] {
      auto nl = nh::netlink::Netlink::connect();
      nh::netlink::set_link_up(nl, 1, "lo");
      auto eth0 = nh::netlink::find_link(nl, "eth0");
      nh::netlink::set_link_up(nl, eth0->index, "eth0");
      nh::netlink::add_address(nl, eth0->index, "eth0", cidr);
      nh::netlink::add_default_route(nl, eth0->index, "eth0", gateway);
    });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "setup_floor: %s\n", e.what());
    return 1;
  }
  return 0;
}
