#include "lib/cni/version.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>

namespace nh::cni {

namespace {

std::array<long, 3> parts(const std::string& v) {
  std::array<long, 3> out{0, 0, 0};
  std::size_t pos = 0;
  for (auto& p : out) {
    if (pos > v.size()) break;
    std::size_t dot = v.find('.', pos);
    p = std::strtol(v.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos).c_str(), nullptr, 10);
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return out;
}

}  // namespace

const std::vector<std::string>& supported_versions() {
  static const std::vector<std::string> all = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
  return all;
}

bool is_supported(const std::string& version) {
  const auto& all = supported_versions();
  return std::find(all.begin(), all.end(), version) != all.end();
}

int compare_versions(const std::string& a, const std::string& b) {
  auto x = parts(a), y = parts(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

bool has_check(const std::string& version) { return compare_versions(version, "0.4.0") >= 0; }
bool has_gc_and_status(const std::string& version) { return compare_versions(version, "1.1.0") >= 0; }
bool ips_carry_version(const std::string& version) { return compare_versions(version, "1.0.0") < 0; }

}  // namespace nh::cni
