// netns-hook: read options and the OCI state, run one operation. This is the
// only place that catches errors: one line on stderr and syslog, exit 1.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "hook/cli.hpp"
#include "lib/error.hpp"
#include "lib/fs.hpp"
#include "lib/hook_ops.hpp"
#include "lib/log.hpp"
#include "lib/oci_state.hpp"
#include "lib/version.hpp"

namespace {

int run(const std::vector<std::string>& args) {
  nh::Command cmd = nh::parse_command_line(args);
  switch (cmd.action) {
    case nh::Action::kHelp:
      std::cout << nh::usage();
      return 0;
    case nh::Action::kVersion:
      std::cout << nh::version_text();
      return 0;
    default:
      break;
  }
  nh::Settings settings = nh::build_settings(cmd.config_path, cmd.flags);
  nh::log_init(settings.debug ? nh::LogLevel::kDebug : settings.log_level, settings.debug,
               settings.log_file);
  if (cmd.action == nh::Action::kList) {
    nh::list_leases(settings, cmd.json, std::cout);
    return 0;
  }
  if (cmd.action == nh::Action::kGc) {
    nh::gc(settings, cmd.dry_run, std::cout);
    return 0;
  }
  if (cmd.action == nh::Action::kRestore) {
    nh::restore(settings, std::cout);
    return 0;
  }

  std::string input = nh::read_all_limited(STDIN_FILENO, nh::kMaxStateBytes, "read container state from stdin");
  nh::State state = nh::parse_state(input);
  nh::Action action = cmd.action;
  if (action == nh::Action::kAuto) {
    if (state.status == "creating" || state.status == "created") action = nh::Action::kSetup;
    else if (state.status == "stopped") action = nh::Action::kTeardown;
    else
      throw nh::Error::input("container " + state.id + " has status \"" + state.status + "\"",
                             "expected creating/created (set up) or stopped (tear down); "
                             "or say setup or teardown");
  }
  if (action == nh::Action::kSetup) nh::setup(settings, state);
  else nh::teardown(settings, state);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return run(args);
  } catch (const nh::Error& e) {
    std::fprintf(stderr, "netns-hook: %s\n", e.what());
    nh::log_error(e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "netns-hook: internal error: %s\n", e.what());
    nh::log_error(std::string("internal error: ") + e.what());
  }
  return 1;
}
