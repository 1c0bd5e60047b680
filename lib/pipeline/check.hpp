#pragma once
// Whether an attachment is still what its record says, in the kernel and in
// the firewall (CNI CHECK): read-only.
#include <string>
#include <vector>

#include "lib/input/settings.hpp"

namespace nh::pipeline {

// One line per thing missing or different for container `id`'s attachment
// on `iface` on `network` in the namespace at `netns_path`: the record, the namespace,
// the host veth on its bridge, the interface inside (up, its addresses, its
// default routes), the network's rules and the container's port rules. Empty
// when everything is in place.
std::vector<std::string> check_attachment(const input::Settings& settings, const std::string& id,
                                          const std::string& iface, const std::string& netns_path,
                                          const std::string& network);

}  // namespace nh::pipeline
