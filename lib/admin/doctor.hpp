#pragma once
// `netns-hook doctor`: what a container's network needs, checked one piece at
// a time, each found ok, worth a warning, or failed, with a one-line hint.
// Reads only: it changes nothing on the host.
#include <iosfwd>
#include <string>
#include <vector>

#include "lib/input/settings.hpp"

namespace nh::admin {

struct Finding {
  std::string check;   // what was looked at: "ip forwarding", "container web: veth", ...
  std::string status;  // "ok", "warn" or "fail"
  std::string detail;  // what was found
  std::string hint;    // what to do about it ("" when ok)
};

// Every check, in the order they are printed.
std::vector<Finding> diagnose(const input::Settings& settings);

// Prints the findings (text: one line each, hints indented under warnings
// and failures; JSON: a list of objects). Returns whether none failed.
bool doctor(const input::Settings& settings, bool json, std::ostream& out);

}  // namespace nh::admin
