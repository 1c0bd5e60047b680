// netns-hook: read options and the OCI state, run one operation. This is the
// only place that catches errors: one line on stderr and syslog, exit 1.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <iostream>

#include "hook/cli.hpp"
#include "lib/admin/doctor.hpp"
#include "lib/admin/gc.hpp"
#include "lib/admin/list.hpp"
#include "lib/admin/networks.hpp"
#include "lib/admin/restore.hpp"
#include "lib/base/error.hpp"
#include "lib/base/fs.hpp"
#include "lib/base/log.hpp"
#include "lib/base/version.hpp"
#include "lib/cni/plugin.hpp"
#include "lib/input/oci_request.hpp"
#include "lib/input/oci_state.hpp"
#include "lib/pipeline/firewall_choice.hpp"
#include "lib/pipeline/setup.hpp"
#include "lib/pipeline/teardown.hpp"

namespace {

using nh::cli::Action;

int run(const std::vector<std::string>& args) {
  nh::cli::Command cmd = nh::cli::parse_command_line(args);
  switch (cmd.action) {
    case Action::kHelp:
      std::cout << nh::cli::usage();
      return 0;
    case Action::kVersion:
      std::cout << nh::base::version_text()
                << nh::pipeline::describe_firewall(nh::input::build_settings(cmd.config_path, cmd.flags)) << "\n";
      return 0;
    default:
      break;
  }
  nh::input::Settings settings = nh::input::build_settings(cmd.config_path, cmd.flags);
  nh::base::log_init(settings.debug ? nh::base::LogLevel::kDebug : settings.log_level, settings.debug,
                     settings.log_file);
  switch (cmd.action) {
    case Action::kList: nh::admin::list_attachments(settings, cmd.json, std::cout); return 0;
    case Action::kGc: nh::admin::gc(settings, cmd.dry_run, std::cout); return 0;
    case Action::kRestore: nh::admin::restore(settings, std::cout); return 0;
    case Action::kDoctor: return nh::admin::doctor(settings, cmd.json, std::cout) ? 0 : 1;
    case Action::kNetworkCreate: nh::admin::network_create(settings, cmd.create, std::cout); return 0;
    case Action::kNetworkLs: nh::admin::network_ls(settings, cmd.json, std::cout); return 0;
    case Action::kNetworkInspect: nh::admin::network_inspect(settings, cmd.network, std::cout); return 0;
    case Action::kNetworkRm: nh::admin::network_rm(settings, cmd.network, std::cout); return 0;
    default: break;
  }

  if (cmd.action == Action::kTeardown && !cmd.container_id.empty()) {
    nh::pipeline::teardown(settings, cmd.container_id);
    return 0;
  }
  std::string input =
      nh::base::read_all_limited(STDIN_FILENO, nh::input::kMaxStateBytes, "read container state from stdin");
  nh::input::State state = nh::input::parse_state(input);
  Action action = cmd.action;
  if (action == Action::kAuto) {
    if (state.status == "creating" || state.status == "created") action = Action::kSetup;
    else if (state.status == "stopped") action = Action::kTeardown;
    else
      throw nh::base::Error::input("container " + state.id + " has status \"" + state.status + "\"",
                                   "expected creating/created (set up) or stopped (tear down); "
                                   "or say setup or teardown");
  }
  if (action == Action::kSetup) {
    auto done = nh::pipeline::setup(settings, nh::input::build_oci_request(settings, state));
    // Said at every log level: with no syslog daemon, nothing else would.
    if (done.outcome == nh::pipeline::SetupOutcome::kHostNetwork)
      std::fprintf(stderr, "netns-hook: container %s shares the host's network namespace: left alone\n", state.id.c_str());
  } else {
    nh::pipeline::teardown(settings, state.id);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // The same binary is a CNI plugin when a CNI client runs it.
  if (std::getenv("CNI_COMMAND"))
    return nh::cni::run_plugin(
        [](const char* name) -> std::optional<std::string> {
          const char* v = std::getenv(name);
          return v ? std::optional<std::string>(v) : std::nullopt;
        },
        [] { return nh::base::read_all_limited(STDIN_FILENO, nh::cni::kMaxInputBytes, "read the network configuration"); },
        std::cout);
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return run(args);
  } catch (const nh::base::Error& e) {
    std::fprintf(stderr, "netns-hook: %s\n", e.what());
    nh::base::log_error(e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "netns-hook: internal error: %s\n", e.what());
    nh::base::log_error(std::string("internal error: ") + e.what());
  }
  return 1;
}
