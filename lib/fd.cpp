#include "lib/fd.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>

#include "lib/error.hpp"

namespace nh {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) reset(o.release());
  return *this;
}

int UniqueFd::release() noexcept {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::reset(int fd) noexcept {
  // close() is never retried on EINTR: on Linux the fd is gone either way.
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

namespace {

void on_alarm(int) {}

// Blocks in flock() until it succeeds or an interval timer interrupts it.
// No polling: an uncontended lock costs one syscall, a contended one sleeps in the kernel.
int flock_with_timeout(int fd, std::chrono::milliseconds timeout) {
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return 0;
  if (errno != EWOULDBLOCK) return errno;

  struct sigaction sa {}, old_sa{};
  sa.sa_handler = on_alarm;  // no SA_RESTART: the blocked flock() returns EINTR
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGALRM, &sa, &old_sa);
  struct itimerval timer {}, old_timer{};
  auto ms = timeout.count();
  timer.it_value.tv_sec = ms / 1000;
  timer.it_value.tv_usec = (ms % 1000) * 1000;
  ::setitimer(ITIMER_REAL, &timer, &old_timer);

  int rc = ::flock(fd, LOCK_EX);
  int err = rc == 0 ? 0 : errno;

  struct itimerval off {};
  ::setitimer(ITIMER_REAL, &off, nullptr);
  ::sigaction(SIGALRM, &old_sa, nullptr);
  return err == EINTR ? ETIMEDOUT : err;
}

}  // namespace

FileLock FileLock::acquire(const std::string& path, std::chrono::milliseconds timeout) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) throw Error::from_errno("open lock file " + path, errno);
  return acquire(UniqueFd(fd), path, timeout);
}

FileLock FileLock::acquire(UniqueFd fd, const std::string& name, std::chrono::milliseconds timeout) {
  int err = flock_with_timeout(fd.get(), timeout);
  if (err == ETIMEDOUT)
    throw Error("lock " + name, "still held by another process after " +
                                    std::to_string(timeout.count()) + " ms",
                Error::Kind::kErrno, ETIMEDOUT);
  if (err != 0) throw Error::from_errno("lock " + name, err);
  return FileLock(std::move(fd));
}

}  // namespace nh
