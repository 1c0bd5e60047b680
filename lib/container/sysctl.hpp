#pragma once
// Per-container network sysctls (annotation netns-hook.sysctl), what
// `docker run --sysctl` does: set inside the container's namespace before its
// process starts.
#include <string>
#include <vector>

#include "lib/input/annotations.hpp"

namespace nh::container {

constexpr std::size_t kMaxSysctls = 64;

struct SysctlSetting {
  std::string key;   // as given: "net.core.somaxconn" or "net/ipv4/conf/eth0.100/forwarding"
  std::string path;  // under /proc/sys: "net/core/somaxconn"
  std::string value;
};

// Parses "KEY=VALUE[,KEY=VALUE...]": net.* keys only (dots or slashes as the
// separator), printable values without commas. Throws naming the bad item.
std::vector<SysctlSetting> parse_sysctls(const std::string& text);

// In the calling thread's network namespace: throws naming the first key that
// does not exist there (a key that is not per-namespace does not). Keys of
// the interfaces in `pending` (net.ipv4.conf.eth0.*, ...), not made yet, are
// checked against the "default" entry the kernel copies from.
void check_sysctls_exist(const std::vector<SysctlSetting>& settings, const std::vector<std::string>& pending = {});
// A value apply_sysctls changed, and what it was.
struct SysctlChange {
  std::string path;
  std::string old_value;
};

// In the calling thread's network namespace: checks, then writes them all,
// or none: when one write fails, those made are put back before it throws.
// Returns what it changed, for restore_sysctls.
std::vector<SysctlChange> apply_sysctls(const std::vector<SysctlSetting>& settings);
// Puts the old values back, newest first, in the calling thread's namespace.
void restore_sysctls(const std::vector<SysctlChange>& changes);

}  // namespace nh::container
