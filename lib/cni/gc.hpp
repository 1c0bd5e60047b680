#pragma once
// CNI GC and STATUS: a network's housekeeping, asked by the runtime.
#include "lib/cni/config.hpp"

namespace nh::cni {

// Tears down every attachment this plugin made on the configuration's
// network (a CNI attachment: its namespace was given by path) that the
// valid attachments do not list, each fully (veth, leases, port rules),
// continuing past failures and reporting them all. OCI hook containers on
// a network of the same name are not the runtime's to collect: left alone.
// Returns how many it tore down.
std::size_t collect_garbage(const NetConf& conf);

// Throws a Failure with code 50 when the network cannot take another
// container (a subnet without a free address), 51 when the firewall
// backend cannot be used or the network's rules are gone (existing
// containers lose connectivity: `netns-hook restore` puts them back).
void check_status(const NetConf& conf);

}  // namespace nh::cni
