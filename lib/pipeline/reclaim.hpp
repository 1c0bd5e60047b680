#pragma once
// What namespaces that are gone still hold: leases, veths, rules. gc runs
// this, and so does a setup that finds its pool full.
#include <cstddef>
#include <iosfwd>

#include "lib/input/settings.hpp"
#include "lib/ipam/pool.hpp"

namespace nh::pipeline {

// Whether the sandbox must be reclaimed: its namespace is gone, its teardown
// stopped half way, or the hook run building it was killed.
bool needs_reclaim(const ipam::Sandbox& s);

// Tears down that sandbox (only that one, as it was listed): each member as
// its poststop would have, and an unfinished teardown finished. Reports
// every failure together.
void reclaim(const input::Settings& settings, const ipam::Sandbox& s);

// Every sandbox that needs it; one line per container to `out`. Returns how
// many sandboxes it reclaimed (or, with dry_run, would).
std::size_t reclaim_all(const input::Settings& settings, ipam::Pool& pool, bool dry_run, std::ostream& out);

}  // namespace nh::pipeline
