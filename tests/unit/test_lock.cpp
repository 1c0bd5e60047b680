// base::FileLock: the timeout, without a process-wide signal.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/temp_dir.hpp"
#include "lib/base/error.hpp"
#include "lib/base/lock.hpp"

namespace {

// Holds an flock on `path` through a file description of its own (flock
// conflicts between descriptions, even in one process).
struct Holder {
  int fd;
  explicit Holder(const std::string& path) : fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    REQUIRE(fd >= 0);
    REQUIRE(::flock(fd, LOCK_EX) == 0);
  }
  ~Holder() { ::close(fd); }
};

}  // namespace

TEST_CASE("a free lock is taken at once, and dropped with its object", "[lock]") {
  nh_test::TempDir dir;
  const std::string path = dir / "lock";
  { auto l = nh::base::FileLock::acquire(path, std::chrono::milliseconds(0)); }
  auto again = nh::base::FileLock::acquire(path, std::chrono::milliseconds(0));
  SUCCEED();
}

TEST_CASE("a held lock times out with a message naming it; 0 ms is one try", "[lock]") {
  nh_test::TempDir dir;
  const std::string path = dir / "lock";
  Holder h(path);
  for (int ms : {0, 50}) {
    INFO(ms << " ms");
    try {
      nh::base::FileLock::acquire(path, std::chrono::milliseconds(ms));
      FAIL("a held lock was taken");
    } catch (const nh::base::Error& e) {
      CHECK_THAT(e.what(), Catch::Contains("lock " + path) && Catch::Contains("still held by another process"));
      CHECK(e.is_errno(ETIMEDOUT));
    }
  }
}

TEST_CASE("a lock freed while waiting is taken", "[lock]") {
  nh_test::TempDir dir;
  const std::string path = dir / "lock";
  auto h = std::make_unique<Holder>(path);
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    h.reset();
  });
  CHECK_NOTHROW(nh::base::FileLock::acquire(path, std::chrono::seconds(10)));
  release.join();
}

TEST_CASE("waits in two threads each end on their own deadline", "[lock]") {
  // With a process-wide SIGALRM, one thread's timer could interrupt the other
  // or be taken by it; each wait now has a timer of its own, aimed at it.
  nh_test::TempDir dir;
  const std::string path = dir / "lock";
  Holder h(path);
  std::atomic<int> timed_out{0};
  auto wait = [&](int ms) {
    try {
      nh::base::FileLock::acquire(path, std::chrono::milliseconds(ms));
    } catch (const nh::base::Error& e) {
      if (e.is_errno(ETIMEDOUT)) ++timed_out;
    }
  };
  std::thread a(wait, 30), b(wait, 60);
  // A SIGALRM of someone else's, with no handler of ours for it, must not matter.
  signal(SIGALRM, SIG_IGN);
  a.join();
  b.join();
  signal(SIGALRM, SIG_DFL);
  CHECK(timed_out == 2);
}
