#include "lib/log.hpp"

#include <syslog.h>

#include <cstdio>
#include <ctime>

namespace nh {

namespace {
bool g_debug = false;
bool g_open = false;

void emit(int priority, const std::string& msg, bool to_stderr) {
  if (!g_open) {
    ::openlog("netns-hook", LOG_PID, LOG_DAEMON);
    g_open = true;
  }
  ::syslog(priority, "%s", msg.c_str());
  if (to_stderr) std::fprintf(stderr, "netns-hook: %s\n", msg.c_str());
}
}  // namespace

void log_init(bool debug) { g_debug = debug; }
bool log_debug_enabled() { return g_debug; }

void log_debug(const std::string& msg) {
  if (g_debug) emit(LOG_DEBUG, msg, true);
}
void log_info(const std::string& msg) { emit(LOG_INFO, msg, g_debug); }
void log_error(const std::string& msg) { emit(LOG_ERR, msg, false); }

namespace {
long long now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
}  // namespace

StepTimer::StepTimer() : last_ns_(g_debug ? now_ns() : 0) {}

void StepTimer::step(const char* name) {
  if (!g_debug) return;
  long long t = now_ns();
  log_debug(std::string("step ") + name + ": " + std::to_string((t - last_ns_) / 1000) + " us");
  last_ns_ = t;
}

}  // namespace nh
