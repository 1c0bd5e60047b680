#include "lib/sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "lib/error.hpp"
#include "lib/fd.hpp"
#include "lib/fs.hpp"

namespace nh {

bool ensure_sysctl(const std::string& rel, const std::string& value) {
  const std::string path = "/proc/sys/" + rel;
  const std::string& key = rel;
  int raw = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (raw < 0) throw Error::from_errno("open " + path, errno);
  UniqueFd fd(raw);
  char buf[64];
  ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n < 0) throw Error::from_errno("read " + path, errno);
  std::string cur(buf, static_cast<std::size_t>(n));
  while (!cur.empty() && (cur.back() == '\n' || cur.back() == ' ')) cur.pop_back();
  if (cur == value) return false;
  if (::pwrite(fd.get(), value.data(), value.size(), 0) != static_cast<ssize_t>(value.size()))
    throw Error::from_errno("set " + key + " to " + value, errno);
  return true;
}

std::string read_sysctl(const std::string& rel) {
  const std::string path = "/proc/sys/" + rel;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw Error::from_errno("open " + path, errno);
  std::string value = read_all_limited(fd.get(), 4096, "read " + path);
  while (!value.empty() && value.back() == '\n') value.pop_back();
  return value;
}

}  // namespace nh
