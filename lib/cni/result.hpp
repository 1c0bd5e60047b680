#pragma once
// The result of an ADD, in the version the configuration asked for.
#include <string>

#include <nlohmann/json.hpp>

#include "lib/ipam/records.hpp"

namespace nh::cni {

// {"cniVersion", "interfaces": [host veth, the container's interface with
// its sandbox], "ips": [each address, its gateway, interface 1], "routes":
// [the default routes, when the network carries them], "dns"}: MACs
// included (podman refuses a result without them); before 1.0.0 each
// address also names its IP version.
nlohmann::json add_result(const std::string& version, const ipam::Attachment& a, const std::string& netns_path,
                          const nlohmann::json& dns);

}  // namespace nh::cni
