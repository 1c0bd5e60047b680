#pragma once
// `netns-hook network create|ls|inspect|rm`.
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "lib/input/settings.hpp"

namespace nh::admin {

struct NetworkCreateOptions {
  std::string name;
  // At most one per family. Without an IPv4 one: the first free /24 of
  // 10.89.0.0/16; with --ipv6 and no IPv6 one: a random ULA /64 (as podman).
  std::vector<std::string> subnets;
  std::vector<std::string> gateways;   // each for the subnet of its family; none: the first host address
  bool ipv6 = false;
  std::optional<std::string> bridge;   // none: "nh-" + name, shortened with a hash past 15 characters
  std::optional<unsigned> mtu;         // none: 1500
  bool internal = false;
  bool isolate = true;
  bool masquerade = true;
};

// Writes NAME.json into the networks directory and prints the name. The
// bridge is made when the first container attaches, as podman does.
void network_create(const input::Settings& settings, const NetworkCreateOptions& opts, std::ostream& out);
void network_ls(const input::Settings& settings, bool json, std::ostream& out);
void network_inspect(const input::Settings& settings, const std::string& name, std::ostream& out);
// Refused, naming them, while containers are attached; else removes the
// network's rules, its bridge, its pool and its file.
void network_rm(const input::Settings& settings, const std::string& name, std::ostream& out);

}  // namespace nh::admin
