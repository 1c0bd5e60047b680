#include "lib/netlink/netns.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

#include "lib/base/error.hpp"

namespace nh::netlink {

using base::Error;

Netns Netns::open_pid(int pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw < 0) {
    const int err = errno;
    if (err == ENOENT)
      throw Error("open " + path, "no process with pid " + std::to_string(pid), Error::Kind::kErrno, err);
    throw Error::from_errno("open " + path, err);
  }
  base::UniqueFd fd(raw);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    const int err = errno;
    throw Error::from_errno("stat " + path, err);
  }
  return Netns(std::move(fd), st.st_dev, st.st_ino, path);
}

Netns Netns::open_path(const std::string& path) {
  int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw < 0) {
    const int err = errno;
    throw Error::from_errno("open network namespace " + path, err);
  }
  base::UniqueFd fd(raw);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    const int err = errno;
    throw Error::from_errno("stat " + path, err);
  }
  // NS_GET_NSTYPE answers only for namespace files: a plain file, a
  // directory or another kind of namespace is refused here, not at setns().
  int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
  if (type != CLONE_NEWNET)
    throw Error::input("open network namespace " + path, "it is not a network namespace");
  return Netns(std::move(fd), st.st_dev, st.st_ino, path);
}

bool Netns::is_current() const {
  struct stat st {};
  if (::stat("/proc/thread-self/ns/net", &st) != 0) {
    const int err = errno;
    throw Error::from_errno("stat /proc/thread-self/ns/net", err);
  }
  return st.st_dev == dev_ && st.st_ino == ino_;
}

void Netns::run_inside(const std::function<void()>& fn) const {
  // This thread goes in and comes back: cheaper than a thread of its own
  // (a clone and a join each time). Where it was is kept open first, so
  // coming back cannot fail for want of a path.
  int home = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) {
    const int err = errno;
    throw Error::from_errno("open /proc/thread-self/ns/net", err);
  }
  base::UniqueFd home_fd(home);
  if (::setns(fd_.get(), CLONE_NEWNET) != 0) {
    const int err = errno;
    throw Error::from_errno("enter the container's network namespace", err);
  }
  std::exception_ptr failure;
  try {
    fn();
  } catch (...) {
    failure = std::current_exception();
  }
  if (::setns(home_fd.get(), CLONE_NEWNET) != 0) {
    // Carrying on in the container's namespace would configure it as if it
    // were the host: stop here, whatever it leaves half done (the state
    // directory says what; a second run or gc finishes it).
    const int err = errno;
    std::fprintf(stderr, "netns-hook: cannot return to the host's network namespace: %s\n", std::strerror(err));
    std::abort();
  }
  if (failure) std::rethrow_exception(failure);
}

bool netns_path_is(const std::string& path, std::uint64_t dev, std::uint64_t ino) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return false;
  return st.st_ino == ino && st.st_dev == dev;
}

}  // namespace nh::netlink
