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
#include "lib/config.hpp"

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

// Every setting written back as a flag: must build the very same settings.
std::vector<nh::Setting> as_flags(const nh::Settings& s) {
  std::vector<nh::Setting> flags = {{"bridge", s.network.bridge},  {"ip", s.network.gateway.str()},
                                    {"mtu", std::to_string(s.network.mtu)}, {"iface", s.network.iface},
                                    {"state-dir", s.state_dir},     {"firewall", s.firewall},
                                    {"debug", s.debug ? "true" : "false"},
                                    {"netns-link", s.netns_link ? "true" : "false"},
                                    {"netns-dir", s.netns_dir},     {"netns-prefix", s.netns_prefix},
                                    {"log-level", nh::log_level_name(s.log_level)}};
  if (s.static_ip) flags.emplace_back("static-ip", s.static_ip->str());
  if (!s.log_file.empty()) flags.emplace_back("log-file", s.log_file);
  if (!s.dns.empty()) {
    std::string dns;
    for (const auto& a : s.dns) dns += (dns.empty() ? "" : ",") + a.str();
    flags.emplace_back("dns", dns);
  }
  return flags;
}

bool same(const nh::Settings& a, const nh::Settings& b) {
  return a.network.bridge == b.network.bridge && a.network.gateway == b.network.gateway &&
         a.network.mtu == b.network.mtu && a.network.iface == b.network.iface && a.state_dir == b.state_dir &&
         a.static_ip == b.static_ip && a.firewall == b.firewall && a.debug == b.debug &&
         a.netns_link == b.netns_link && a.netns_dir == b.netns_dir && a.netns_prefix == b.netns_prefix &&
         a.dns == b.dns && a.log_file == b.log_file && a.log_level == b.log_level;
}

void check_valid(const nh::Settings& s) {
  const nh::Cidr& gw = s.network.gateway;
  require(gw.address().is_v4() && gw.prefix() >= 8 && gw.prefix() <= 30, "accepted --ip " + gw.str());
  require(gw.address() != gw.network() && gw.address() != gw.last(), "accepted --ip " + gw.str());
  require(s.network.mtu >= 68 && s.network.mtu <= 65535, "accepted --mtu " + std::to_string(s.network.mtu));
  require(!s.state_dir.empty() && s.state_dir[0] == '/', "accepted --state-dir " + nh::printable(s.state_dir));
  require(s.firewall == "iptables" || s.firewall == "none", "accepted --firewall " + nh::printable(s.firewall));
  try {
    nh::validate_ifname(s.network.bridge, "--bridge");
    nh::validate_ifname(s.network.iface, "--iface");
    if (s.static_ip) nh::validate_requested_address(s.network, *s.static_ip, "--static-ip");
  } catch (const nh::Error& e) {
    nh::fuzz::broken(std::string("accepted settings that fail validation: ") + e.what());
  }
  try {
    require(same(nh::build_settings(std::nullopt, as_flags(s)), s), "settings written as flags differ");
  } catch (const nh::Error& e) {
    nh::fuzz::broken(std::string("settings written as flags are refused: ") + e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static ConfigFile file;
  file.set(data, size);
  nh::Settings s;
  try {
    s = nh::build_settings(file.path(), {});
  } catch (const nh::Error& e) {
    nh::fuzz::require_one_line(e);
    return 0;
  }
  check_valid(s);
  return 0;
}
