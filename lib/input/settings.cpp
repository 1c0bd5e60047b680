#include "lib/input/settings.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "lib/base/error.hpp"
#include "lib/base/fs.hpp"
#include "lib/base/text.hpp"
#include "lib/input/oci_state.hpp"
#include "lib/net/names.hpp"

namespace nh::input {

using addr::IpAddress;
using base::Error;
using base::printable;

namespace {

[[noreturn]] void bad(const std::string& key, const std::string& value, const std::string& why) {
  throw Error::input("invalid --" + key + " \"" + printable(value) + "\"", why);
}

unsigned parse_uint(const std::string& key, const std::string& value) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size()) bad(key, value, "not a number");
  return v;
}

bool parse_bool(const std::string& key, const std::string& value) {
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  bad(key, value, "expected true or false");
}

void check_absolute_path(const std::string& key, const std::string& value) {
  if (value.empty() || value[0] != '/') bad(key, value, "must be an absolute path");
  if (value.size() > 1024) bad(key, value.substr(0, 32) + "...", "path is too long");
}

}  // namespace

net::Network Settings::default_network_defaults() {
  net::Network n;
  n.name = std::string(net::kDefaultNetwork);
  n.bridge = "netns0";
  n.subnets = {net::subnet_from_gateway(addr::Cidr::parse("172.19.0.1/16"), "--ip")};
  return n;
}

const std::vector<std::string>& setting_keys() {
  static const std::vector<std::string> keys = {
      "bridge",    "ip",         "ip6",       "mtu",          "iface",     "state-dir",    "networks-dir", "network",
      "static-ip", "firewall",   "netns-link", "netns-dir",   "netns-prefix", "dns",       "log-file",
      "log-level", "debug"};
  return keys;
}

void apply_setting(Settings& s, const std::string& key, const std::string& value) {
  if (key == "bridge") {
    net::validate_ifname(value, "--bridge");
    s.default_network.bridge = value;
  } else if (key == "iface") {
    net::validate_ifname(value, "--iface");
    s.iface = value;
  } else if (key == "ip" || key == "ip6") {
    const int family = key == "ip" ? AF_INET : AF_INET6;
    auto gw = net::parse_gateway_cidr(value, "invalid --" + key);
    if (gw.family() != family)
      bad(key, value, family == AF_INET ? "an IPv4 gateway and prefix, e.g. 172.19.0.1/16 (IPv6 goes in --ip6)"
                                        : "an IPv6 gateway and prefix, e.g. fd00:19::1/64");
    auto& subnets = s.default_network.subnets;
    std::erase_if(subnets, [&](const net::Subnet& x) { return x.subnet.family() == family; });
    subnets.push_back(net::subnet_from_gateway(gw, "invalid --" + key));
    // IPv4 first, as every network lists them.
    std::stable_sort(subnets.begin(), subnets.end(),
                     [](const net::Subnet& a, const net::Subnet& b) { return a.subnet.family() < b.subnet.family(); });
  } else if (key == "mtu") {
    unsigned mtu = parse_uint(key, value);
    if (mtu < 68 || mtu > 65535) bad(key, value, "MTU must be from 68 to 65535");
    s.default_network.mtu = mtu;
  } else if (key == "state-dir") {
    check_absolute_path(key, value);
    s.state_dir = value;
  } else if (key == "networks-dir") {
    check_absolute_path(key, value);
    s.networks_dir = value;
  } else if (key == "network") {
    s.networks = parse_network_list(value, "--network");
  } else if (key == "static-ip") {
    s.static_ips = parse_ip_list(value, "--static-ip", 16);
  } else if (key == "firewall") {
    if (value != "auto" && value != "iptables" && value != "nftables" && value != "none")
      bad(key, value, "expected auto, iptables, nftables or none");
    s.firewall = value;
  } else if (key == "netns-link") {
    s.netns_link = parse_bool(key, value);
  } else if (key == "netns-dir") {
    check_absolute_path(key, value);
    s.netns_dir = value;
  } else if (key == "netns-prefix") {
    if (value.size() > 64) bad(key, value.substr(0, 32) + "...", "longer than 64 characters");
    if (value.find_first_not_of(kContainerIdChars) != std::string::npos)
      bad(key, value, "only letters, digits and _ . + - are allowed");
    s.netns_prefix = value;
  } else if (key == "dns") {
    s.dns = parse_dns_list(value, "--dns");
  } else if (key == "log-file") {
    check_absolute_path(key, value);
    s.log_file = value;
  } else if (key == "log-level") {
    auto level = base::parse_log_level(value);
    if (!level) bad(key, value, "expected error, info or debug");
    s.log_level = *level;
  } else if (key == "debug") {
    s.debug = parse_bool(key, value);
  } else {
    throw Error::input("unknown setting \"" + printable(key) + "\"", "see netns-hook --help");
  }
}

