#include "lib/container/netns_link.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/mount.h>
#include <linux/stat.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "lib/base/error.hpp"
#include "lib/base/fd.hpp"
#include "lib/base/hash.hpp"

namespace nh::container {

using base::Error;

namespace {

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool is_mount_point(const std::string& dir) {
  struct statx stx {};
  if (::statx(AT_FDCWD, dir.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) != 0) return false;
  return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

// What iproute2's netns_add does, once: the first time, bind the directory
// onto itself and mark it shared, recursively. iproute2 marks it again with
// MS_REC on every call, which walks every name already bound and so grows
// with the containers; a mount point made by us or by iproute2 is shared
// already, so setup stops at one statx. (One that an admin made private on
// purpose stays private.)
void make_shared_mount_point(const std::string& dir) {
  if (is_mount_point(dir)) return;
  if (::mkdir(dir.c_str(), 0755) != 0) {
    const int err = errno;
    if (err != EEXIST) throw Error::from_errno("create " + dir, err);
  }
  if (::mount(dir.c_str(), dir.c_str(), "none", MS_BIND | MS_REC, nullptr) != 0) {
    const int err = errno;
    throw Error::from_errno("bind " + dir + " onto itself", err);
  }
  if (::mount("", dir.c_str(), "none", MS_SHARED | MS_REC, nullptr) != 0) {
    const int err = errno;
    throw Error::from_errno("make " + dir + " a shared mount", err);
  }
}

}  // namespace

std::string netns_link_name(const std::string& prefix, const std::string& id) {
  std::string name = prefix + id;
  if (name.size() <= NAME_MAX) return name;
  char hash[18];
  std::snprintf(hash, sizeof hash, "-%016llx", static_cast<unsigned long long>(base::fnv1a64(id)));
  return name.substr(0, NAME_MAX - 17) + hash;
}

void bind_netns(const std::string& path, int ns_fd, std::uint64_t dev, std::uint64_t ino) {
  const std::string what = "bind the namespace at " + path;
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    // A bound namespace is on nsfs, the device of every namespace file.
    if (st.st_dev == dev && st.st_ino == ino) return;  // a run before this one did it
    if (st.st_dev == dev) throw Error::input(what, "the name is taken by another network namespace");
    // An empty file is the mount point of a run killed before its bind.
    if (!(S_ISREG(st.st_mode) && st.st_size == 0)) throw Error::input(what, "the name is taken by a file");
  } else {
    make_shared_mount_point(dir_of(path));
    // Mode 0 as iproute2: nobody opens the mount point itself.
    base::UniqueFd f(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0));
    const int err = f.valid() ? 0 : errno;
    if (err != 0 && err != EEXIST) throw Error::from_errno(what, err);
  }
  const std::string source = "/proc/self/fd/" + std::to_string(ns_fd);
  if (::mount(source.c_str(), path.c_str(), "none", MS_BIND, nullptr) != 0) {
    int err = errno;
    ::unlink(path.c_str());
    throw Error::from_errno(what, err);
  }
}

void unbind_netns(const std::string& path) {
  // A plain unmount first: it lets go of the namespace before it returns,
  // so one nothing else holds is torn down at once (teardown counts on
  // that). A lazy one (MNT_DETACH) releases it from a delayed work item a
  // tick later; it is the fallback when the mount is busy (a process has
  // the file open; one inside `ip netns exec` keeps its own reference).
  int rc = ::umount2(path.c_str(), UMOUNT_NOFOLLOW);
  if (rc != 0 && errno == EBUSY) rc = ::umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW);
  if (rc != 0) {
    const int err = errno;
    if (err != EINVAL && err != ENOENT) throw Error::from_errno("unmount " + path, err);
  }
  if (::unlink(path.c_str()) != 0) {
    const int err = errno;
    if (err != ENOENT) throw Error::from_errno("remove " + path, err);
  }
}

}  // namespace nh::container
