#include "lib/admin/networks.hpp"

#include <sys/socket.h>

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string_view>

#include "lib/base/error.hpp"
#include "lib/base/text.hpp"
#include "lib/firewall/firewall.hpp"
#include "lib/admin/table.hpp"
#include "lib/ipam/pool.hpp"
#include "lib/net/names.hpp"
#include "lib/net/store.hpp"
#include "lib/netlink/address.hpp"
#include "lib/netlink/link.hpp"
#include "lib/pipeline/firewall_choice.hpp"

namespace nh::admin {

using base::Error;

namespace {

// Every network: `default` (from the options) first, then the files.
std::vector<net::Network> all_networks(const input::Settings& settings) {
  std::vector<net::Network> out{settings.default_network};
  auto files = net::NetworkStore(settings.networks_dir).load_all();
  out.insert(out.end(), files.begin(), files.end());
  return out;
}

net::Network find_network(const input::Settings& settings, const std::string& name) {
  if (name == net::kDefaultNetwork) return settings.default_network;
  return net::NetworkStore(settings.networks_dir).load(name);
}

struct AttachedTo {
  std::string id;  // "(being torn down)" for an attachment whose container has left
  const ipam::Attachment* attachment;
};

// The containers attached to network `name`, with their attachment there
// (pointing into `sandboxes`, which must outlive the result).
constexpr std::string_view kLeaving = "(being torn down)";

std::vector<AttachedTo> attached(const std::vector<ipam::Sandbox>& sandboxes, const std::string& name) {
  std::vector<AttachedTo> out;
  for (const auto& s : sandboxes)
    for (const auto& a : s.attachments) {
      if (a.network.name != name) continue;
      if (s.members.empty()) out.push_back({std::string(kLeaving), &a});
      for (const auto& m : s.members) out.push_back({m.id, &a});
    }
  return out;
}

// The ids of the containers attached: a teardown in progress keeps the
// network in use (rm says so) but is no container.
std::vector<std::string> container_ids(const std::vector<AttachedTo>& on) {
  std::vector<std::string> ids;
  for (const auto& a : on)
    if (a.id != kLeaving) ids.push_back(a.id);
  return ids;
}

nlohmann::json network_json(const net::Network& n, const std::vector<AttachedTo>& on) {
  auto j = net::to_json(n);
  auto ids = nlohmann::json::array();
  for (const auto& id : container_ids(on)) ids.push_back(id);
  j["containers"] = ids;
  return j;
}

// What a new network of `family` must not overlap: the host's routes (but
// the default one) and every network's subnets.
std::vector<addr::Cidr> taken_subnets(int family, const std::vector<net::Network>& networks) {
  auto host = netlink::Netlink::connect();
  std::vector<addr::Cidr> taken;
  for (const auto& r : netlink::list_routes(host, family))
    if (r.destination.prefix() > 0) taken.push_back(r.destination);
  for (const auto& n : networks)
    for (const auto& s : n.subnets)
      if (s.subnet.family() == family) taken.push_back(s.subnet);
  return taken;
}

// A unique local /64 (RFC 4193) with a random 40-bit global id, as podman
// picks one; another draw when it overlaps a network or a route.
addr::Cidr pick_subnet6(const std::vector<net::Network>& networks) {
  const auto taken = taken_subnets(AF_INET6, networks);
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::uint8_t bytes[16] = {0xfd};
    if (::getrandom(bytes + 1, 5, 0) != 5) {
      const int err = errno;
      throw Error::from_errno("pick an IPv6 subnet: getrandom", err);
    }
    addr::Cidr cand(*addr::IpAddress::from_bytes(AF_INET6, bytes, 16), 64);
    if (std::none_of(taken.begin(), taken.end(), [&](const addr::Cidr& t) { return t.overlaps(cand); })) return cand;
  }
  throw Error::input("pick an IPv6 subnet", "no free random ULA /64 found; give --subnet");
}

// The first /24 of 10.89.0.0/16 that no network and no route of the host overlaps.
addr::Cidr pick_subnet(const std::vector<net::Network>& networks) {
  const auto taken = taken_subnets(AF_INET, networks);
  const auto base = addr::IpAddress::v4(0x0a590000);  // 10.89.0.0
  for (unsigned i = 0; i < 256; ++i) {
    addr::Cidr cand(base.plus(static_cast<addr::u128>(i) << 8), 24);
    if (std::none_of(taken.begin(), taken.end(), [&](const addr::Cidr& t) { return t.overlaps(cand); })) return cand;
  }
  throw Error::input("pick a subnet", "every /24 of 10.89.0.0/16 is used by a network or a route; give --subnet");
}

}  // namespace

