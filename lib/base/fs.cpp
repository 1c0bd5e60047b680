#include "lib/base/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "lib/base/error.hpp"

namespace nh::base {

namespace {

void write_all(int fd, const std::string& data, const std::string& what) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      throw Error::from_errno(what, err);
    }
    done += static_cast<std::size_t>(n);
  }
}

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW;

}  // namespace

UniqueFd open_dir(const std::string& path, unsigned mode, bool create) {
  int fd = ::open(path.c_str(), kDirFlags);
  if (fd >= 0) return UniqueFd(fd);
  int err = errno;
  if (err != ENOENT || !create) throw Error::from_errno("open directory " + path, err);
  // Create missing parents one level at a time.
  auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) open_dir(path.substr(0, slash), 0755, true);
  if (::mkdir(path.c_str(), mode) != 0) {
    err = errno;
    if (err != EEXIST) throw Error::from_errno("create directory " + path, err);
  }
  fd = ::open(path.c_str(), kDirFlags);
  if (fd < 0) {
    err = errno;
    throw Error::from_errno("open directory " + path, err);
  }
  return UniqueFd(fd);
}

UniqueFd open_subdir(const UniqueFd& dir, const std::string& name, unsigned mode, bool create) {
  int fd = ::openat(dir.get(), name.c_str(), kDirFlags);
  int err = fd < 0 ? errno : 0;
  if (fd < 0 && err == ENOENT) {
    if (!create) return UniqueFd();
    if (::mkdirat(dir.get(), name.c_str(), mode) != 0) {
      err = errno;
      if (err != EEXIST) throw Error::from_errno("create directory " + name, err);
    }
    fd = ::openat(dir.get(), name.c_str(), kDirFlags);
    err = fd < 0 ? errno : 0;
  }
  if (fd < 0) throw Error::from_errno("open directory " + name, err);
  return UniqueFd(fd);
}

std::optional<std::string> read_file_at(const UniqueFd& dir, const std::string& name) {
  int raw = ::openat(dir.get(), name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (raw < 0) {
    const int err = errno;
    if (err == ENOENT) return std::nullopt;
    throw Error::from_errno("open " + name, err);
  }
  UniqueFd fd(raw);
  // State files are small; 1 MiB is far above any legitimate one.
  return read_all_limited(fd.get(), 1 << 20, "read " + name);
}

void write_file_atomic(const UniqueFd& dir, const std::string& name, const std::string& content) {
  const std::string tmp = name + std::string(kTempMarker) + std::to_string(::getpid());
  int raw = ::openat(dir.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (raw < 0) {
    const int err = errno;
    throw Error::from_errno("create " + tmp, err);
  }
  UniqueFd fd(raw);
  try {
    write_all(fd.get(), content, "write " + tmp);
    if (::fsync(fd.get()) != 0) {
      const int err = errno;
      throw Error::from_errno("fsync " + tmp, err);
    }
    if (::renameat(dir.get(), tmp.c_str(), dir.get(), name.c_str()) != 0) {
      const int err = errno;
      throw Error::from_errno("rename " + tmp + " to " + name, err);
    }
    // The rename itself is only durable once the directory is (a no-op on tmpfs).
    ::fsync(dir.get());
  } catch (...) {
    ::unlinkat(dir.get(), tmp.c_str(), 0);
    throw;
  }
}

bool remove_at(const UniqueFd& dir, const std::string& name) {
  if (::unlinkat(dir.get(), name.c_str(), 0) == 0) return true;
  const int err = errno;
  if (err == ENOENT) return false;
  throw Error::from_errno("remove " + name, err);
}

bool remove_dir_at(const UniqueFd& dir, const std::string& name) {
  if (::unlinkat(dir.get(), name.c_str(), AT_REMOVEDIR) == 0) return true;
  const int err = errno;
  if (err == ENOENT) return false;
  throw Error::from_errno("remove directory " + name, err);
}

bool exists_at(const UniqueFd& dir, const std::string& name) {
  struct stat st {};
  return ::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

std::vector<std::string> list_dir(const UniqueFd& dir) {
  int raw = ::dup(dir.get());
  if (raw < 0) {
    const int err = errno;
    throw Error::from_errno("dup directory fd", err);
  }
  DIR* d = ::fdopendir(raw);
  if (!d) {
    const int err = errno;
    ::close(raw);
    throw Error::from_errno("list directory", err);
  }
  ::rewinddir(d);
  std::vector<std::string> names;
  while (auto* ent = ::readdir(d)) {
    std::string n = ent->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  return names;
}

std::string read_all_limited(int fd, std::size_t limit, const std::string& what) {
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      throw Error::from_errno(what, err);
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > limit)
      throw Error::input(what, "input is larger than " + std::to_string(limit) + " bytes");
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::string read_path_limited(const std::string& path, std::size_t limit, const std::string& what) {
  int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw < 0) {
    const int err = errno;
    throw Error::from_errno(what, err);
  }
  UniqueFd fd(raw);
  return read_all_limited(fd.get(), limit, what);
}

std::optional<int> temp_file_writer(std::string_view name) {
  auto at = name.rfind(kTempMarker);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view digits = name.substr(at + kTempMarker.size());
  int pid = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
  if (ec != std::errc() || end != digits.data() + digits.size() || pid <= 0) return std::nullopt;
  return pid;
}

}  // namespace nh::base
