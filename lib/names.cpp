#include "lib/names.hpp"

#include <cstdio>

namespace nh {

std::uint64_t fnv1a64(std::string_view data) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

namespace {
// MurmurHash3's finaliser: FNV-1a alone barely changes the high bits when only
// the last character differs, which made sibling ids look alike ("c1", "c2").
std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}
}  // namespace

std::string host_veth_name(std::string_view container_id) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s%012llx", kVethPrefix,
                static_cast<unsigned long long>(mix(fnv1a64(container_id)) >> 16));
  return buf;
}

bool is_host_veth_name(std::string_view name) {
  const std::string_view prefix = kVethPrefix;
  if (name.size() != prefix.size() + 12 || name.substr(0, prefix.size()) != prefix) return false;
  return name.find_first_not_of("0123456789abcdef", prefix.size()) == std::string_view::npos;
}

std::array<std::uint8_t, 6> bridge_mac(std::string_view bridge) {
  std::uint64_t h = fnv1a64(bridge);
  std::array<std::uint8_t, 6> mac{};
  for (int i = 0; i < 6; ++i) mac[i] = static_cast<std::uint8_t>(h >> (8 * i));
  mac[0] = static_cast<std::uint8_t>((mac[0] & 0xfc) | 0x02);  // local, unicast
  return mac;
}

}  // namespace nh
