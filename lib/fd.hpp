#pragma once
// Scope-bound file descriptors and flock()-based locks.
#include <chrono>
#include <string>

namespace nh {

// Move-only owner of a file descriptor. No implicit conversion to int: call get().
class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  int release() noexcept;
  void reset(int fd = -1) noexcept;

 private:
  int fd_ = -1;
};

// An exclusive flock() on an open file, released when the object dies.
// Locks a separate, never-renamed lock file, so its inode never changes.
class FileLock {
 public:
  // Opens (creating 0600 if needed, never following a symlink) and locks `path`,
  // waiting at most `timeout`. Throws nh::Error naming `path` on failure.
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

}  // namespace nh
