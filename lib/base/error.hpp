#pragma once
// The error contract (after crun's design-docs/error_handling.md):
//  - every failure is an nh::base::Error carrying "what" (the action, with the
//    object it acted on) and "why" (strerror, nl_geterror or iptc_strerror of
//    the code captured at the failure site);
//  - the code is captured into a local right after the failing call, before
//    any other call (building a message allocates, and may change errno):
//        if (::open(...) < 0) { const int err = errno; throw Error::from_errno("open " + path, err); }
//  - a code only means something with its kind: errno, a libnl NLE_* code and
//    an iptc errno share numbers (NLE_EXIST is 6, like ENXIO), so callers test
//    them through the typed accessors below, never as a bare int;
//  - context is prepended on the way up with wrap(), never by re-formatting;
//  - ordinary "not found" is std::optional, not an exception;
//  - each front end (hook/main.cpp) has one catch site: "netns-hook: <what>: <why>".
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace nh::base {

class Error : public std::runtime_error {
 public:
  enum class Kind {
    kInput,    // bad input: no code
    kErrno,    // a system call failed: code is an errno value
    kNetlink,  // libnl failed: code is an NLE_* value (positive)
    kIptc,     // libiptc failed: code is the errno it left
    kNftables, // the nftables netlink interface failed: code is an errno value
  };

  Error(std::string what, std::string why, Kind kind = Kind::kInput, int code = 0);

  // errno-style failure; `err` is the errno saved right after the failing call.
  static Error from_errno(std::string what, int err);
  static Error input(std::string what, std::string why) { return Error(std::move(what), std::move(why)); }

  const std::string& action() const noexcept { return what_; }
  const std::string& reason() const noexcept { return why_; }
  Kind kind() const noexcept { return kind_; }

  // The code, only for its own kind: nullopt otherwise.
  std::optional<int> sys_errno() const noexcept { return code_if(Kind::kErrno); }
  std::optional<int> netlink_code() const noexcept { return code_if(Kind::kNetlink); }
  std::optional<int> iptc_errno() const noexcept { return code_if(Kind::kIptc); }
  std::optional<int> nftables_errno() const noexcept { return code_if(Kind::kNftables); }
  bool is_errno(int err) const noexcept { return sys_errno() == err; }
  bool is_netlink(int nle) const noexcept { return netlink_code() == nle; }

  // The same error with "context: " put in front of the action.
  Error with_context(const std::string& context) const;
  // The same error with another reason (a clearer one for a known cause).
  Error with_reason(std::string why) const;

 private:
  std::optional<int> code_if(Kind k) const noexcept {
    return kind_ == k ? std::optional<int>(code_) : std::nullopt;
  }
  std::string what_;
  std::string why_;
  Kind kind_;
  int code_;
};

// Runs f(); an Error escaping it gets `context` prepended.
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
  void add(Error e) { errors_.push_back(std::move(e)); }
  bool empty() const noexcept { return errors_.empty(); }
  const std::vector<Error>& errors() const noexcept { return errors_; }
  // Throws one Error joining all collected ones, if any.
  void throw_if_any() const;

 private:
  std::vector<Error> errors_;
};

}  // namespace nh::base
