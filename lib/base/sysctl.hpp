#pragma once
#include <optional>
#include <string>

namespace nh::base {

// Sets /proc/sys/<path> (e.g. "net/ipv4/ip_forward"; a path, not a dotted key,
// because interface names may contain dots) to `value` in the calling thread's
// network namespace, writing only when it differs. Returns the value it
// replaced when it wrote, nothing when the value was already there.
std::optional<std::string> ensure_sysctl(const std::string& path, const std::string& value);

// The value of /proc/sys/<path> in the calling thread's network namespace,
// without its trailing newline.
std::string read_sysctl(const std::string& path);

}  // namespace nh::base
