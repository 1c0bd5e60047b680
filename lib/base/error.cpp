#include "lib/base/error.hpp"

#include <cstring>

namespace nh::base {

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

Error Error::with_reason(std::string why) const { return Error(what_, std::move(why), kind_, code_); }

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

}  // namespace nh::base
