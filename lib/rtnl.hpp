#pragma once
// Links, addresses and routes through libnl-route-3. Every libnl handle is owned
// by a unique_ptr alias; every failure becomes an nh::Error with the libnl code.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/config.hpp"
#include "lib/ip_address.hpp"

struct nl_sock;

namespace nh {

// A connected NETLINK_ROUTE socket. It stays bound to the network namespace of
// the thread that created it, so one made inside a container's namespace
// (see Netns::run_inside) configures that namespace from any thread.
class Netlink {
 public:
  static Netlink connect();
  nl_sock* get() const noexcept { return sock_.get(); }
  // The errno of the kernel's last error reply: libnl folds the errnos it does
  // not know (EXFULL, ENOSPC, ...) into "Unspecific failure", so keep our own.
  int last_errno() const noexcept { return *last_errno_; }

 private:
  struct Free {
    void operator()(nl_sock* s) const noexcept;
  };
  explicit Netlink(nl_sock* s) : sock_(s), last_errno_(std::make_unique<int>(0)) {}
  std::unique_ptr<nl_sock, Free> sock_;
  std::unique_ptr<int> last_errno_;  // stable address for the libnl callback
};

struct LinkInfo {
  int index = 0;
  unsigned mtu = 0;
  unsigned flags = 0;
  int master = 0;
  std::string kind;  // "bridge", "veth", ... ("" for lo and physical devices)
};

// One RTM_GETLINK by name (no dump): nullopt when there is no such link.
std::optional<LinkInfo> find_link(Netlink& nl, const std::string& name);

struct BridgeCheck {
  std::optional<LinkInfo> link;  // nullopt: no link of that name yet
  bool has_gateway = false;
};
// Read-only: whether the bridge exists, and whether it can be used. Throws an
// Error naming both when a link of that name is not a bridge or carries
// another address, before anything was changed.
BridgeCheck check_bridge(Netlink& nl, const Network& net);

struct BridgeResult {
  int index = 0;
  bool created = false;  // by this call (another hook may have won the race)
};
// Creates the bridge (pinned MAC, MTU, up, gateway address) or brings the
// checked one in line (MTU, up, gateway address).
BridgeResult ensure_bridge(Netlink& nl, const Network& net, BridgeCheck check);

struct VethSpec {
  std::string host_name;
  int bridge_index = 0;
  std::string peer_name;
  int peer_netns_fd = -1;
  unsigned mtu = 1500;
};
// One RTM_NEWLINK: the host end joins the bridge and comes up; the peer is created
// directly inside the target namespace (no move, so no RCU grace period), still down.
void create_veth(Netlink& nl, const VethSpec& spec);

// Turns on hairpin mode on a bridge port, so a frame may leave by the port it
// came in: with br_netfilter, a container reaching its own published port
// through the host's address is DNAT'd inside the bridge and sent back that way.
void set_hairpin(Netlink& nl, const std::string& port);

struct LinkRef {
  std::string name;
  int index = 0;
};
// All links enslaved to `master_index` (one dump; for gc, not setup).
std::vector<LinkRef> links_of_master(Netlink& nl, int master_index);

// Deletes a link by name; false when it did not exist.
bool delete_link(Netlink& nl, const std::string& name);
// Deletes exactly the link gc saw: a link made since under the same name has
// another index and is left alone. False when it is gone.
bool delete_link(Netlink& nl, const LinkRef& link);
void set_link_up(Netlink& nl, int index, const std::string& name);
void add_address(Netlink& nl, int index, const std::string& link_name, const Cidr& addr);
void add_default_route(Netlink& nl, int index, const std::string& link_name, const IpAddress& gateway);
// Addresses of one family on one link, or on all links for index 0 (one dump).
std::vector<Cidr> link_addresses(Netlink& nl, int index, int family);

}  // namespace nh
