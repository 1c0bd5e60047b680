#pragma once
// Shared pieces of the privileged tests: a child process in a network namespace
// of its own (the "container"), shell commands with captured output, unique names.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "common/temp_dir.hpp"

// First line of every privileged TEST_CASE: without root it fails, never
// skips quietly (main() already refuses to run outside tests/sandbox.sh).
#define NH_REQUIRE_ROOT() REQUIRE(::geteuid() == 0)

namespace nh_test {

// A forked child that unshares its network namespace and sleeps until killed.
class ContainerNetns {
 public:
  ContainerNetns() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      char ok = ::unshare(CLONE_NEWNET) == 0 ? '1' : '0';
      (void)!::write(p[1], &ok, 1);
      for (;;) ::pause();
    }
    ::close(p[1]);
    pollfd pfd{p[0], POLLIN, 0};
    char ok = '0';
    bool ready = ::poll(&pfd, 1, 5000) == 1 && ::read(p[0], &ok, 1) == 1 && ok == '1';
    ::close(p[0]);
    if (!ready) {
      stop();
      throw std::runtime_error("the namespace child did not start");
    }
  }
  ~ContainerNetns() { stop(); }
  ContainerNetns(const ContainerNetns&) = delete;
  ContainerNetns& operator=(const ContainerNetns&) = delete;

  int pid() const { return pid_; }
  // A shell prefix that runs a command in the child's network namespace.
  std::string in() const { return "nsenter -t " + std::to_string(pid_) + " -n "; }

 private:
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);  // SIGKILL cannot be ignored: this returns
    pid_ = -1;
  }
  int pid_ = -1;
};

struct CmdResult {
  int status = -1;  // exit code, or -1 if it did not exit normally
  std::string out;  // stdout
};

// Runs `cmd` under sh with a time limit; stderr goes to the test's stderr.
inline CmdResult run(const std::string& cmd, int timeout_s = 10) {
  std::string full = "timeout -k 2 " + std::to_string(timeout_s) + " sh -c '" + cmd + "'";
  CmdResult r;
  FILE* f = ::popen(full.c_str(), "r");
  if (!f) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) r.out.append(buf, n);
  int st = ::pclose(f);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// `ip -j ...` output as JSON (an empty array when ip printed nothing).
inline nlohmann::json ip_json(const std::string& args, const std::string& prefix = "") {
  auto r = run(prefix + "ip -j " + args + " 2>/dev/null");
  if (r.status != 0 || r.out.find_first_not_of(" \n") == std::string::npos) return nlohmann::json::array();
  return nlohmann::json::parse(r.out);
}

// True only when ip says the link does not exist: a failure to enter the
// namespace (the process gone) is not taken for an absent link.
inline bool link_absent(const std::string& name, const std::string& prefix = "") {
  auto r = run(prefix + "ip link show " + name + " 2>&1");
  return r.status != 0 && r.out.find("does not exist") != std::string::npos;
}

// Counts the lines of `text` equal to `line`.
inline int count_lines(const std::string& text, const std::string& line) {
  int n = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    if (text.compare(pos, end - pos, line) == 0) ++n;
    pos = end + 1;
  }
  return n;
}

// A short name unique within this test run, e.g. "nhb3": fits IFNAMSIZ.
inline std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + std::to_string(::getpid() % 10000) + "x" + std::to_string(counter++);
}

// Runs `fn` at scope exit (cleanup that must happen even when a REQUIRE fails).
class AtExit {
 public:
  explicit AtExit(std::function<void()> fn) : fn_(std::move(fn)) {}
  ~AtExit() {
    try {
      fn_();
    } catch (...) {
    }
  }
  AtExit(const AtExit&) = delete;
  AtExit& operator=(const AtExit&) = delete;

 private:
  std::function<void()> fn_;
};

}  // namespace nh_test
