#pragma once
// Names for `ip netns`: the container's namespace bind-mounted at
// <dir>/<prefix><id>, the way iproute2 (>= 4.13) and containerd do it, so
// `ip netns exec <name> ...` works while the container runs.
#include <cstdint>
#include <string>

namespace nh::container {

// prefix + id, cut to NAME_MAX with a hash of the id appended when longer,
// so two long ids never share a name.
std::string netns_link_name(const std::string& prefix, const std::string& id);

// Binds the namespace open at NS_FD (identified by DEV/INO) at PATH. The
// directory is first made a shared mount point (when it is none yet), so the
// bind propagates to other mount namespaces instead of leaving them an
// unusable entry ("Peer netns reference is invalid"). Already bound to this
// namespace: nothing to do. Bound to another one: refused.
void bind_netns(const std::string& path, int ns_fd, std::uint64_t dev, std::uint64_t ino);

// Unmounts and removes PATH; a missing or unmounted one is fine.
void unbind_netns(const std::string& path);

}  // namespace nh::container
