#pragma once
// Logging: syslog under the identifier "netns-hook" always; stderr as well
// when --debug is on. Errors reach stderr through main's single catch site.
#include <string>

namespace nh {

void log_init(bool debug);
bool log_debug_enabled();
void log_debug(const std::string& msg);
void log_info(const std::string& msg);
// syslog only: main prints the same line on stderr.
void log_error(const std::string& msg);

// With --debug, logs how long each step took ("step bridge: 212 us").
// Costs one clock read per step otherwise.
class StepTimer {
 public:
  StepTimer();
  void step(const char* name);

 private:
  long long last_ns_;
};

}  // namespace nh
