#pragma once
// The error contract (after crun's design-docs/error_handling.md):
//  - every failure is an nh::Error carrying "what" (the action, with the object it
//    acted on) and "why" (strerror, nl_geterror or iptc_strerror of the code
//    captured at the failure site);
//  - context is prepended on the way up with wrap(), never by re-formatting;
//  - ordinary "not found" is std::optional, not an exception;
//  - hook/main.cpp is the only catch site: it prints "netns-hook: <what>: <why>".
#include <string>
#include <string_view>
#include <stdexcept>
#include <vector>

namespace nh {

class Error : public std::runtime_error {
 public:
  enum class Kind { kErrno, kNetlink, kIptc, kInput };

  Error(std::string what, std::string why, Kind kind = Kind::kInput, int code = 0);

  // errno-style failure; call with the errno value saved right after the failing call.
  static Error from_errno(std::string what, int err);
  static Error input(std::string what, std::string why) { return Error(std::move(what), std::move(why)); }

  const std::string& action() const noexcept { return what_; }
  const std::string& reason() const noexcept { return why_; }
  Kind kind() const noexcept { return kind_; }
  int code() const noexcept { return code_; }

  // The same error with "context: " put in front of the action.
  Error with_context(const std::string& context) const;

 private:
  std::string what_;
  std::string why_;
  Kind kind_;
  int code_;
};

// `s` cut to `max` characters with control characters escaped (\x0a): user
// input quoted in a message must keep the message on one line.
std::string printable(std::string_view s, std::size_t max = 64);

// "not valid JSON: <reason>" from nlohmann's parse_error::what(), without its
// "[json.exception.parse_error.101] " prefix.
std::string json_parse_reason(const std::string& what);

// Runs f(); an nh::Error escaping it gets `context` prepended.
template <class F>
auto wrap(const std::string& context, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error& e) {
    throw e.with_context(context);
  }
}

// Teardown keeps going after a failure and reports everything at the end
// (netavark's NetavarkErrorList).
class ErrorList {
 public:
  template <class F>
  void run(F&& step) noexcept {
    try {
      step();
    } catch (const Error& e) {
      errors_.push_back(e);
    } catch (const std::exception& e) {
      errors_.emplace_back("internal error", e.what());
    }
  }
  bool empty() const noexcept { return errors_.empty(); }
  const std::vector<Error>& errors() const noexcept { return errors_; }
  // Throws one Error joining all collected ones, if any.
  void throw_if_any() const;

 private:
  std::vector<Error> errors_;
};

}  // namespace nh
