#pragma once
// CNI errors: the specification's codes, and the error JSON a plugin prints
// on stdout. What the front end itself refuses carries its code (Failure);
// an error from the pipeline gets one from its kind (code_of).
#include <string>

#include "lib/base/error.hpp"

namespace nh::cni {

enum Code : int {
  kIncompatibleVersion = 1,
  kUnsupportedField = 2,
  kUnknownContainer = 3,
  kInvalidEnvironment = 4,
  kIoFailure = 5,
  kDecodingFailure = 6,
  kInvalidConfig = 7,
  kTryAgainLater = 11,
  kNotAvailable = 50,              // STATUS: cannot take another container
  kNotAvailableLimited = 51,       // STATUS: and existing ones may have lost connectivity
  // The plugin's own (100 and up, as the specification reserves them):
  kRequestConflicts = 100,  // an address or port taken, an attachment there already, a pool full
  kSystemFailure = 101,     // the kernel or the state directory failed
  kCheckFailed = 102,       // CHECK found something missing or different
};

// An error with its CNI code.
class Failure : public base::Error {
 public:
  Failure(int code, std::string what, std::string why)
      : base::Error(std::move(what), std::move(why)), code_(code) {}
  Failure(int code, const base::Error& e) : base::Error(e), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

// The code for an error of the pipeline: bad or conflicting requests,
// contention (a lock held too long, a ruleset that kept changing: try again),
// or a system failure.
int code_of(const base::Error& e);

// {"cniVersion", "code", "msg", "details"}: msg is what failed, details why.
std::string error_json(const std::string& version, int code, const base::Error& e);

}  // namespace nh::cni
