#include "lib/error.hpp"

#include <cstdio>
#include <cstring>

namespace nh {

Error::Error(std::string what, std::string why, Kind kind, int code)
    : std::runtime_error(what + ": " + why),
      what_(std::move(what)),
      why_(std::move(why)),
      kind_(kind),
      code_(code) {}

Error Error::from_errno(std::string what, int err) {
  return Error(std::move(what), std::strerror(err), Kind::kErrno, err);
}

Error Error::with_context(const std::string& context) const {
  return Error(context + ": " + what_, why_, kind_, code_);
}

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

std::string json_parse_reason(const std::string& what) {
  auto pos = what.find("] ");
  return "not valid JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2));
}

void ErrorList::throw_if_any() const {
  if (errors_.empty()) return;
  if (errors_.size() == 1) throw errors_.front();
  std::string why;
  for (const auto& e : errors_) {
    if (!why.empty()) why += "; ";
    why += e.what();
  }
  throw Error(std::to_string(errors_.size()) + " steps failed", why);
}

}  // namespace nh