void network_create(const input::Settings& settings, const NetworkCreateOptions& o, std::ostream& out) {
  const std::string what = "create network " + base::printable(o.name);
  base::wrap(what, [&] { net::validate_network_name(o.name, "network name"); });
  if (o.name == net::kDefaultNetwork)
    throw Error::input(what, "the name default is reserved for the network the options describe");
  net::NetworkStore store(settings.networks_dir);
  net::Network n;
  n.name = o.name;
  n.bridge = o.bridge.value_or(net::default_bridge_name(o.name));
  if (o.bridge) net::validate_ifname(*o.bridge, "--bridge");
  // Each --subnet, and each --gateway with the subnet of its family.
  std::map<int, std::string> subnets, gateways;
  for (const auto& text : o.subnets) {
    auto c = base::wrap("invalid --subnet", [&] { return addr::Cidr::parse(text); });
    if (!subnets.emplace(c.family(), text).second)
      throw Error::input(what, "two IPv" + std::string(addr::family_name(c.family())) + " subnets (at most one per family)");
  }
  for (const auto& text : o.gateways) {
    auto g = addr::IpAddress::parse(text);
    if (!g) throw Error::input("invalid --gateway \"" + base::printable(text) + "\"", "not an IP address");
    if (!gateways.emplace(g->family(), text).second)
      throw Error::input(what, "two --gateway of one family");
  }
  // IPv4 unless only IPv6 subnets were asked for (without --ipv6, which means both).
  const bool pick4 = !subnets.count(AF_INET) && (subnets.empty() || o.ipv6 || gateways.count(AF_INET));
  const bool pick6 = o.ipv6 && !subnets.count(AF_INET6);
  if (pick4 || pick6) {
    const auto networks = all_networks(settings);
    if (pick4) subnets[AF_INET] = pick_subnet(networks).str();
    if (pick6) subnets[AF_INET6] = pick_subnet6(networks).str();
  }
  for (const auto& [family, gw] : gateways)
    if (!subnets.count(family))
      throw Error::input("invalid --gateway \"" + base::printable(gw) + "\"", "no subnet of its family");
  for (const auto& [family, text] : subnets)
    n.subnets.push_back(net::make_subnet(text, gateways.count(family) ? gateways[family] : "", "--subnet"));
  n.mtu = o.mtu.value_or(1500);
  n.internal = o.internal;
  n.isolate = o.isolate;
  n.masquerade = o.masquerade;
  n.created = net::now_rfc3339();
  base::wrap(what, [&] { net::validate(n); });
  store.create(n, {settings.default_network});
  out << n.name << "\n";
}

void network_ls(const input::Settings& settings, bool json, std::ostream& out) {
  auto networks = all_networks(settings);
  auto sandboxes = ipam::Pool::open(settings.state_dir).list();
  if (json) {
    auto arr = nlohmann::json::array();
    for (const auto& n : networks) arr.push_back(network_json(n, attached(sandboxes, n.name)));
    out << arr.dump(2) << "\n";
    return;
  }
  TextTable table({"NAME", "BRIDGE", "SUBNETS", "INTERNAL", "ISOLATE", "CONTAINERS"});
  for (const auto& n : networks) {
    std::string subnets;
    for (const auto& s : n.subnets) subnets += (subnets.empty() ? "" : ", ") + s.subnet.network_str();
    table.add({n.name, n.bridge, subnets, n.internal ? "yes" : "no", n.isolate ? "yes" : "no",
               std::to_string(container_ids(attached(sandboxes, n.name)).size())});
  }
  table.print(out);
}

void network_inspect(const input::Settings& settings, const std::string& name, std::ostream& out) {
  auto n = find_network(settings, name);
  const auto sandboxes = ipam::Pool::open(settings.state_dir).list();  // `on` points into it
  auto on = attached(sandboxes, name);
  auto j = network_json(n, on);
  auto atts = nlohmann::json::array();
  for (const auto& a : on) {
    auto addrs = nlohmann::json::array();
    for (const auto& ad : a.attachment->addresses) addrs.push_back(ad.cidr.str());
    atts.push_back({{"id", a.id},
                    {"interface", a.attachment->iface},
                    {"addresses", addrs},
                    {"host_veth", a.attachment->host_veth}});
  }
  j["attachments"] = atts;
  out << j.dump(2) << "\n";
}

void network_rm(const input::Settings& settings, const std::string& name, std::ostream& out) {
  const std::string what = "remove network " + base::printable(name);
  if (name == net::kDefaultNetwork) throw Error::input(what, "it is described by the options, not a file");
  auto n = net::NetworkStore(settings.networks_dir).load(name);
  auto pool = ipam::Pool::open(settings.state_dir);
  const auto sandboxes = pool.list();  // `on` points into it
  auto on = attached(sandboxes, name);
  if (!on.empty()) {
    std::string ids;
    for (const auto& a : on) ids += (ids.empty() ? "" : ", ") + a.id;
    throw Error::input(what, "containers are attached to it: " + ids);
  }
  // The file and the pool first, under the pool's lock: a setup attaching
  // at the same moment either holds a lease already (and rm is refused) or
  // finds the file gone at its claim. Only then the rules and the bridge.
  pool.remove_network(name, [&] { net::NetworkStore(settings.networks_dir).remove(name); });
  firewall::Change change;
  change.remove_networks.push_back(n);
  // The rules are where the state directory's backend put them (none yet
  // when auto never chose: no container ever ran).
  const std::string backend = pipeline::firewall_in_use(settings, pool);
  if (!backend.empty()) firewall::make_firewall(backend)->apply(change);
  auto host = netlink::Netlink::connect();
  netlink::delete_link(host, n.bridge);
  out << name << "\n";
}

}  // namespace nh::admin
