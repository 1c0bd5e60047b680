#pragma once
// Whether an attachment is still what its record says, in the kernel and in
// the firewall (CNI CHECK): read-only.
#include <string>
#include <vector>

#include "lib/input/settings.hpp"
#include "lib/ipam/records.hpp"
#include "lib/netlink/socket.hpp"

namespace nh::pipeline {

// Appends what is wrong with an attachment's host side: its veth missing,
// another link than the one set up, down, or off its bridge (CHECK, doctor).
void check_host_side(netlink::Netlink& host, const ipam::Attachment& a, std::vector<std::string>& out);

struct AttachmentCheck {
  // kUnknown: no such attachment is recorded; kBusy: another run is setting
  // it up or tearing it down (`why` says which); kChecked: `problems` holds
  // the differences found.
  enum class Found { kChecked, kUnknown, kBusy } found = Found::kChecked;
  std::string why;
  std::vector<std::string> problems;
};

// Container `id`'s attachment on `iface` on `network` in the namespace at
// `netns_path`, against its record: the namespace, the host veth on its
// bridge, the interface inside (up, its addresses, its default routes), the
// network's rules and the container's port rules, and every address of
// `expected` (CIDR strings a runtime kept) still the attachment's. One line
// per thing missing or different.
AttachmentCheck check_attachment(const input::Settings& settings, const std::string& id, const std::string& iface,
                                 const std::string& netns_path, const std::string& network,
                                 const std::vector<std::string>& expected);

}  // namespace nh::pipeline
