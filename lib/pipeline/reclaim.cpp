#include "lib/pipeline/reclaim.hpp"

#include <signal.h>

#include <cerrno>
#include <ostream>

#include "lib/base/error.hpp"
#include "lib/pipeline/teardown.hpp"

namespace nh::pipeline {

namespace {

bool process_gone(int pid) { return pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH; }

}  // namespace

bool needs_reclaim(const ipam::Sandbox& s) {
  if (s.members.empty() || !ipam::namespace_alive(s)) return true;
  for (const auto& a : s.attachments)
    if (process_gone(a.building_pid)) return true;
  return false;
}

void reclaim(const input::Settings& settings, const ipam::Sandbox& s) {
  base::ErrorList errors;
  if (!s.members.empty() && ipam::namespace_alive(s)) {
    // A killed setup: only what it was building goes (a CNI ADD builds one
    // attachment; an OCI setup builds the whole namespace for its container).
    for (const auto& a : s.attachments)
      if (process_gone(a.building_pid))
        errors.run([&] { teardown(settings, a.container, s.netns_path.empty() ? "" : a.iface, &s); });
  } else {
    // The namespace is gone: each container as its poststop would have, then
    // the teardowns that stopped half way.
    for (const auto& m : s.members) errors.run([&] { teardown(settings, m.id, "", &s); });
    for (const auto& id : s.leaving) errors.run([&] { teardown(settings, id, "", &s); });
  }
  errors.throw_if_any();
}

std::size_t reclaim_all(const input::Settings& settings, ipam::Pool& pool, bool dry_run, std::ostream& out) {
  const char* verb = dry_run ? "would release" : "released";
  base::ErrorList errors;
  std::size_t count = 0;
  for (const auto& s : pool.list()) {
    if (!needs_reclaim(s)) continue;
    ++count;
    std::string what;
    for (const auto& a : s.attachments)
      for (const auto& ad : a.addresses) what += (what.empty() ? "" : ", ") + ad.cidr.address().str();
    std::vector<std::string> ids;
    for (const auto& m : s.members) ids.push_back(m.id);
    ids.insert(ids.end(), s.leaving.begin(), s.leaving.end());
    for (const auto& id : ids) out << "gc: " << verb << " " << what << " of container " << id << "\n";
    if (ids.empty()) out << "gc: " << verb << " " << what << " (no container left)\n";
    if (!dry_run) errors.run([&] { reclaim(settings, s); });
  }
  errors.throw_if_any();
  return count;
}

}  // namespace nh::pipeline
