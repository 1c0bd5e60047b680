#pragma once
// The one place that knows a network's settings, and how options and config
// files become validated settings. Nothing here touches the system.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lib/ip_address.hpp"
#include "lib/log.hpp"

namespace nh {

struct Network {
  std::string bridge = "netns0";
  Cidr gateway = Cidr::parse("172.19.0.1/16");  // the bridge's address and the subnet's prefix
  unsigned mtu = 1500;
  std::string iface = "eth0";  // the interface name inside the container

  Cidr subnet() const { return Cidr(gateway.network(), gateway.prefix()); }
};

struct Settings {
  Network network;
  std::string state_dir = "/run/netns-hook";
  std::optional<IpAddress> static_ip;
  std::string firewall = "iptables";  // backend: "iptables" or "none"
  // `ip netns` names: <netns_dir>/<netns_prefix><id>, unless netns_link is off.
  bool netns_link = true;
  std::string netns_dir = "/run/netns";
  std::string netns_prefix = "nh-";
  std::vector<IpAddress> dns;  // nameservers for a resolv.conf the runtime did not provide
  std::string log_file;        // JSON lines appended here as well as syslog, if set
  LogLevel log_level = LogLevel::kInfo;
  bool debug = false;  // log level debug, and the log on stderr too
};

// Parses "IP[,IP...]" (at most 3, as resolv.conf reads); throws naming `source`.
std::vector<IpAddress> parse_dns_list(const std::string& text, const std::string& source);

// One "--key value" pair, as given on the command line or in a config file.
using Setting = std::pair<std::string, std::string>;

// Keys accepted on the command line (as --key) and in config files.
const std::vector<std::string>& setting_keys();

// Applies one setting; throws nh::Error naming the key and value when invalid.
void apply_setting(Settings& s, const std::string& key, const std::string& value);

// Reads a JSON object of settings (same keys as the options) from `path`.
std::vector<Setting> read_config_file(const std::string& path);

// Builds settings: defaults, then the config file (if any), then `flags` (flags win).
// Throws before anything changes when a value or a combination is invalid.
Settings build_settings(const std::optional<std::string>& config_path,
                        const std::vector<Setting>& flags);

// Checks a linux interface name (1..15 bytes, no '/', ':' or whitespace).
void validate_ifname(const std::string& name, const std::string& what);

// Checks that `addr` can be handed to a container on `net`: inside the subnet and
// not its network, gateway or broadcast address. Throws naming `source`.
void validate_requested_address(const Network& net, const IpAddress& addr, const std::string& source);

}  // namespace nh
