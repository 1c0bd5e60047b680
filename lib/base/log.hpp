#pragma once
// Logging: syslog under the identifier "netns-hook" always; as JSON lines in
// a file with --log-file; on stderr as well with --debug. Errors reach stderr
// through main's single catch site.
#include <optional>
#include <string>

namespace nh::base {

enum class LogLevel { kError = 0, kInfo = 1, kDebug = 2 };

// "error", "info" or "debug"; nullopt for anything else.
std::optional<LogLevel> parse_log_level(const std::string& level);
const char* log_level_name(LogLevel level);

// Opens `file` (if not empty) for appending; throws naming it when it cannot.
void log_init(LogLevel level, bool to_stderr, const std::string& file = "");
bool log_debug_enabled();
void log_debug(const std::string& msg);
void log_info(const std::string& msg);
// syslog and the log file only: main prints the same line on stderr.
void log_error(const std::string& msg);
// A problem the run cannot fix but the user must know of: logged at every
// level, and on stderr (which runtimes show or log).
void log_warning(const std::string& msg);

// At debug level, logs how long each step took, as one line when it goes
// out of scope ("steps: namespace 180 us, lease 95 us, ..."): logging as it
// went would charge each log call (syslog's first one loads the time zone)
// to the next step. Costs one branch per step otherwise.
class StepTimer {
 public:
  StepTimer();
  ~StepTimer();
  StepTimer(const StepTimer&) = delete;
  StepTimer& operator=(const StepTimer&) = delete;
  void step(const char* name);

 private:
  long long last_ns_;
  std::string line_;
};

}  // namespace nh::base
