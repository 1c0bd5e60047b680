#pragma once
// Which firewall backend a run uses. `--firewall auto` is decided once per
// state directory, by the first setup, and recorded there: setup and
// teardown of one container can never use different backends, and every
// sandbox keeps the name of the backend that holds its rules.
#include <string>
#include <vector>

#include "lib/input/settings.hpp"
#include "lib/ipam/pool.hpp"

namespace nh::pipeline {

// For a setup: the explicit backend (recorded nowhere), or auto's recorded
// choice (detecting and recording it on the first setup with auto, which
// also warns about another framework's forward drops, naming `bridges`: see
// firewall/detect.hpp).
std::string firewall_for_setup(const input::Settings& settings, ipam::Pool& pool,
                               const std::vector<std::string>& bridges);

// For ls, version, gc, restore: the explicit backend, or auto's recorded
// choice; "" when auto has not chosen yet (no setup ran).
std::string firewall_in_use(const input::Settings& settings, ipam::Pool& pool);

// The backend in use and how it was chosen, read-only (creates nothing,
// loads no module): the explicit one, auto's record, or what auto would
// pick. Throws when auto could pick none, or the record is not a backend.
struct FirewallStatus {
  std::string backend;
  std::string how;  // "nftables (auto, chosen by the first setup: /run/netns-hook/firewall)"
};
FirewallStatus firewall_status(const input::Settings& settings);

// One line for `version`: firewall_status, or why it is unknown. Does not fail.
std::string describe_firewall(const input::Settings& settings);

}  // namespace nh::pipeline
