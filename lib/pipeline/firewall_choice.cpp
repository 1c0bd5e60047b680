#include "lib/pipeline/firewall_choice.hpp"


#include "lib/base/error.hpp"
#include "lib/base/log.hpp"
#include "lib/firewall/detect.hpp"

namespace nh::pipeline {

std::string firewall_for_setup(const input::Settings& settings, ipam::Pool& pool,
                               const std::vector<std::string>& bridges) {
  // An explicit backend is used as said and recorded nowhere: the record is
  // auto's, and another run's --firewall none must not become auto's choice.
  if (settings.firewall != "auto") return settings.firewall;
  bool chosen_now = false;
  const std::string backend = pool.firewall_backend(
      [&] {
        auto d = firewall::detect_backend();
        base::log_info("firewall auto: chose " + d.backend + ": " + d.reason);
        return d.backend;
      },
      &chosen_now);
  // Once per state directory (and on every restore): whatever another
  // framework drops, no rule of ours lets through.
  if (chosen_now) firewall::warn_foreign_forward_drops(backend, bridges);
  return backend;
}

std::string firewall_in_use(const input::Settings& settings, ipam::Pool& pool) {
  if (settings.firewall != "auto") return settings.firewall;
  return pool.recorded_firewall_backend().value_or("");
}

FirewallStatus firewall_status(const input::Settings& settings) {
  if (settings.firewall != "auto") return {settings.firewall, settings.firewall + " (set by --firewall or the config file)"};
  if (auto name = ipam::Pool::recorded_firewall_backend(settings.state_dir))
    return {*name, *name + " (auto, chosen by the first setup: " + settings.state_dir + "/firewall)"};
  auto d = firewall::detect_backend(/*may_load=*/false);
  return {d.backend, "auto, not chosen yet: the first setup will pick " + d.backend + " (" + d.reason + ")"};
}

std::string describe_firewall(const input::Settings& settings) {
  try {
    return "firewall " + firewall_status(settings).how;
  } catch (const base::Error& e) {
    return std::string("firewall ") + settings.firewall + ": " + e.what();
  }
}

}  // namespace nh::pipeline
