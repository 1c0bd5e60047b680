#include "lib/base/sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "lib/base/error.hpp"
#include "lib/base/fd.hpp"
#include "lib/base/fs.hpp"

namespace nh::base {

std::optional<std::string> ensure_sysctl(const std::string& rel, const std::string& value) {
  const std::string path = "/proc/sys/" + rel;
  int raw = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (raw < 0) {
    const int err = errno;
    throw Error::from_errno("open " + path, err);
  }
  UniqueFd fd(raw);
  std::string cur = read_all_limited(fd.get(), 4096, "read " + path);
  while (!cur.empty() && (cur.back() == '\n' || cur.back() == ' ')) cur.pop_back();
  if (cur == value) return std::nullopt;
  if (ssize_t n = ::pwrite(fd.get(), value.data(), value.size(), 0); n != static_cast<ssize_t>(value.size())) {
    const int err = n < 0 ? errno : EIO;  // a short write leaves errno as it was
    throw Error::from_errno("set " + rel + " to " + value, err);
  }
  return cur;
}

std::string read_sysctl(const std::string& rel) {
  const std::string path = "/proc/sys/" + rel;
  std::string value = read_path_limited(path, 4096, "read " + path);
  while (!value.empty() && value.back() == '\n') value.pop_back();
  return value;
}

}  // namespace nh::base
