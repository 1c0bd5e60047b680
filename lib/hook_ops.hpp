#pragma once
// The hook's operations: the setup and teardown pipelines and the listing.
#include <iosfwd>
#include <set>
#include <string>

#include "lib/config.hpp"
#include "lib/ipam.hpp"
#include "lib/oci_state.hpp"

namespace nh {

constexpr const char* kAnnotationIp = "netns-hook.ip";

enum class SetupOutcome {
  kHostNetwork,  // the container shares the hook's namespace: left alone
  kExisting,     // already set up (setup is idempotent)
  kJoined,       // joined the namespace of a container that already has a lease
  kConfigured,   // bridge, veth, address, route and firewall are in place
};

struct SetupResult {
  SetupOutcome outcome;
  Lease lease;
};

// Steps in setup.cpp; rolls back everything it did when a step fails.
SetupResult setup(const Settings& settings, const State& state);
// Steps in teardown.cpp; runs every step, tolerates what is already gone,
// reports all failures together. With `only` (gc), does nothing unless the
// container's lease is still that one.
void teardown(const Settings& settings, const State& state, const Lease* only = nullptr);
// `netns-hook ls`: a table, or JSON.
void list_leases(const Settings& settings, bool json, std::ostream& out);
// `netns-hook restore`: re-installs the firewall rules every lease calls for
// (after a firewall reload wiped them); adds only what is missing.
void restore(const Settings& settings, std::ostream& out);
// `netns-hook gc`: releases the leases of namespaces that are gone and deletes
// orphan host veths of ours; with dry_run it only prints what it would do.
void gc(const Settings& settings, bool dry_run, std::ostream& out);
// The lease part of gc, which setup also runs when the pool is full. Returns
// how many leases it released (or would release); collects the bridges the
// leases use when asked to.
std::size_t release_dead_leases(const Settings& settings, bool dry_run, std::ostream& out,
                                std::set<std::string>* bridges = nullptr);

}  // namespace nh
