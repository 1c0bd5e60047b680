#pragma once
// What a CNI client passes in the environment: the command, the container,
// its namespace and interface, and CNI_ARGS. Checked per command; each
// problem a Failure with code 4 (invalid environment) naming the variable.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lib/addr/ip_address.hpp"

namespace nh::cni {

struct Environment {
  std::string command;       // ADD, DEL, CHECK, VERSION, GC, STATUS
  std::string container_id;  // CNI_CONTAINERID
  std::string netns;         // CNI_NETNS: a namespace file ("" at a DEL without one)
  std::string ifname;        // CNI_IFNAME
  std::vector<addr::IpAddress> ips;  // CNI_ARGS IP=
  std::string mac;                   // CNI_ARGS MAC=
};

// Reads the environment through `get` (getenv in the plugin, a map in
// tests); throws a Failure for a missing or malformed variable the command
// needs, or an unknown command.
Environment read_environment(const std::function<std::optional<std::string>(const char*)>& get);

// "IgnoreUnknown=1;IP=10.88.0.5;MAC=..." as the CNI conventions write it:
// IP (one address per family, comma-separated), MAC, IgnoreUnknown; any other
// key is refused unless IgnoreUnknown is 1 or true, as libcni's plugins do.
void parse_cni_args(const std::string& text, Environment& env);

// "aa:bb:cc:dd:ee:ff", unicast; throws naming `what` otherwise.
std::string parse_mac(const std::string& text, const std::string& what, int code);

}  // namespace nh::cni
