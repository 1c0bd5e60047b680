#pragma once
// What every fuzz target checks besides "no crash": a broken invariant aborts,
// so libFuzzer saves the input, exactly as it does for a sanitizer report.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lib/base/error.hpp"
#include "lib/base/text.hpp"

namespace nh::fuzz {

[[noreturn]] inline void broken(const std::string& what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what.c_str());
  std::abort();
}

inline void require(bool ok, const std::string& what) {
  if (!ok) broken(what);
}

// An error reaches the user as one line on stderr and in syslog (error.hpp:
// quoted input goes through printable()), so its message holds no C0 control
// character: no newline, carriage return or terminal escape. (DEL and stray
// bytes >= 0x80, which nlohmann's parse errors may quote, break no line.)
inline void require_one_line(const base::Error& e) {
  for (char c : std::string_view(e.what())) {
    if (static_cast<unsigned char>(c) < 0x20)
      broken("error message with a control character: " + base::printable(e.what(), 200));
  }
}

}  // namespace nh::fuzz
