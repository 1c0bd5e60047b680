#pragma once
// `netns-hook network create|ls|inspect|rm`.
#include <iosfwd>
#include <optional>
#include <string>

#include "lib/input/settings.hpp"

namespace nh::admin {

struct NetworkCreateOptions {
  std::string name;
  std::optional<std::string> subnet;   // CIDR; none: the first free /24 of 10.89.0.0/16
  std::optional<std::string> gateway;  // none: the subnet's first host address
  std::optional<std::string> bridge;   // none: "nh-" + name, cut to 15 characters
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
