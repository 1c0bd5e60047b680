#pragma once
// `netns-hook gc`: bring the state back in line with the kernel after hooks
// were killed or poststop never ran: release what namespaces that are gone
// hold, finish teardowns that stopped half way, delete host veths of ours
// that no record names, DNAT rules whose container has no record, leases and
// indexes that name no record, and temporary files of killed writes.
// --dry-run only prints.
#include <iosfwd>

#include "lib/input/settings.hpp"

namespace nh::admin {

void gc(const input::Settings& settings, bool dry_run, std::ostream& out);

}  // namespace nh::admin
