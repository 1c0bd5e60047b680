#include "lib/input/oci_request.hpp"

#include <algorithm>

#include "lib/base/error.hpp"
#include "lib/base/log.hpp"
#include "lib/base/text.hpp"
#include "lib/container/netns_link.hpp"
#include "lib/input/annotations.hpp"
#include "lib/net/names.hpp"
#include "lib/net/store.hpp"

namespace nh::input {

using base::Error;

std::string interface_name(const Settings& settings, std::size_t n) {
  if (n == 0) return settings.iface;
  // eth1, eth2, ...; one further when --iface took that name (--iface eth1).
  std::size_t k = n;
  for (std::size_t i = 1; i <= n; ++i)
    if ("eth" + std::to_string(i) == settings.iface) ++k;
  return "eth" + std::to_string(k);
}

namespace {

// The networks by name, in the order asked: `default` from the options, the
// others from their files. The container's networks may not share a bridge
// or overlap with each other, nor with any other network on file (two
// bridges routing one subnet); a broken file is refused when it is one of
// them, and only logged when it is not, so a typo in one network's file does
// not stop the containers of the others.
std::vector<net::Network> resolve_networks(const Settings& settings, const std::vector<std::string>& names) {
  std::vector<net::Network> out;
  const bool only_default = names.size() == 1 && names[0] == net::kDefaultNetwork;
  if (only_default) return {settings.default_network};
  auto scan = net::NetworkStore(settings.networks_dir).scan();
  for (const auto& [name, error] : scan.broken) {
    if (std::find(names.begin(), names.end(), name) != names.end()) throw error;
    base::log_error(std::string("warning: skipping ") + error.what());
  }
  for (const auto& name : names) {
    if (name == net::kDefaultNetwork) {
      out.push_back(settings.default_network);
      continue;
    }
    auto it = std::find_if(scan.networks.begin(), scan.networks.end(),
                           [&](const net::Network& n) { return n.name == name; });
    if (it == scan.networks.end())
      throw Error::input("unknown network \"" + base::printable(name) + "\"",
                         "there is no " + settings.networks_dir + "/" + name + ".json");
    out.push_back(*it);
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    for (std::size_t k = i + 1; k < out.size(); ++k) net::check_compatible(out[i], out[k]);
    if (out[i].name == net::kDefaultNetwork) continue;
    for (const auto& other : scan.networks)
      if (other.name != out[i].name)
        base::wrap("network files " + settings.networks_dir + "/" + out[i].name + ".json and " +
                       settings.networks_dir + "/" + other.name + ".json",
                   [&] { net::check_compatible(out[i], other); });
  }
  return out;
}


}  // namespace

Request build_oci_request(const Settings& settings, const State& state) {
  Request r;
  r.id = state.id;
  r.pid = state.pid.value_or(0);
  r.bundle = state.bundle;
  r.join_existing = true;

  std::vector<std::string> names = settings.networks;
  if (auto text = annotation(state, kAnnotationNetworks); text && !base::trim(*text).empty())
    names = parse_network_list(*text, std::string("annotation ") + kAnnotationNetworks);
  if (names.empty()) names = {std::string(net::kDefaultNetwork)};
  auto networks = resolve_networks(settings, names);
  for (std::size_t i = 0; i < networks.size(); ++i) {
    AttachmentRequest a;
    a.network = std::move(networks[i]);
    if (a.network.name != net::kDefaultNetwork) a.definition = settings.networks_dir + "/" + a.network.name + ".json";
    a.iface = interface_name(settings, i);
    r.attachments.push_back(std::move(a));
  }
  // The default routes go through the first network that is not internal.
  auto outward = std::find_if(r.attachments.begin(), r.attachments.end(),
                              [](const AttachmentRequest& a) { return !a.network.internal; });
  if (outward != r.attachments.end()) outward->default_route = true;

  if (auto text = annotation(state, kAnnotationIp); text && !base::trim(*text).empty())
    assign_addresses(r.attachments, parse_ip_list(*text, std::string("annotation ") + kAnnotationIp, 16),
                     std::string("annotation ") + kAnnotationIp);
  else if (!settings.static_ips.empty())
    assign_addresses(r.attachments, settings.static_ips, "--static-ip");

  if (auto text = annotation(state, kAnnotationPorts); text && !text->empty()) {
    r.ports = addr::parse_ports(*text);
    const net::Network* carrier = outward == r.attachments.end() ? nullptr : &outward->network;
    check_ports(r.ports, carrier, settings.firewall, std::string("annotation ") + kAnnotationPorts);
    r.ports_network = carrier->name;
  }
  if (auto text = annotation(state, kAnnotationSysctl); text && !text->empty())
    r.sysctls = container::parse_sysctls(*text);
  r.dns = settings.dns;
  if (auto text = annotation(state, kAnnotationDns); text && !text->empty())
    r.dns = parse_dns_list(*text, std::string("annotation ") + kAnnotationDns);
  if (settings.netns_link)
    r.netns_link = settings.netns_dir + "/" + container::netns_link_name(settings.netns_prefix, state.id);
  return r;
}

}  // namespace nh::input
