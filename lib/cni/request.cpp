#include "lib/cni/request.hpp"

#include <sys/random.h>

#include <cstdio>

#include "lib/base/error.hpp"
#include "lib/base/log.hpp"
#include "lib/cni/error.hpp"
#include "lib/net/store.hpp"

namespace nh::cni {

namespace {

// A random locally administered unicast MAC: the result must name the
// container interface's MAC, and choosing it here saves asking the kernel.
std::string random_mac() {
  unsigned char b[6];
  if (::getrandom(b, sizeof b, 0) != static_cast<ssize_t>(sizeof b)) {
    const int err = errno;
    throw base::Error::from_errno("choose a MAC address", err);
  }
  b[0] = static_cast<unsigned char>((b[0] & 0xfc) | 0x02);
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
  return text;
}

bool same_network(const net::Network& a, const net::Network& b) {
  return a.bridge == b.bridge && a.subnets == b.subnets && a.internal == b.internal && a.isolate == b.isolate &&
         a.masquerade == b.masquerade && a.mtu == b.mtu;
}

}  // namespace

input::Settings settings_of(const NetConf& conf) {
  input::Settings s;
  s.state_dir = conf.state_dir;
  s.networks_dir = conf.networks_dir;
  s.firewall = conf.firewall;
  s.netns_link = false;
  return s;
}

void check_against_network_files(const NetConf& conf) {
  auto scan = net::NetworkStore(conf.networks_dir).scan();
  for (const auto& [name, error] : scan.broken) base::log_warning("skipping " + std::string(error.what()));
  for (const auto& other : scan.networks) {
    const std::string file = conf.networks_dir + "/" + other.name + ".json";
    if (other.name == conf.network.name) {
      if (!same_network(other, conf.network))
        throw Failure(kInvalidConfig, "use network " + conf.network.name,
                      file + " defines it differently (bridge, subnets or options): a network's pool and rules are "
                             "shared, so both must describe the same network");
      continue;
    }
    try {
      net::check_compatible(conf.network, other);
    } catch (const base::Error& e) {
      throw Failure(kInvalidConfig, e.with_context("network file " + file));
    }
  }
}

input::Request add_request(const NetConf& conf, const Environment& env) {
  input::Request r;
  r.id = env.container_id;
  r.netns_path = env.netns;
  r.join_existing = false;
  input::AttachmentRequest a;
  a.network = conf.network;
  a.iface = env.ifname;
  a.default_route = !conf.network.internal;
  // runtimeConfig wins over CNI_ARGS, as capabilities are the newer way.
  const auto& ips = conf.ips.empty() ? env.ips : conf.ips;
  const std::string source = conf.ips.empty() ? "CNI_ARGS IP" : "runtimeConfig.ips";
  a.mac = !conf.mac.empty() ? conf.mac : !env.mac.empty() ? env.mac : random_mac();
  r.attachments.push_back(std::move(a));
  try {
    input::assign_addresses(r.attachments, ips, source);
  } catch (const base::Error& e) {
    throw Failure(kInvalidConfig, e);
  }
  r.ports = conf.ports;
  if (!r.ports.empty()) r.ports_network = conf.network.name;  // (checked with the configuration)
  return r;
}

}  // namespace nh::cni
