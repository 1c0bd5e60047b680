#pragma once
#include <string>

namespace nh {

// Sets /proc/sys/<key with dots as slashes> to `value` in the calling thread's
// network namespace, writing only when it differs. Returns true when it wrote.
bool ensure_sysctl(const std::string& key, const std::string& value);

}  // namespace nh
