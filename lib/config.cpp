#include "lib/config.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "lib/error.hpp"
#include "lib/fd.hpp"
#include "lib/fs.hpp"
#include "lib/oci_state.hpp"
#include "lib/text.hpp"

#include <fcntl.h>

#include <cerrno>

namespace nh {

namespace {

[[noreturn]] void bad(const std::string& key, const std::string& value, const std::string& why) {
  throw Error::input("invalid --" + key + " \"" + printable(value) + "\"", why);
}

unsigned parse_uint(const std::string& key, const std::string& value) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size())
    bad(key, value, "not a number");
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

void validate_network(const Network& n) {
  if (!n.gateway.address().is_v4())
    throw Error::input("invalid --ip \"" + n.gateway.str() + "\"", "IPv6 networks are not supported yet");
  if (n.gateway.prefix() < 8 || n.gateway.prefix() > 30)
    throw Error::input("invalid --ip \"" + n.gateway.str() + "\"",
                       "prefix must be from 8 to 30 so the pool has addresses");
  if (n.gateway.address() == n.gateway.network() || n.gateway.address() == n.gateway.last())
    throw Error::input("invalid --ip \"" + n.gateway.str() + "\"",
                       "the bridge address must not be the subnet's network or broadcast address");
}

}  // namespace

const std::vector<std::string>& setting_keys() {
  static const std::vector<std::string> keys = {
      "bridge",     "ip",         "mtu",          "iface",    "state-dir", "static-ip", "firewall",
      "netns-link", "netns-dir",  "netns-prefix", "dns",      "log-file",  "log-level", "debug"};
  return keys;
}

void validate_ifname(const std::string& name, const std::string& what) {
  if (name.empty()) throw Error::input("invalid " + what + " \"\"", "interface name is empty");
  if (name.size() > 15)
    throw Error::input("invalid " + what + " \"" + printable(name) + "\"", "interface name is longer than 15 characters");
  if (name == "." || name == "..")
    throw Error::input("invalid " + what + " \"" + name + "\"", "not a valid interface name");
  for (char c : name) {
    if (c == '/' || c == ':' || c == ' ' || (c >= '\t' && c <= '\r') || static_cast<unsigned char>(c) < 0x20)
      throw Error::input("invalid " + what + " \"" + printable(name) + "\"",
                         "interface name must not contain '/', ':', whitespace or control characters");
  }
}

void apply_setting(Settings& s, const std::string& key, const std::string& value) {
  if (key == "bridge") {
    validate_ifname(value, "--bridge");
    s.network.bridge = value;
  } else if (key == "iface") {
    validate_ifname(value, "--iface");
    s.network.iface = value;
  } else if (key == "ip") {
    s.network.gateway = wrap("invalid --ip", [&] { return Cidr::parse(value); });
  } else if (key == "mtu") {
    unsigned mtu = parse_uint(key, value);
    if (mtu < 68 || mtu > 65535) bad(key, value, "MTU must be from 68 to 65535");
    s.network.mtu = mtu;
  } else if (key == "state-dir") {
    check_absolute_path(key, value);
    s.state_dir = value;
  } else if (key == "static-ip") {
    auto a = IpAddress::parse(value);
    if (!a) bad(key, value, "not an IP address");
    s.static_ip = *a;
  } else if (key == "firewall") {
    if (value != "iptables" && value != "none") bad(key, value, "expected \"iptables\" or \"none\"");
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
    auto level = parse_log_level(value);
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
  int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw < 0) throw Error::from_errno(what, errno);
  UniqueFd fd(raw);
  std::string text = read_all_limited(fd.get(), 1 << 20, what);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // Not only parse_error: a number beyond a double (1e999) throws out_of_range.
    throw Error::input(what, json_parse_reason(e.what()));
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
      throw Error::input(what, "value of \"" + printable(it.key()) + "\" must be a string, a non-negative integer or a boolean, not " +
                                   v.dump());
    out.emplace_back(it.key(), value);
  }
  return out;
}

Settings build_settings(const std::optional<std::string>& config_path, const std::vector<Setting>& flags) {
  Settings s;
  if (config_path) {
    for (const auto& [k, v] : read_config_file(*config_path))
      // k, v captured by name: clang before 16 cannot capture a structured binding.
      wrap("config file " + *config_path, [&, &k = k, &v = v] { apply_setting(s, k, v); });
  }
  for (const auto& [k, v] : flags) apply_setting(s, k, v);
  validate_network(s.network);
  if (s.static_ip) validate_requested_address(s.network, *s.static_ip, "--static-ip");
  return s;
}

std::vector<IpAddress> parse_dns_list(const std::string& text, const std::string& source) {
  const std::string what = "invalid " + source + " \"" + printable(text.substr(0, 200)) + "\"";
  std::vector<IpAddress> out;
  for (std::string_view item : split(text, ',')) {
    auto a = IpAddress::parse(std::string(trim(item)));
    if (!a) throw Error::input(what, "\"" + printable(std::string(item.substr(0, 64))) + "\" is not an IP address");
    out.push_back(*a);
    if (out.size() > 3) throw Error::input(what, "more than 3 nameservers (resolv.conf reads only 3)");
  }
  return out;
}

void validate_requested_address(const Network& net, const IpAddress& addr, const std::string& source) {
  const std::string what = "invalid " + source + " \"" + addr.str() + "\"";
  Cidr subnet = net.subnet();
  if (!subnet.contains(addr)) throw Error::input(what, "not inside the subnet " + subnet.network_str());
  if (addr == subnet.network()) throw Error::input(what, "it is the subnet's network address");
  if (addr == subnet.last()) throw Error::input(what, "it is the subnet's broadcast address");
  if (addr == net.gateway.address()) throw Error::input(what, "it is the gateway (bridge) address");
}

}  // namespace nh
