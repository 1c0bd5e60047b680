#pragma once
// The links of each attachment: the bridge, the veth pair, and inside the
// container the interface's addresses and routes.
#include <map>
#include <string>
#include <vector>

#include "lib/container/sysctl.hpp"
#include "lib/input/request.hpp"
#include "lib/ipam/records.hpp"
#include "lib/netlink/bridge.hpp"
#include "lib/netlink/netns.hpp"
#include "lib/pipeline/undo.hpp"

namespace nh::pipeline {

netlink::BridgeSpec bridge_spec(const net::Network& n);

// Read-only, before anything changes: each requested network's bridge can be
// used (or made). By network name.
std::map<std::string, netlink::BridgeCheck> check_bridges(netlink::Netlink& host, const input::Request& req);

// The host side of each attachment, in order: its bridge made or brought in
// line, then its veth pair with the peer made inside the namespace; the host
// veth's index is recorded in the attachment. Each veth pushes its undo.
void build_host_links(netlink::Netlink& host, const netlink::Netns& ns, std::vector<ipam::Attachment>& added,
                      std::map<std::string, netlink::BridgeCheck>& checks, UndoStack& undo);

// Inside the namespace, through a netlink socket opened there: lo up, each
// attachment's interface up with its addresses and, where it carries them,
// the default routes; and the sysctls (put back if what follows them fails).
// Returns what the sysctls changed.
std::vector<container::SysctlChange> configure_inside(const netlink::Netns& ns,
                                                      const std::vector<ipam::Attachment>& added,
                                                      const std::vector<container::SysctlSetting>& sysctls);

}  // namespace nh::pipeline
