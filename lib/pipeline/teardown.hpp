#pragma once
// The teardown pipeline: the setup path backwards, by container id alone
// (runtimes send no pid at poststop). Every step runs; "already gone" is
// fine; all failures are reported together, and what a second run needs to
// finish the job is kept.
#include <string>

#include "lib/input/settings.hpp"
#include "lib/ipam/records.hpp"

namespace nh::pipeline {

// Without `iface` the whole container (OCI poststop); with it, only the
// container's attachment on that interface (CNI DEL), and with `network`
// only if that attachment is on that network (a DEL for a network whose ADD
// was refused because another network had the interface leaves that one
// alone). With `only` (gc), does nothing unless the container's sandbox is
// still that one.
void teardown(const input::Settings& settings, const std::string& id, const std::string& iface = "",
              const ipam::Sandbox* only = nullptr, const std::string& network = "");

}  // namespace nh::pipeline
