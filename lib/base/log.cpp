#include "lib/base/log.hpp"

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "lib/base/error.hpp"

namespace nh::base {

namespace {
LogLevel g_level = LogLevel::kInfo;
bool g_stderr = false;
bool g_open = false;
int g_file = -1;  // open for the life of the process: one short-lived hook run

std::string utc_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  ::gmtime_r(&ts.tv_sec, &t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                t.tm_hour, t.tm_min, t.tm_sec, ts.tv_nsec / 1000);
  return buf;
}

void emit(LogLevel level, int priority, const std::string& msg, bool to_stderr) {
  if (level > g_level) return;
  if (!g_open) {
    ::openlog("netns-hook", LOG_PID, LOG_DAEMON);
    g_open = true;
  }
  ::syslog(priority, "%s", msg.c_str());
  if (g_file >= 0) {
    nlohmann::json j = {{"time", utc_now()}, {"level", log_level_name(level)}, {"pid", ::getpid()}, {"msg", msg}};
    // One write per line: O_APPEND keeps lines from concurrent hooks whole.
    std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    (void)!::write(g_file, line.data(), line.size());
  }
  if (to_stderr) std::fprintf(stderr, "netns-hook: %s\n", msg.c_str());
}
}  // namespace

std::optional<LogLevel> parse_log_level(const std::string& level) {
  if (level == "error") return LogLevel::kError;
  if (level == "info") return LogLevel::kInfo;
  if (level == "debug") return LogLevel::kDebug;
  return std::nullopt;
}

const char* log_level_name(LogLevel l) {
  switch (l) {
    case LogLevel::kError: return "error";
    case LogLevel::kInfo: return "info";
    case LogLevel::kDebug: return "debug";
  }
  return "info";
}

void log_init(LogLevel level, bool to_stderr, const std::string& file) {
  g_level = level;
  g_stderr = to_stderr;
  if (!file.empty()) {
    int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (fd < 0) {
      const int err = errno;
      throw Error::from_errno("open log file " + file, err);
    }
    g_file = fd;
  }
}
bool log_debug_enabled() { return g_level >= LogLevel::kDebug; }

void log_debug(const std::string& msg) { emit(LogLevel::kDebug, LOG_DEBUG, msg, g_stderr); }
void log_info(const std::string& msg) { emit(LogLevel::kInfo, LOG_INFO, msg, g_stderr); }
void log_error(const std::string& msg) { emit(LogLevel::kError, LOG_ERR, msg, false); }
void log_warning(const std::string& msg) { emit(LogLevel::kError, LOG_WARNING, "warning: " + msg, true); }

namespace {
long long now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
}  // namespace

StepTimer::StepTimer() : last_ns_(log_debug_enabled() ? now_ns() : 0) {}

void StepTimer::step(const char* name) {
  if (!log_debug_enabled()) return;
  long long t = now_ns();
  line_ += (line_.empty() ? "steps: " : ", ") + std::string(name) + " " + std::to_string((t - last_ns_) / 1000) + " us";
  last_ns_ = t;
}

StepTimer::~StepTimer() {
  if (!line_.empty()) log_debug(line_);
}

}  // namespace nh::base
