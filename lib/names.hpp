#pragma once
// Names derived from ids: stable, so teardown finds them without a pid.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace nh {

constexpr const char* kVethPrefix = "nh";

// "nh" + 12 hex digits of a 64-bit FNV-1a hash of the container id: 14 characters,
// within IFNAMSIZ, the same on every call, and recognisable as ours.
std::string host_veth_name(std::string_view container_id);
// Whether `name` has that shape (gc: links of ours that no lease names).
bool is_host_veth_name(std::string_view name);

// A locally administered unicast MAC derived from the bridge name. Setting it
// explicitly pins the bridge's MAC: otherwise a bridge takes the lowest MAC of
// its ports and changes as containers come and go.
std::array<std::uint8_t, 6> bridge_mac(std::string_view bridge);

std::uint64_t fnv1a64(std::string_view data);

}  // namespace nh
