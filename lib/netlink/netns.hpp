#pragma once
// A container's network namespace, opened once, from a pid or a path.
#include <cstdint>
#include <functional>
#include <string>

#include "lib/base/fd.hpp"

namespace nh::netlink {

class Netns {
 public:
  // /proc/PID/ns/net. Throws naming the pid when the process is gone.
  static Netns open_pid(int pid);
  // A namespace file (a bind mount such as /run/netns/NAME, or /proc/PID/ns/net).
  // Throws when it cannot be opened or is not a network namespace.
  static Netns open_path(const std::string& path);

  int fd() const noexcept { return fd_.get(); }
  std::uint64_t dev() const noexcept { return dev_; }
  std::uint64_t inode() const noexcept { return ino_; }
  const std::string& path() const noexcept { return path_; }
  // True when this is the namespace the hook itself runs in (a host-network container).
  bool is_current() const;

  // Runs `fn` with the calling thread in this namespace, then brings the
  // thread back (sockets opened inside stay bound to it). Exceptions of `fn`
  // are carried out; failing to come back aborts the process rather than
  // let it carry on in a container's namespace.
  void run_inside(const std::function<void()>& fn) const;

 private:
  Netns(base::UniqueFd fd, std::uint64_t dev, std::uint64_t ino, std::string path)
      : fd_(std::move(fd)), dev_(dev), ino_(ino), path_(std::move(path)) {}
  base::UniqueFd fd_;
  std::uint64_t dev_ = 0;
  std::uint64_t ino_ = 0;
  std::string path_;
};

// Whether `path` still names the namespace dev/ino (a dead process, a recycled
// pid or an unmounted name all count as gone).
bool netns_path_is(const std::string& path, std::uint64_t dev, std::uint64_t ino);

}  // namespace nh::netlink
