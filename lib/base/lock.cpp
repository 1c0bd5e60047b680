#include "lib/base/lock.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

#include "lib/base/error.hpp"

namespace nh::base {

namespace {

// The signal that interrupts a blocked flock() at its deadline. A timer of
// our own sends it to the waiting thread alone (SIGEV_THREAD_ID), so no other
// thread can take it, unlike a process-wide SIGALRM.
int lock_signal() { return SIGRTMAX - 1; }

void on_lock_signal(int) {}

timespec to_timespec(std::chrono::nanoseconds d) {
  return {static_cast<time_t>(d.count() / 1000000000), static_cast<long>(d.count() % 1000000000)};
}

// Blocks in flock() until it succeeds or the deadline passes. No polling: an
// uncontended lock costs one syscall, a contended one sleeps in the kernel.
int flock_with_timeout(int fd, std::chrono::milliseconds timeout) {
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return 0;
  const int first = errno;
  if (first != EWOULDBLOCK) return first;
  if (timeout.count() <= 0) return ETIMEDOUT;

  static std::once_flag installed;
  static int install_error = 0;
  std::call_once(installed, [] {
    struct sigaction sa {};
    sa.sa_handler = on_lock_signal;  // no SA_RESTART: the blocked flock() returns EINTR
    sigemptyset(&sa.sa_mask);
    if (::sigaction(lock_signal(), &sa, nullptr) != 0) install_error = errno;
  });
  if (install_error != 0) return install_error;
  // The signal reaches this thread while it waits; the caller's mask is put back after.
  sigset_t only, before;
  sigemptyset(&only);
  sigaddset(&only, lock_signal());
  ::pthread_sigmask(SIG_UNBLOCK, &only, &before);
  struct MaskBack {
    const sigset_t& mask;
    ~MaskBack() { ::pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
  } mask_back{before};

  sigevent sev{};
  sev.sigev_notify = SIGEV_THREAD_ID;
  sev.sigev_signo = lock_signal();
  sev._sigev_un._tid = ::gettid();
  timer_t timer{};
  if (::timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0) return errno;
  // First at the deadline, then every 10 ms: a signal that lands just before
  // flock() blocks is followed by another, so the wait can never hang.
  itimerspec its{};
  its.it_value = to_timespec(timeout);
  its.it_interval = to_timespec(std::chrono::milliseconds(10));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int err = 0;
  if (::timer_settime(timer, 0, &its, nullptr) != 0) {
    err = errno;
  } else {
    for (;;) {
      if (::flock(fd, LOCK_EX) == 0) break;
      err = errno;
      if (err != EINTR) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        err = ETIMEDOUT;
        break;
      }
      err = 0;  // another signal: keep waiting
    }
  }
  ::timer_delete(timer);
  return err;
}

}  // namespace

FileLock FileLock::acquire(const std::string& path, std::chrono::milliseconds timeout) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    const int err = errno;
    throw Error::from_errno("open lock file " + path, err);
  }
  return acquire(UniqueFd(fd), path, timeout);
}

FileLock FileLock::acquire(UniqueFd fd, const std::string& name, std::chrono::milliseconds timeout) {
  const int err = flock_with_timeout(fd.get(), timeout);
  if (err == ETIMEDOUT)
    throw Error("lock " + name, "still held by another process after " + std::to_string(timeout.count()) + " ms",
                Error::Kind::kErrno, ETIMEDOUT);
  if (err != 0) throw Error::from_errno("lock " + name, err);
  return FileLock(std::move(fd));
}

}  // namespace nh::base
