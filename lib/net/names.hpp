#pragma once
// Names: of networks, interfaces and the links derived from ids (stable, so
// teardown finds them without a pid).
#include <string>
#include <string_view>

namespace nh::net {

// A Linux interface name: 1..15 bytes, no '/', ':', whitespace or control
// characters. Throws naming `what` ("--bridge", "network web's bridge", ...).
void validate_ifname(const std::string& name, const std::string& what);

// A network name: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 64 characters, without
// ".tmp." (it names a file and a directory in the state directory).
void validate_network_name(std::string_view name, const std::string& what);
constexpr std::string_view kDefaultNetwork = "default";
constexpr std::size_t kMaxNetworkName = 64;

constexpr const char* kVethPrefix = "nh";
// "nh" + 12 hex digits of a hash of (container id, network, interface): 14
// characters, within IFNAMSIZ, the same on every call, and recognisable as ours.
std::string host_veth_name(std::string_view container_id, std::string_view network, std::string_view iface);
// Whether `name` has that shape (gc: links of ours that no lease names).
bool is_host_veth_name(std::string_view name);

// "nh-" + the network's name, cut to 15 characters with a hash when longer.
std::string default_bridge_name(std::string_view network);

}  // namespace nh::net
