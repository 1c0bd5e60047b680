#pragma once
// An /etc/resolv.conf for the container (--dns, annotation netns-hook.dns),
// written into its root filesystem only when the runtime provides none.
#include <optional>
#include <string>
#include <vector>

#include "lib/addr/ip_address.hpp"
#include "lib/base/fd.hpp"

namespace nh::container {

// What write_resolv_conf did, so a failed setup can undo it.
class ResolvConfWrite {
 public:
  ResolvConfWrite() = default;
  ResolvConfWrite(base::UniqueFd etc, bool created) : etc_(std::move(etc)), created_(created) {}
  bool wrote() const { return etc_.valid(); }
  // Removes a file it created, empties one it filled.
  void undo();

 private:
  base::UniqueFd etc_;
  bool created_ = false;
};

// Where the resolv.conf goes: <root>/etc of the bundle's config.json
// "root.path", opened without following a symlink inside the root. nullopt
// when the runtime provides one (config.json mounts something at
// /etc/resolv.conf) or the root filesystem has a non-empty one. Changes
// nothing, so setup can check before it claims an address.
struct ResolvConfTarget {
  base::UniqueFd etc;    // or the root, when it has no etc yet
  bool make_etc = false;  // etc is missing: made at write time
  bool exists = false;    // an empty file to fill
  std::string path;     // for messages
};
std::optional<ResolvConfTarget> find_resolv_conf(const std::string& bundle);

// Writes the nameservers there.
ResolvConfWrite write_resolv_conf(ResolvConfTarget target, const std::vector<addr::IpAddress>& servers);

}  // namespace nh::container
