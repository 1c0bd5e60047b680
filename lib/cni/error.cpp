#include "lib/cni/error.hpp"

#include <cerrno>
#include <nlohmann/json.hpp>

namespace nh::cni {

int code_of(const base::Error& e) {
  if (const auto* f = dynamic_cast<const Failure*>(&e)) return f->code();
  if (e.kind() == base::Error::Kind::kInput) return kRequestConflicts;
  for (auto code : {e.sys_errno(), e.nftables_errno(), e.iptc_errno()})
    if (code && (*code == ETIMEDOUT || *code == EAGAIN || *code == EBUSY || *code == ERESTART || *code == EINTR))
      return kTryAgainLater;
  return kSystemFailure;
}

std::string error_json(const std::string& version, int code, const base::Error& e) {
  nlohmann::json j = {{"cniVersion", version}, {"code", code}, {"msg", e.action()}, {"details", e.reason()}};
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace nh::cni
