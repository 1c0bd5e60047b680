#pragma once
// What one setup is asked to do, built once from the input by a front end
// (oci_request.cpp for the OCI hook; the CNI front end later) and carried
// through the pipeline unchanged: the container, its namespace, one
// attachment per network, and what it asks for besides.
#include <optional>
#include <string>
#include <vector>

#include "lib/addr/ip_address.hpp"
#include "lib/addr/port_mapping.hpp"
#include "lib/container/sysctl.hpp"
#include "lib/net/network.hpp"

namespace nh::input {

struct AttachmentRequest {
  net::Network network;
  std::string definition;                   // the network's file ("" for `default`)
  std::string iface;                        // inside the container: eth0, eth1, ...
  std::vector<addr::IpAddress> requested;   // static addresses, at most one per family, checked
  std::string requested_source;             // "annotation netns-hook.ip", "--static-ip", ...
  bool default_route = false;               // the default routes go through this network
  std::string mac;                          // the container end's MAC, "" for a random one
};

struct Request {
  std::string id;
  int pid = 0;                 // OCI: the container's process (its namespace is /proc/PID/ns/net)
  std::string netns_path;      // the namespace file (CNI_NETNS); "" for /proc/PID/ns/net
  std::vector<AttachmentRequest> attachments;
  // OCI: a container started in a namespace that is already set up joins it
  // (no interface of its own). CNI: each ADD adds its attachment.
  bool join_existing = true;
  std::vector<addr::PortMapping> ports;
  std::string ports_network;   // the network whose addresses the ports lead to
  std::vector<container::SysctlSetting> sysctls;
  std::vector<addr::IpAddress> dns;
  std::string bundle;          // where the resolv.conf goes (OCI bundle)
  std::string netns_link;      // where to name the namespace for `ip netns`, "" for nowhere
};

// Gives each requested address to the attachment whose network's subnet
// holds it (at most one per family and network), checked; throws an input
// error naming `source` and the address otherwise.
void assign_addresses(std::vector<AttachmentRequest>& attachments, const std::vector<addr::IpAddress>& ips,
                      const std::string& source);

// Throws an input error naming `source` when `ports` cannot be published:
// no firewall backend (`firewall` "none"); no network to carry them
// (`carrier` null: internal networks only); or a port on a family the
// carrier has no subnet of ("[::]:8080:80" on an IPv4-only network), which
// would hold the port and forward nothing. Both front ends call it.
void check_ports(const std::vector<addr::PortMapping>& ports, const net::Network* carrier, const std::string& firewall,
                 const std::string& source);

}  // namespace nh::input
