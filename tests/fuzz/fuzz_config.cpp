// build_settings with arbitrary bytes as the --config file, through the same
// path the hook takes (open, read, parse, apply, validate). The file lives in a
// memfd, opened by its /proc/self/fd path: nothing is written to disk.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "invariant.hpp"
#include "lib/base/text.hpp"
#include "lib/input/settings.hpp"
#include "lib/net/names.hpp"

namespace {

using nh::fuzz::require;

class ConfigFile {
 public:
  ConfigFile() : fd_(::memfd_create("fuzz-config", MFD_CLOEXEC)) {
    if (fd_ < 0) nh::fuzz::broken("memfd_create failed");
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  const std::string& path() const { return path_; }
  // Replaces the contents; read_config_file opens the path anew, at offset 0.
  void set(const std::uint8_t* data, std::size_t size) {
    if (::ftruncate(fd_, 0) != 0) nh::fuzz::broken("ftruncate failed");
    std::size_t done = 0;
    while (done < size) {
      ssize_t n = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) nh::fuzz::broken("pwrite failed");
      done += static_cast<std::size_t>(n);
    }
  }

 private:
  int fd_;
  std::string path_;
};

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ",") + x;
  return out;
}

// Every setting written back as a flag: must build the very same settings.
std::vector<nh::input::Setting> as_flags(const nh::input::Settings& s) {
  const auto& n = s.default_network;
  std::vector<nh::input::Setting> flags = {{"bridge", n.bridge},
                                           {"ip", n.subnets.at(0).gateway_cidr().str()},
                                           {"mtu", std::to_string(n.mtu)},
                                           {"iface", s.iface},
                                           {"state-dir", s.state_dir},
                                           {"networks-dir", s.networks_dir},
                                           {"firewall", s.firewall},
                                           {"debug", s.debug ? "true" : "false"},
                                           {"netns-link", s.netns_link ? "true" : "false"},
                                           {"netns-dir", s.netns_dir},
                                           {"netns-prefix", s.netns_prefix},
                                           {"log-level", nh::base::log_level_name(s.log_level)}};
  if (!s.networks.empty()) flags.emplace_back("network", joined(s.networks));
  if (!s.static_ips.empty()) {
    std::vector<std::string> ips;
    for (const auto& a : s.static_ips) ips.push_back(a.str());
    flags.emplace_back("static-ip", joined(ips));
  }
  if (!s.log_file.empty()) flags.emplace_back("log-file", s.log_file);
  if (!s.dns.empty()) {
    std::vector<std::string> dns;
    for (const auto& a : s.dns) dns.push_back(a.str());
    flags.emplace_back("dns", joined(dns));
  }
  return flags;
}

bool same(const nh::input::Settings& a, const nh::input::Settings& b) {
  return a.default_network == b.default_network && a.iface == b.iface && a.state_dir == b.state_dir &&
         a.networks_dir == b.networks_dir && a.networks == b.networks && a.static_ips == b.static_ips &&
         a.firewall == b.firewall && a.debug == b.debug && a.netns_link == b.netns_link &&
         a.netns_dir == b.netns_dir && a.netns_prefix == b.netns_prefix && a.dns == b.dns &&
         a.log_file == b.log_file && a.log_level == b.log_level;
}

void check_valid(const nh::input::Settings& s) {
  const auto& n = s.default_network;
  require(n.subnets.size() == 1, "the default network has " + std::to_string(n.subnets.size()) + " subnets");
  const nh::addr::Cidr gw = n.subnets[0].gateway_cidr();
  require(gw.address().is_v4() && gw.prefix() >= 8 && gw.prefix() <= 30, "accepted --ip " + gw.str());
  require(gw.address() != gw.network() && gw.address() != gw.last(), "accepted --ip " + gw.str());
  require(n.mtu >= 68 && n.mtu <= 65535, "accepted --mtu " + std::to_string(n.mtu));
  require(!s.state_dir.empty() && s.state_dir[0] == '/', "accepted --state-dir " + nh::base::printable(s.state_dir));
  require(s.firewall == "auto" || s.firewall == "iptables" || s.firewall == "nftables" || s.firewall == "none",
          "accepted --firewall " + nh::base::printable(s.firewall));
  try {
    nh::net::validate(n);
    nh::net::validate_ifname(s.iface, "--iface");
    for (const auto& name : s.networks) nh::net::validate_network_name(name, "--network");
  } catch (const nh::base::Error& e) {
    nh::fuzz::broken(std::string("accepted settings that fail validation: ") + e.what());
  }
  try {
    require(same(nh::input::build_settings(std::nullopt, as_flags(s)), s), "settings written as flags differ");
  } catch (const nh::base::Error& e) {
    nh::fuzz::broken(std::string("settings written as flags are refused: ") + e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static ConfigFile file;
  file.set(data, size);
  nh::input::Settings s;
  try {
    s = nh::input::build_settings(file.path(), {});
  } catch (const nh::base::Error& e) {
    nh::fuzz::require_one_line(e);
    return 0;
  }
  check_valid(s);
  return 0;
}
