#pragma once
// The firewall, as the pipeline speaks to it: intents ("this network's rules
// present", "these ports of that container published"), never rows. Each
// backend turns intents into its own rules (iptables/ for libiptc) and applies
// a whole change at once; "none" applies nothing.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lib/addr/ip_address.hpp"
#include "lib/addr/port_mapping.hpp"
#include "lib/net/network.hpp"

namespace nh::firewall {

// A container's published ports, and where they lead.
struct ContainerPorts {
  std::string id;                        // the container: tags its rules
  std::string bridge;                    // the network carrying them
  std::vector<addr::IpAddress> targets;  // its addresses there, one per family
  std::vector<addr::PortMapping> ports;
};

// One transaction of intents.
struct Change {
  std::vector<net::Network> ensure_networks;  // each network's rules present
  std::vector<net::Network> remove_networks;  // each network's rules gone
  std::vector<ContainerPorts> add_ports;
  std::vector<ContainerPorts> remove_ports;
  bool empty() const {
    return ensure_networks.empty() && remove_networks.empty() && add_ports.empty() && remove_ports.empty();
  }
};

class Firewall {
 public:
  virtual ~Firewall() = default;
  virtual std::string name() const = 0;
  // Adds what is missing and removes what is present, all at once; sends
  // nothing when everything is already as asked. Returns how many rules (or
  // elements) it added or removed.
  virtual std::size_t apply(const Change& change) = 0;
  // What apply(change) would add, one line each, changing nothing (CHECK, doctor).
  virtual std::vector<std::string> missing(const Change& change) = 0;
  // Removes the port rules of containers that have no record, all at once;
  // returns their tagged ids (see tagged_id). With dry_run it only lists
  // them. `snapshot` is called after each read of the rules (a retry reads
  // again) and returns the predicate `stale(tagged id)` for that read: the
  // records must be read after the rules, so a setup that indexed its id and
  // then added its rules in between is never taken for stale.
  using StaleSnapshot = std::function<std::function<bool(const std::string& id)>()>;
  virtual std::vector<std::string> remove_stale_ports(const StaleSnapshot& snapshot, bool dry_run) = 0;
};

// "iptables" (libiptc, the legacy xtables interface), "nftables" (libnftnl)
// or "none".
std::unique_ptr<Firewall> make_firewall(const std::string& backend);

// How much of a container id the backends keep in the tags of its port rules
// and elements (an nftables comment holds 128 characters): gc compares ids
// cut the same way.
constexpr std::size_t kTaggedIdLength = 100;
inline std::string tagged_id(const std::string& id) { return id.substr(0, kTaggedIdLength); }
// The tag of a container's port rules (iptables comments) and map elements
// (nftables comments); port_tag("") is the prefix gc looks for.
inline std::string port_tag(const std::string& id) { return "netns-hook:" + tagged_id(id); }

}  // namespace nh::firewall
