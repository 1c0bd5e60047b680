#include "lib/container/sysctl.hpp"

#include <unistd.h>

#include <cctype>
#include <cerrno>

#include "lib/base/error.hpp"
#include "lib/base/log.hpp"
#include "lib/base/sysctl.hpp"
#include "lib/base/text.hpp"

namespace nh::container {

using base::Error;
using base::printable;
using base::split;
using base::trim;
using base::wrap;
using input::kAnnotationSysctl;

namespace {

[[noreturn]] void bad(const std::string& item, const std::string& why) {
  throw Error::input(std::string("invalid annotation ") + kAnnotationSysctl + " item \"" + printable(item.substr(0, 128)) +
                         "\"",
                     why);
}

std::string key_to_path(const std::string& item, const std::string& key) {
  // sysctl(8): with a '/' anywhere the key is a path, so that interface names
  // may hold dots (net/ipv4/conf/eth0.100/forwarding); otherwise dots separate.
  const char sep = key.find('/') != std::string::npos ? '/' : '.';
  if (key.rfind(std::string("net") + sep, 0) != 0)
    bad(item, "only network sysctls (net.*) may be set per container");
  std::string path;
  std::size_t pos = 0;
  while (pos <= key.size()) {
    std::size_t end = key.find(sep, pos);
    std::string part = key.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (part.empty() || part == "." || part == "..") bad(item, "not a sysctl name");
    for (char c : part)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
        bad(item, "not a sysctl name");
    path += (path.empty() ? "" : "/") + part;
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return path;
}

}  // namespace

std::vector<SysctlSetting> parse_sysctls(const std::string& text) {
  std::vector<SysctlSetting> out;
  for (std::string_view field : split(text, ',')) {
    const std::string item(field);
    auto eq = item.find('=');
    if (eq == std::string::npos) bad(item, "expected KEY=VALUE");
    SysctlSetting s;
    s.key = std::string(trim(std::string_view(item).substr(0, eq)));
    s.value = item.substr(eq + 1);
    s.path = key_to_path(item, s.key);
    if (s.value.empty() || s.value.size() > 256) bad(item, "the value must be 1 to 256 characters");
    for (char c : s.value)
      if (c < 0x20 || c > 0x7e) bad(item, "the value must be printable ASCII");
    out.push_back(std::move(s));
    if (out.size() > kMaxSysctls) bad(item, "more than " + std::to_string(kMaxSysctls) + " sysctls");
  }
  return out;
}

void check_sysctls_exist(const std::vector<SysctlSetting>& settings, const std::vector<std::string>& pending) {
  for (const auto& s : settings) {
    std::string path = "/proc/sys/" + s.path;
    for (const auto& iface : pending)
      for (const char* dir : {"/conf/", "/neigh/"}) {
        const std::string from = dir + iface + "/";
        if (auto at = path.find(from); at != std::string::npos) path.replace(at, from.size(), dir + std::string("default/"));
      }
    if (::access(path.c_str(), F_OK) != 0) {
      const int err = errno;
      const std::string what = std::string("invalid annotation ") + kAnnotationSysctl + " item \"" + s.key + "\"";
      if (err != ENOENT) throw Error::from_errno(what + ": look for " + path, err);
      throw Error::input(what, "no such sysctl in the container's network namespace (not a per-namespace one?)");
    }
  }
}

std::vector<SysctlChange> apply_sysctls(const std::vector<SysctlSetting>& settings) {
  // All checked before any is written, so a refusal changes nothing. Keys of
  // eth0 exist only once it does, so this runs again after the check setup
  // made before its claim.
  check_sysctls_exist(settings);
  std::vector<SysctlChange> changes;
  try {
    for (const auto& s : settings)
      wrap(std::string("invalid annotation ") + kAnnotationSysctl + " item \"" + s.key + "=" + printable(s.value) + "\"",
           [&] {
             if (auto old = base::ensure_sysctl(s.path, s.value)) changes.push_back({s.path, std::move(*old)});
           });
  } catch (...) {
    restore_sysctls(changes);
    throw;
  }
  return changes;
}

void restore_sysctls(const std::vector<SysctlChange>& changes) {
  for (auto it = changes.rbegin(); it != changes.rend(); ++it) {
    try {
      base::ensure_sysctl(it->path, it->old_value);
    } catch (const Error& e) {
      base::log_error(std::string("rollback: ") + e.what());
    }
  }
}

}  // namespace nh::container
