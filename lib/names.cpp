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

std::string host_veth_name(std::string_view container_id) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s%012llx", kVethPrefix,
                static_cast<unsigned long long>(fnv1a64(container_id) >> 16));
  return buf;
}

std::array<std::uint8_t, 6> bridge_mac(std::string_view bridge) {
  std::uint64_t h = fnv1a64(bridge);
  std::array<std::uint8_t, 6> mac{};
  for (int i = 0; i < 6; ++i) mac[i] = static_cast<std::uint8_t>(h >> (8 * i));
  mac[0] = static_cast<std::uint8_t>((mac[0] & 0xfc) | 0x02);  // local, unicast
  return mac;
}

}  // namespace nh
