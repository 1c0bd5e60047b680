#include "lib/base/sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "lib/base/error.hpp"
#include "lib/base/fd.hpp"
#include "lib/base/fs.hpp"

namespace nh::base {

bool ensure_sysctl(const std::string& rel, const std::string& value) {
  const std::string path = "/proc/sys/" + rel;
  const std::string& key = rel;
  int raw = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (raw < 0) {
    const int err = errno;
    throw Error::from_errno("open " + path, err);
  }
  UniqueFd fd(raw);
  char buf[64];
  ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n < 0) {
    const int err = errno;
    throw Error::from_errno("read " + path, err);
  }
  std::string cur(buf, static_cast<std::size_t>(n));
  while (!cur.empty() && (cur.back() == '\n' || cur.back() == ' ')) cur.pop_back();
  if (cur == value) return false;
  if (ssize_t n = ::pwrite(fd.get(), value.data(), value.size(), 0); n != static_cast<ssize_t>(value.size())) {
    const int err = n < 0 ? errno : EIO;  // a short write leaves errno as it was
    throw Error::from_errno("set " + key + " to " + value, err);
  }
  return true;
}

std::string read_sysctl(const std::string& rel) {
  const std::string path = "/proc/sys/" + rel;
  std::string value = read_path_limited(path, 4096, "read " + path);
  while (!value.empty() && value.back() == '\n') value.pop_back();
  return value;
}

}  // namespace nh::base
