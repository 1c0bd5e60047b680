#pragma once
// The CNI specification versions the plugin speaks, and what each allows.
#include <string>
#include <vector>

namespace nh::cni {

// 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0: the versions a configuration may ask
// for; the result is written in the one it asked for.
const std::vector<std::string>& supported_versions();
constexpr const char* kLatestVersion = "1.1.0";

bool is_supported(const std::string& version);
// "1.0.0" < "1.1.0"; versions are three dotted numbers (others compare as 0).
int compare_versions(const std::string& a, const std::string& b);

// CHECK came with 0.4.0; GC and STATUS with 1.1.0.
bool has_check(const std::string& version);
bool has_gc_and_status(const std::string& version);
// Before 1.0.0 each address of a result names its IP version ("4" or "6").
bool ips_carry_version(const std::string& version);

}  // namespace nh::cni
