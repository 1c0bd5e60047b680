#pragma once
// The command line: global options, then a command and its own options.
#include <optional>
#include <string>
#include <vector>

#include "lib/admin/networks.hpp"
#include "lib/input/settings.hpp"

namespace nh::cli {

enum class Action {
  kAuto, kSetup, kTeardown, kList, kRestore, kGc, kDoctor, kHelp, kVersion,
  kNetworkCreate, kNetworkLs, kNetworkInspect, kNetworkRm,
};

struct Command {
  Action action = Action::kAuto;
  bool json = false;     // ls --json, network ls --json, doctor --json
  bool dry_run = false;  // gc --dry-run
  std::optional<std::string> config_path;
  std::vector<input::Setting> flags;  // in command-line order; later ones win
  std::string network;                // network inspect/rm NAME
  std::string container_id;           // teardown ID (no state read)
  admin::NetworkCreateOptions create; // network create NAME [options]
};

// Throws base::Error naming the offending argument.
Command parse_command_line(const std::vector<std::string>& args);
std::string usage();

}  // namespace nh::cli
