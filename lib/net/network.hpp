#pragma once
// A network: a bridge, its subnets (one per family) and how the firewall
// treats it. The one place that knows a network's fields; pure (no system calls).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lib/addr/cidr.hpp"

namespace nh::net {

struct Subnet {
  addr::Cidr subnet;          // the network address and prefix: 10.89.0.0/24
  addr::IpAddress gateway;    // the bridge's address in it
  addr::Cidr gateway_cidr() const { return addr::Cidr(gateway, subnet.prefix()); }
  friend bool operator==(const Subnet&, const Subnet&) = default;
};

struct Network {
  std::string name;
  std::string bridge;
  std::vector<Subnet> subnets;  // at most one per family, IPv4 first
  unsigned mtu = 1500;
  bool internal = false;    // no masquerade, no forwarding off the bridge, no default route
  bool isolate = true;      // no forwarding to other networks' bridges
  bool masquerade = true;   // masquerade the subnets leaving by other interfaces
  std::string created;      // RFC 3339, UTC; "" for `default`

  // The subnet of `family`, or nullptr.
  const Subnet* subnet(int family) const;
  // The bridge's addresses, one per subnet.
  std::vector<addr::Cidr> gateways() const;
  friend bool operator==(const Network&, const Network&) = default;
};

// Prefix lengths a pool may have: enough addresses, and for IPv6 no wider
// than a /48 nor narrower than a /120.
constexpr unsigned kMinPrefix4 = 8, kMaxPrefix4 = 30;
constexpr unsigned kMinPrefix6 = 48, kMaxPrefix6 = 120;

// A subnet from its text ("10.89.0.0/24") and an optional gateway (empty: the
// first host address). Throws naming `what` when the prefix is out of range,
// host bits are set, or the gateway is not a usable address of the subnet.
Subnet make_subnet(const std::string& subnet, const std::string& gateway, const std::string& what);
// A gateway with its prefix (--ip 172.19.0.1/16), parsed; a prefix out of
// the pools' range is refused in the same words as make_subnet's.
addr::Cidr parse_gateway_cidr(const std::string& text, const std::string& what);
// The same checks for a gateway given with its prefix (--ip 172.19.0.1/16).
Subnet subnet_from_gateway(const addr::Cidr& gateway, const std::string& what);

// Checks every field; throws naming the network and the field.
void validate(const Network& n);

// Whether two networks may coexist: throws naming both when they share a
// bridge or their subnets overlap.
void check_compatible(const Network& a, const Network& b);

// The network file's JSON, and back. from_json refuses unknown fields,
// missing required ones and bad values, naming `source`.
nlohmann::json to_json(const Network& n);
Network from_json(const nlohmann::json& j, const std::string& source);

// Whether `a` may be handed to a container on `n`: inside one of its subnets
// and not the network, gateway or (IPv4) broadcast address. Throws naming `source`.
void validate_requested_address(const Network& n, const addr::IpAddress& a, const std::string& source);

// The current time as RFC 3339 in UTC ("2026-11-30T09:11:05Z").
std::string now_rfc3339();

}  // namespace nh::net
