#pragma once
// The CNI front end's Request and Settings: what an ADD asks of the same
// pipeline the OCI hook drives. One attachment (the configuration's network
// on CNI_IFNAME) per ADD; the namespace by path; no `ip netns` name (the
// client named the namespace already) and no resolv.conf (the runtime
// writes it).
#include "lib/cni/config.hpp"
#include "lib/cni/env.hpp"
#include "lib/input/request.hpp"
#include "lib/input/settings.hpp"

namespace nh::cni {

input::Settings settings_of(const NetConf& conf);

// Checks the network against the networks on file: one of the same name
// must be the same network (they share a pool and rules), and no other may
// share its bridge or overlap its subnets. Failure code 7 otherwise.
void check_against_network_files(const NetConf& conf);

input::Request add_request(const NetConf& conf, const Environment& env);

}  // namespace nh::cni
