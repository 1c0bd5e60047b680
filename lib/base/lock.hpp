#pragma once
// An exclusive flock() held for the life of an object, with a timeout.
#include <chrono>
#include <string>

#include "lib/base/fd.hpp"

namespace nh::base {

// Locks a separate, never-renamed lock file, so its inode never changes.
class FileLock {
 public:
  // Opens (creating 0600 if needed, never following a symlink) and locks
  // `path`, waiting at most `timeout` (0: one try). Throws naming `path`.
  static FileLock acquire(const std::string& path, std::chrono::milliseconds timeout);
  // Same on an already open file (e.g. relative to a directory fd).
  static FileLock acquire(UniqueFd fd, const std::string& name, std::chrono::milliseconds timeout);

  FileLock(FileLock&&) noexcept = default;
  FileLock& operator=(FileLock&&) noexcept = default;
  ~FileLock() = default;  // closing the fd drops the lock

 private:
  explicit FileLock(UniqueFd fd) noexcept : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace nh::base