std::vector<Setting> read_config_file(const std::string& path) {
  const std::string what = "read config file " + path;
  std::string text = base::read_path_limited(path, 1 << 20, what);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // Not only parse_error: a number beyond a double (1e999) throws out_of_range.
    throw Error::input(what, base::json_parse_reason(e.what()));
  }
  if (!j.is_object()) throw Error::input(what, "expected a JSON object of settings");
  std::vector<Setting> out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const auto& v = it.value();
    std::string value;
    if (v.is_string()) value = v.get<std::string>();
    else if (v.is_number_unsigned()) value = std::to_string(v.get<unsigned long long>());
    else if (v.is_boolean()) value = v.get<bool>() ? "true" : "false";
    else
      throw Error::input(what, "value of \"" + printable(it.key()) +
                                   "\" must be a string, a non-negative integer or a boolean, not " + v.dump());
    out.emplace_back(it.key(), value);
  }
  return out;
}

Settings build_settings(const std::optional<std::string>& config_path, const std::vector<Setting>& flags) {
  Settings s;
  if (config_path) {
    for (const auto& [k, v] : read_config_file(*config_path))
      // k, v captured by name: clang before 16 cannot capture a structured binding.
      base::wrap("config file " + *config_path, [&, &k = k, &v = v] { apply_setting(s, k, v); });
  }
  for (const auto& [k, v] : flags) apply_setting(s, k, v);
  net::validate(s.default_network);
  return s;
}

std::vector<IpAddress> parse_ip_list(const std::string& text, const std::string& source, std::size_t max) {
  const std::string what = "invalid " + source + " \"" + printable(text.substr(0, 200)) + "\"";
  std::vector<IpAddress> out;
  for (std::string_view item : base::split(text, ',')) {
    auto a = IpAddress::parse(base::trim(item));
    if (!a) throw Error::input(what, "\"" + printable(item.substr(0, 64)) + "\" is not an IP address");
    if (std::find(out.begin(), out.end(), *a) != out.end())
      throw Error::input(what, a->str() + " is listed twice");
    out.push_back(*a);
    if (out.size() > max) throw Error::input(what, "more than " + std::to_string(max) + " addresses");
  }
  return out;
}

std::vector<IpAddress> parse_dns_list(const std::string& text, const std::string& source) {
  const std::string what = "invalid " + source + " \"" + printable(text.substr(0, 200)) + "\"";
  std::vector<IpAddress> out;
  for (std::string_view item : base::split(text, ',')) {
    auto a = IpAddress::parse(base::trim(item));
    if (!a) throw Error::input(what, "\"" + printable(item.substr(0, 64)) + "\" is not an IP address");
    out.push_back(*a);
    if (out.size() > 3) throw Error::input(what, "more than 3 nameservers (resolv.conf reads only 3)");
  }
  return out;
}

std::vector<std::string> parse_network_list(const std::string& text, const std::string& source) {
  const std::string what = "invalid " + source + " \"" + printable(text.substr(0, 200)) + "\"";
  std::vector<std::string> out;
  for (std::string_view raw : base::split(text, ',')) {
    std::string name(base::trim(raw));
    base::wrap(what, [&] { net::validate_network_name(name, "network name"); });
    if (std::find(out.begin(), out.end(), name) != out.end())
      throw Error::input(what, "the network " + name + " is listed twice");
    out.push_back(std::move(name));
    if (out.size() > 16) throw Error::input(what, "more than 16 networks");
  }
  return out;
}

}  // namespace nh::input
