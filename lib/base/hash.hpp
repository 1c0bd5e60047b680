#pragma once
// Stable, non-cryptographic hashes for names derived from ids.
#include <cstdint>
#include <string>
#include <string_view>

namespace nh::base {

std::uint64_t fnv1a64(std::string_view data);
// FNV-1a followed by MurmurHash3's finaliser: FNV-1a alone barely changes the
// high bits when only the last character differs ("c1", "c2").
std::uint64_t mixed_hash(std::string_view data);
// The low `digits` hex digits of mixed_hash(data) (digits <= 16).
std::string hex_hash(std::string_view data, int digits);

}  // namespace nh::base
