#include "lib/cni/gc.hpp"

#include <algorithm>

#include "lib/base/error.hpp"
#include "lib/base/log.hpp"
#include "lib/cni/error.hpp"
#include "lib/cni/request.hpp"
#include "lib/firewall/detect.hpp"
#include "lib/firewall/firewall.hpp"
#include "lib/ipam/allocator.hpp"
#include "lib/ipam/pool.hpp"
#include "lib/pipeline/firewall_choice.hpp"
#include "lib/pipeline/teardown.hpp"

namespace nh::cni {

std::size_t collect_garbage(const NetConf& conf) {
  // Without the list every attachment would look stale: collect nothing.
  if (!conf.valid_attachments)
    throw Failure(kInvalidConfig, "GC of network " + conf.network.name,
                  "the configuration has no \"cni.dev/valid-attachments\": without it every attachment would look "
                  "stale, so nothing is collected");
  const input::Settings settings = settings_of(conf);
  auto pool = ipam::Pool::open(settings.state_dir);
  struct Stale {
    std::string id, iface;
    ipam::Sandbox sandbox;
  };
  std::vector<Stale> stale;
  for (const auto& s : pool.list()) {
    if (s.netns_path.empty()) continue;  // set up by the OCI hook
    for (const auto& a : s.attachments) {
      if (a.network.name != conf.network.name) continue;
      const Attachment key{a.container, a.iface};
      if (std::find(conf.valid_attachments->begin(), conf.valid_attachments->end(), key) == conf.valid_attachments->end())
        stale.push_back({a.container, a.iface, s});
    }
  }
  base::ErrorList errors;
  for (const auto& s : stale)
    errors.run([&] {
      // Only in the sandbox listed: a container re-added since is the runtime's again.
      pipeline::teardown(settings, s.id, s.iface, &s.sandbox);
      base::log_info("gc: released container " + s.id + " interface " + s.iface + " on network " + conf.network.name);
    });
  errors.throw_if_any();
  return stale.size();
}

void check_status(const NetConf& conf) {
  const input::Settings settings = settings_of(conf);
  auto pool = ipam::Pool::open(settings.state_dir);
  for (const auto& s : conf.network.subnets) {
    const addr::u128 usable = ipam::usable_addresses(s);
    const std::size_t leased = pool.lease_count(conf.network.name, s.subnet.family());
    if (addr::u128(leased) >= usable)
      throw Failure(kNotAvailable, "network " + conf.network.name + " cannot take another container",
                    "every address of " + s.subnet.network_str() + " is leased (" + std::to_string(leased) + ")");
  }
  std::string backend = pipeline::firewall_in_use(settings, pool);
  try {
    if (backend.empty()) backend = firewall::detect_backend().backend;
    firewall::Change wanted;
    wanted.ensure_networks.push_back(conf.network);
    auto missing = firewall::make_firewall(backend)->missing(wanted);
    // Rules go with the first container: only missing ones of a network in use matter.
    bool in_use = false;
    for (const auto& s : pool.list())
      for (const auto& a : s.attachments) in_use = in_use || a.network.name == conf.network.name;
    if (in_use && !missing.empty())
      throw Failure(kNotAvailableLimited, "network " + conf.network.name + " has lost firewall rules",
                    "missing: " + missing.front() + (missing.size() > 1 ? " and " + std::to_string(missing.size() - 1) + " more" : "") +
                        " (netns-hook restore puts them back)");
  } catch (const Failure&) {
    throw;
  } catch (const base::Error& e) {
    throw Failure(kNotAvailableLimited, e.with_context("use the firewall backend " + (backend.empty() ? std::string("auto") : backend)));
  }
}

}  // namespace nh::cni
