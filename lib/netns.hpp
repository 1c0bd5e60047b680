#pragma once
// A container's network namespace, opened once from /proc/PID/ns/net.
#include <cstdint>
#include <exception>
#include <functional>
#include <string>

#include "lib/fd.hpp"

namespace nh {

class Netns {
 public:
  // Throws nh::Error naming the pid when the process or its namespace is gone.
  static Netns open_pid(int pid);

  int fd() const noexcept { return fd_.get(); }
  std::uint64_t dev() const noexcept { return dev_; }
  std::uint64_t inode() const noexcept { return ino_; }
  // True when this is the namespace the hook itself runs in (a host-network container).
  bool is_current() const;

  // Runs `fn` on a short-lived thread that has entered this namespace. The thread
  // exits afterwards, so no thread of the hook is ever left in the wrong namespace
  // and there is no switch-back that could fail. Exceptions are carried back.
  void run_inside(const std::function<void()>& fn) const;

 private:
  Netns(UniqueFd fd, std::uint64_t dev, std::uint64_t ino) : fd_(std::move(fd)), dev_(dev), ino_(ino) {}
  UniqueFd fd_;
  std::uint64_t dev_ = 0;
  std::uint64_t ino_ = 0;
};

}  // namespace nh
