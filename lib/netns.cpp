#include "lib/netns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include <cerrno>
#include <thread>

#include "lib/error.hpp"

namespace nh {

Netns Netns::open_pid(int pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw < 0) {
    int err = errno;
    if (err == ENOENT) throw Error("open " + path, "no process with pid " + std::to_string(pid), Error::Kind::kErrno, err);
    throw Error::from_errno("open " + path, err);
  }
  UniqueFd fd(raw);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw Error::from_errno("stat " + path, errno);
  return Netns(std::move(fd), st.st_dev, st.st_ino);
}

bool Netns::is_current() const {
  struct stat st {};
  if (::stat("/proc/thread-self/ns/net", &st) != 0) throw Error::from_errno("stat /proc/thread-self/ns/net", errno);
  return st.st_dev == dev_ && st.st_ino == ino_;
}

void Netns::run_inside(const std::function<void()>& fn) const {
  std::exception_ptr failure;
  std::thread worker([&] {
    try {
      if (::setns(fd_.get(), CLONE_NEWNET) != 0) throw Error::from_errno("enter container network namespace", errno);
      fn();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  worker.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace nh
