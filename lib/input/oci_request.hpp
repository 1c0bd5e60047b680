#pragma once
// The OCI hook's front end: container state + annotations + settings -> Request.
#include "lib/input/oci_state.hpp"
#include "lib/input/request.hpp"
#include "lib/input/settings.hpp"

namespace nh::input {

// Reads the named networks' files (none for a container on `default` only)
// and checks every annotation before anything changes; throws naming what
// was wrong.
Request build_oci_request(const Settings& settings, const State& state);

// The container's interface on its n-th network: the first is --iface's
// name, the others eth1, eth2, ... (skipping --iface's name), all distinct.
std::string interface_name(const Settings& settings, std::size_t n);

}  // namespace nh::input
