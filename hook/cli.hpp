#pragma once
// The command line: sub-command, options, --config.
#include <optional>
#include <string>
#include <vector>

#include "lib/config.hpp"

namespace nh {

enum class Action { kAuto, kSetup, kTeardown, kList, kRestore, kGc, kHelp, kVersion };

struct Command {
  Action action = Action::kAuto;
  bool json = false;     // ls --json
  bool dry_run = false;  // gc --dry-run
  std::optional<std::string> config_path;
  std::vector<Setting> flags;  // in command-line order; later ones win
};

// Throws nh::Error naming the offending argument.
Command parse_command_line(const std::vector<std::string>& args);
std::string usage();

}  // namespace nh
