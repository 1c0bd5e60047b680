#include "lib/net/network.hpp"

#include <arpa/inet.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "lib/base/error.hpp"
#include "lib/base/text.hpp"
#include "lib/net/names.hpp"

namespace nh::net {

using addr::Cidr;
using addr::IpAddress;
using base::Error;
using base::printable;

const Subnet* Network::subnet(int family) const {
  for (const auto& s : subnets)
    if (s.subnet.family() == family) return &s;
  return nullptr;
}

std::vector<addr::Cidr> Network::gateways() const {
  std::vector<addr::Cidr> out;
  for (const auto& s : subnets) out.push_back(s.gateway_cidr());
  return out;
}

namespace {

void check_prefix(const Cidr& c, const std::string& what) {
  const bool v6 = c.address().is_v6();
  const unsigned lo = v6 ? kMinPrefix6 : kMinPrefix4, hi = v6 ? kMaxPrefix6 : kMaxPrefix4;
  if (c.prefix() < lo || c.prefix() > hi)
    throw Error::input(what, "prefix must be from " + std::to_string(lo) + " to " + std::to_string(hi) +
                                 " so the pool has addresses");
}

// Cidr::parse refuses a prefix beyond the address's bits with a message of
// its own (from 0 to 32); a pool's CIDR gets the pool's range in one
// message, whichever way the prefix is out of it.
Cidr parse_pool_cidr(const std::string& text, const std::string& what, const std::string& ctx) {
  if (auto slash = text.find('/'); slash != std::string::npos) {
    auto a = IpAddress::parse(text.substr(0, slash));
    const std::string p = text.substr(slash + 1);
    if (a && !p.empty() && p.size() <= 3 && p.find_first_not_of("0123456789") == std::string::npos) {
      const unsigned prefix = static_cast<unsigned>(std::stoul(p));
      const unsigned lo = a->is_v6() ? kMinPrefix6 : kMinPrefix4, hi = a->is_v6() ? kMaxPrefix6 : kMaxPrefix4;
      if (prefix < lo || prefix > hi)
        throw Error::input(ctx, "prefix must be from " + std::to_string(lo) + " to " + std::to_string(hi) +
                                    " so the pool has addresses");
    }
  }
  return base::wrap(what, [&] { return Cidr::parse(text); });
}

void check_gateway(const Subnet& s, const std::string& what) {
  const Cidr& net = s.subnet;
  if (!net.contains(s.gateway))
    throw Error::input(what, "the gateway " + s.gateway.str() + " is not inside " + net.network_str());
  if (s.gateway == net.network())
    throw Error::input(what, "the gateway must not be the subnet's network address " + net.network().str());
  if (net.address().is_v4() && s.gateway == net.last())
    throw Error::input(what, "the gateway must not be the subnet's broadcast address " + net.last().str());
}

}  // namespace

Cidr parse_gateway_cidr(const std::string& text, const std::string& what) {
  return parse_pool_cidr(text, what, what + " \"" + printable(text) + "\"");
}

Subnet make_subnet(const std::string& subnet, const std::string& gateway, const std::string& what) {
  const std::string ctx = what + " \"" + printable(subnet) + "\"";
  Cidr c = parse_pool_cidr(subnet, what, ctx);
  check_prefix(c, ctx);
  if (c.address() != c.network())
    throw Error::input(ctx, "host bits are set (did you mean " + c.network_str() + "?)");
  Subnet s{c, c.network().plus(1)};
  if (!gateway.empty()) {
    auto g = IpAddress::parse(gateway);
    if (!g) throw Error::input(ctx, "the gateway \"" + printable(gateway) + "\" is not an IP address");
    s.gateway = *g;
  }
  check_gateway(s, ctx);
  return s;
}

Subnet subnet_from_gateway(const Cidr& gateway, const std::string& what) {
  const std::string ctx = what + " \"" + gateway.str() + "\"";
  check_prefix(gateway, ctx);
  Subnet s{gateway.subnet(), gateway.address()};
  if (s.gateway == s.subnet.network())
    throw Error::input(ctx, "the bridge address must not be the subnet's network or broadcast address");
  if (gateway.address().is_v4() && s.gateway == s.subnet.last())
    throw Error::input(ctx, "the bridge address must not be the subnet's network or broadcast address");
  return s;
}

void validate(const Network& n) {
  const std::string what = "network " + printable(n.name);
  if (n.name != kDefaultNetwork) validate_network_name(n.name, "network name");
  validate_ifname(n.bridge, what + "'s bridge");
  if (n.mtu < 68 || n.mtu > 65535)
    throw Error::input(what, "mtu " + std::to_string(n.mtu) + " is outside 68 to 65535");
  if (n.subnets.empty()) throw Error::input(what, "it has no subnet");
  std::set<int> families;
  for (const auto& s : n.subnets) {
    const std::string ctx = what + " subnet \"" + s.subnet.network_str() + "\"";
    check_prefix(s.subnet, ctx);
    if (s.subnet.address() != s.subnet.network()) throw Error::input(ctx, "host bits are set");
    check_gateway(s, ctx);
    if (!families.insert(s.subnet.family()).second)
      throw Error::input(what, "it has two IPv" + std::string(addr::family_name(s.subnet.family())) +
                                   " subnets (at most one per family)");
  }
}

void check_compatible(const Network& a, const Network& b) {
  if (a.bridge == b.bridge)
    throw Error::input("networks " + a.name + " and " + b.name, "both use the bridge " + a.bridge);
  for (const auto& sa : a.subnets)
    for (const auto& sb : b.subnets)
      if (sa.subnet.overlaps(sb.subnet))
        throw Error::input("networks " + a.name + " and " + b.name,
                           "their subnets " + sa.subnet.network_str() + " and " + sb.subnet.network_str() + " overlap");
}

nlohmann::json to_json(const Network& n) {
  auto subnets = nlohmann::json::array();
  for (const auto& s : n.subnets)
    subnets.push_back({{"subnet", s.subnet.network_str()}, {"gateway", s.gateway.str()}});
  nlohmann::json j = {{"name", n.name},         {"bridge", n.bridge},   {"subnets", subnets},
                      {"mtu", n.mtu},           {"internal", n.internal}, {"isolate", n.isolate},
                      {"masquerade", n.masquerade}};
  if (!n.created.empty()) j["created"] = n.created;
  return j;
}

namespace {

const nlohmann::json& field(const nlohmann::json& j, const char* key, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end()) throw Error::input(source, std::string("\"") + key + "\" is missing");
  return *it;
}

std::string string_field(const nlohmann::json& v, const char* key, const std::string& source) {
  if (!v.is_string()) throw Error::input(source, std::string("\"") + key + "\" is not a string");
  return v.get<std::string>();
}

bool bool_field(const nlohmann::json& v, const char* key, const std::string& source) {
  if (!v.is_boolean()) throw Error::input(source, std::string("\"") + key + "\" is not true or false");
  return v.get<bool>();
}

}  // namespace

