#include "lib/base/hash.hpp"

#include <cstdio>

namespace nh::base {

std::uint64_t fnv1a64(std::string_view data) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t mixed_hash(std::string_view data) {
  std::uint64_t h = fnv1a64(data);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

std::string hex_hash(std::string_view data, int digits) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(mixed_hash(data)));
  return std::string(buf).substr(0, static_cast<std::size_t>(digits));
}

}  // namespace nh::base
