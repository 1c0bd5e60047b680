#pragma once
// The options and config file, turned into validated settings. Nothing here
// touches the system.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lib/addr/ip_address.hpp"
#include "lib/base/log.hpp"
#include "lib/net/network.hpp"

namespace nh::input {

struct Settings {
  // The network the options describe (--bridge, --ip, --ip6, --mtu), named "default".
  net::Network default_network = default_network_defaults();
  std::string iface = "eth0";  // the first interface inside the container (eth1, eth2, ... follow)
  std::string state_dir = "/run/netns-hook";
  std::string networks_dir = "/etc/netns-hook/networks";
  std::vector<std::string> networks;          // --network: the container's networks unless annotated
  std::vector<addr::IpAddress> static_ips;    // --static-ip: unless annotated
  std::string firewall = "auto";  // backend: "auto", "iptables", "nftables" or "none" (firewall_choice.hpp)
  // `ip netns` names: <netns_dir>/<netns_prefix><id>, unless netns_link is off.
  bool netns_link = true;
  std::string netns_dir = "/run/netns";
  std::string netns_prefix = "nh-";
  std::vector<addr::IpAddress> dns;  // nameservers for a resolv.conf the runtime did not provide
  std::string log_file;              // JSON lines appended here as well as syslog, if set
  base::LogLevel log_level = base::LogLevel::kInfo;
  bool debug = false;  // log level debug, and the log on stderr too

  static net::Network default_network_defaults();
};

// Parses "IP[,IP...]" (at most `max`); throws naming `source`.
std::vector<addr::IpAddress> parse_ip_list(const std::string& text, const std::string& source, std::size_t max);
// Nameservers: at most 3, as resolv.conf reads.
std::vector<addr::IpAddress> parse_dns_list(const std::string& text, const std::string& source);
// "NAME[,NAME...]": network names, each valid, none twice; throws naming `source`.
std::vector<std::string> parse_network_list(const std::string& text, const std::string& source);

// One "--key value" pair, as given on the command line or in a config file.
using Setting = std::pair<std::string, std::string>;

// Keys accepted on the command line (as --key) and in config files.
const std::vector<std::string>& setting_keys();

// Applies one setting; throws naming the key and value when invalid.
void apply_setting(Settings& s, const std::string& key, const std::string& value);

// Reads a JSON object of settings (same keys as the options) from `path`.
std::vector<Setting> read_config_file(const std::string& path);

// Builds settings: defaults, then the config file (if any), then `flags` (flags win).
// Throws before anything changes when a value or a combination is invalid.
Settings build_settings(const std::optional<std::string>& config_path, const std::vector<Setting>& flags);

}  // namespace nh::input
