#include "lib/cni/plugin.hpp"

#include <ostream>

#include "lib/base/error.hpp"
#include "lib/base/log.hpp"
#include "lib/cni/config.hpp"
#include "lib/cni/env.hpp"
#include "lib/cni/error.hpp"
#include "lib/cni/gc.hpp"
#include "lib/cni/request.hpp"
#include "lib/cni/result.hpp"
#include "lib/cni/version.hpp"
#include "lib/ipam/pool.hpp"
#include "lib/netlink/netns.hpp"
#include "lib/pipeline/check.hpp"
#include "lib/pipeline/setup.hpp"
#include "lib/pipeline/teardown.hpp"

namespace nh::cni {

namespace {

void version_command(const std::string& input, std::ostream& out) {
  std::string asked = requested_version(input);
  nlohmann::json j = {{"cniVersion", is_supported(asked) ? asked : kLatestVersion},
                      {"supportedVersions", supported_versions()}};
  out << j.dump() << "\n";
}

// CNI_NETNS must be a network namespace, and not the plugin's own.
void check_namespace(const std::string& path) {
  try {
    auto ns = netlink::Netns::open_path(path);
    if (ns.is_current())
      throw Failure(kInvalidEnvironment, "invalid CNI_NETNS", path + " is the plugin's own network namespace, not a container's");
  } catch (const Failure&) {
    throw;
  } catch (const base::Error& e) {
    throw Failure(kInvalidEnvironment, e.with_context("invalid CNI_NETNS"));
  }
}

void add(const NetConf& conf, const Environment& env, std::ostream& out) {
  check_against_network_files(conf);
  check_namespace(env.netns);
  auto done = pipeline::setup(settings_of(conf), add_request(conf, env));
  const ipam::Attachment* a = done.sandbox.attachment(env.ifname);
  if (!a || a->container != env.container_id)
    throw Failure(kSystemFailure, "add " + env.ifname + " to container " + env.container_id, "the attachment is not recorded after setup");
  out << add_result(conf.cni_version, *a, env.netns, conf.dns).dump(2) << "\n";
}

// CHECK: the record against the kernel and the firewall, and against the
// prevResult the runtime kept.
void check(const NetConf& conf, const Environment& env) {
  if (!has_check(conf.cni_version))
    throw Failure(kIncompatibleVersion, "CHECK with cniVersion " + conf.cni_version, "CHECK needs cniVersion 0.4.0 or later");
  check_namespace(env.netns);
  // Every address the runtime was given must still be the container's.
  std::vector<std::string> expected;
  if (conf.prev_result)
    if (auto ips = conf.prev_result->find("ips"); ips != conf.prev_result->end() && ips->is_array())
      for (const auto& ip : *ips)
        if (auto addr = ip.find("address"); addr != ip.end() && addr->is_string()) expected.push_back(addr->get<std::string>());
  const std::string what = "check container " + env.container_id + " interface " + env.ifname;
  auto checked = pipeline::check_attachment(settings_of(conf), env.container_id, env.ifname, env.netns,
                                            conf.network.name, expected);
  // What is not a difference has codes of its own: no such attachment (3), or
  // one another run is still setting up or tearing down (11, try later).
  using Found = pipeline::AttachmentCheck::Found;
  if (checked.found == Found::kUnknown) throw Failure(kUnknownContainer, what, checked.why);
  if (checked.found == Found::kBusy) throw Failure(kTryAgainLater, what, checked.why);
  const auto& problems = checked.problems;
  if (problems.empty()) return;
  std::string details;
  for (const auto& p : problems) details += (details.empty() ? "" : "; ") + p;
  throw Failure(kCheckFailed, what, details);
}


void dispatch(const Environment& env, const std::string& input, std::ostream& out) {
  if (env.command == "VERSION") return version_command(input, out);
  const NetConf conf = parse_config(input);
  if (env.command == "ADD") return add(conf, env, out);
  // DEL of the configuration's network only (see teardown).
  if (env.command == "DEL") return pipeline::teardown(settings_of(conf), env.container_id, env.ifname, nullptr, conf.network.name);
  if (env.command == "CHECK") return check(conf, env);
  if (!has_gc_and_status(conf.cni_version))
    throw Failure(kIncompatibleVersion, env.command + " with cniVersion " + conf.cni_version,
                  env.command + " needs cniVersion 1.1.0");
  if (env.command == "GC") {
    collect_garbage(conf);
    return;
  }
  check_status(conf);
}

}  // namespace

int run_plugin(const std::function<std::optional<std::string>(const char*)>& get,
               const std::function<std::string()>& read_input, std::ostream& out) {
  std::string version = kLatestVersion;  // of an error, until the input says
  try {
    base::log_init(base::LogLevel::kInfo, false);
    std::string input;
    try {
      input = read_input();
    } catch (const Failure&) {
      throw;
    } catch (const base::Error& e) {
      // A read that failed is the specification's I/O failure; too much input is bad input.
      if (e.kind() == base::Error::Kind::kErrno) throw Failure(kIoFailure, e);
      throw;
    }
    if (std::string asked = requested_version(input); is_supported(asked)) version = asked;
    const Environment env = read_environment(get);
    dispatch(env, input, out);
    return 0;
  } catch (const base::Error& e) {
    const int code = code_of(e);
    out << error_json(version, code, e);
    base::log_error("CNI " + get("CNI_COMMAND").value_or("") + " (code " + std::to_string(code) + "): " + e.what());
  } catch (const std::exception& e) {
    const base::Error internal("internal error", e.what());
    out << error_json(version, kSystemFailure, internal);
    base::log_error(std::string("CNI internal error: ") + e.what());
  }
  return 1;
}

}  // namespace nh::cni
