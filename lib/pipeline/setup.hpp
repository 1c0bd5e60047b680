#pragma once
// The setup pipeline: request -> namespace -> leases -> bridges and veths ->
// addresses and routes -> extras (sysctls, resolv.conf, ip netns name) ->
// firewall. Each step that changes something pushes its undo; a failure runs
// them newest first and rethrows.
#include <string>

#include "lib/input/request.hpp"
#include "lib/input/settings.hpp"
#include "lib/ipam/records.hpp"

namespace nh::pipeline {

enum class SetupOutcome {
  kHostNetwork,  // the container shares the hook's namespace: left alone
  kExisting,     // already set up (setup is idempotent)
  kJoined,       // joined the namespace of a container that is set up
  kConfigured,   // its attachments are built
};

struct SetupResult {
  SetupOutcome outcome;
  ipam::Sandbox sandbox;  // as recorded (empty for kHostNetwork)
};

SetupResult setup(const input::Settings& settings, const input::Request& req);

}  // namespace nh::pipeline