Network from_json(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) throw Error::input(source, "expected a JSON object");
  static const std::set<std::string> known = {"name",     "bridge",  "subnets",    "mtu",
                                              "internal", "isolate", "masquerade", "created"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!known.count(it.key())) throw Error::input(source, "unknown field \"" + printable(it.key()) + "\"");
  Network n;
  n.name = string_field(field(j, "name", source), "name", source);
  n.bridge = string_field(field(j, "bridge", source), "bridge", source);
  const auto& subnets = field(j, "subnets", source);
  if (!subnets.is_array()) throw Error::input(source, "\"subnets\" is not a list");
  for (const auto& s : subnets) {
    if (!s.is_object()) throw Error::input(source, "an item of \"subnets\" is not an object");
    for (auto it = s.begin(); it != s.end(); ++it)
      if (it.key() != "subnet" && it.key() != "gateway")
        throw Error::input(source, "unknown field \"" + printable(it.key()) + "\" in \"subnets\"");
    std::string gw;
    if (auto g = s.find("gateway"); g != s.end()) gw = string_field(*g, "gateway", source);
    n.subnets.push_back(base::wrap(source, [&] {
      return make_subnet(string_field(field(s, "subnet", source), "subnet", source), gw, "subnet");
    }));
  }
  if (auto m = j.find("mtu"); m != j.end()) {
    if (!m->is_number_unsigned() || m->get<unsigned long long>() > 65535)
      throw Error::input(source, "\"mtu\" must be a number from 68 to 65535");
    n.mtu = m->get<unsigned>();
  }
  if (auto v = j.find("internal"); v != j.end()) n.internal = bool_field(*v, "internal", source);
  if (auto v = j.find("isolate"); v != j.end()) n.isolate = bool_field(*v, "isolate", source);
  if (auto v = j.find("masquerade"); v != j.end()) n.masquerade = bool_field(*v, "masquerade", source);
  if (auto v = j.find("created"); v != j.end()) n.created = string_field(*v, "created", source);
  base::wrap(source, [&] { validate(n); });
  return n;
}

void validate_requested_address(const Network& n, const IpAddress& a, const std::string& source) {
  const std::string what = "invalid " + source + " \"" + a.str() + "\"";
  const Subnet* s = n.subnet(a.family());
  if (!s || !s->subnet.contains(a)) {
    std::string subnets;
    for (const auto& x : n.subnets) subnets += (subnets.empty() ? "" : ", ") + x.subnet.network_str();
    throw Error::input(what, "not inside the subnet " + subnets);
  }
  if (a == s->subnet.network()) throw Error::input(what, "it is the subnet's network address");
  if (a.is_v4() && a == s->subnet.last()) throw Error::input(what, "it is the subnet's broadcast address");
  if (a == s->gateway) throw Error::input(what, "it is the gateway (bridge) address");
}

std::string now_rfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace nh::net
