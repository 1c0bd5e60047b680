#include "lib/container/resolv_conf.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "lib/base/error.hpp"
#include "lib/base/fs.hpp"
#include "lib/base/log.hpp"

namespace nh::container {

using base::Error;
using base::UniqueFd;

namespace {

constexpr std::size_t kMaxConfigBytes = 16 << 20;

struct BundleConfig {
  std::string root;  // absolute
  bool mounts_resolv_conf = false;
};

BundleConfig read_bundle_config(const std::string& bundle) {
  const std::string path = bundle + "/config.json";
  const std::string what = "read " + path;
  std::string text = base::read_path_limited(path, kMaxConfigBytes, what);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
    BundleConfig c;
    std::string root = j.at("root").at("path").get<std::string>();
    c.root = !root.empty() && root[0] == '/' ? root : bundle + "/" + root;
    for (const auto& m : j.value("mounts", nlohmann::json::array()))
      if (m.value("destination", "") == "/etc/resolv.conf") c.mounts_resolv_conf = true;
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw Error::input(what, std::string("not an OCI config: ") + e.what());
  }
}

}  // namespace

void ResolvConfWrite::undo() {
  if (!etc_.valid()) return;
  if (created_) ::unlinkat(etc_.get(), "resolv.conf", 0);
  else if (UniqueFd f(::openat(etc_.get(), "resolv.conf", O_WRONLY | O_NOFOLLOW | O_CLOEXEC)); f.valid())
    (void)::ftruncate(f.get(), 0);
}

std::optional<ResolvConfTarget> find_resolv_conf(const std::string& bundle) {
  if (bundle.empty() || bundle[0] != '/')
    throw Error::input("write resolv.conf", "the state has no absolute \"bundle\" path to find the root filesystem");
  BundleConfig cfg = read_bundle_config(bundle);
  if (cfg.mounts_resolv_conf) {
    base::log_info("the runtime mounts /etc/resolv.conf: leaving it alone");
    return std::nullopt;
  }
  ResolvConfTarget t;
  t.path = cfg.root + "/etc/resolv.conf";
  const std::string what = "write " + t.path;
  UniqueFd root(::open(cfg.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) {
    const int err = errno;
    throw Error::from_errno(what, err);
  }
  // O_NOFOLLOW on every name inside the root: the image chooses them, and a
  // symlink there must never make a root-owned hook write a host file.
  t.etc = UniqueFd(::openat(root.get(), "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  const int etc_err = t.etc.valid() ? 0 : errno;
  if (etc_err != 0 && etc_err != ENOENT)
    throw Error::from_errno(what + " (etc must be a directory, not a symlink)", etc_err);
  if (!t.etc.valid()) {
    t.etc = std::move(root);
    t.make_etc = true;
    return t;
  }
  struct stat st {};
  if (::fstatat(t.etc.get(), "resolv.conf", &st, AT_SYMLINK_NOFOLLOW) != 0) {
    const int err = errno;
    if (err != ENOENT) throw Error::from_errno(what, err);
    return t;
  }
  if (!S_ISREG(st.st_mode)) throw Error::input(what, "resolv.conf exists and is not a regular file");
  if (st.st_size > 0) {
    base::log_info("the root filesystem has its own resolv.conf: leaving it alone");
    return std::nullopt;
  }
  t.exists = true;
  return t;
}

ResolvConfWrite write_resolv_conf(ResolvConfTarget t, const std::vector<addr::IpAddress>& servers) {
  const std::string what = "write " + t.path;
  if (t.make_etc) {
    if (::mkdirat(t.etc.get(), "etc", 0755) != 0) {
      const int err = errno;
      if (err != EEXIST) throw Error::from_errno(what, err);
    }
    t.etc = UniqueFd(::openat(t.etc.get(), "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!t.etc.valid()) {
      const int err = errno;
      throw Error::from_errno(what, err);
    }
  }
  int flags = O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | (t.exists ? 0 : O_CREAT | O_EXCL);
  UniqueFd f(::openat(t.etc.get(), "resolv.conf", flags, 0644));
  struct stat st {};
  if (!f.valid() || ::fstat(f.get(), &st) != 0) {
    const int err = errno;
    throw Error::from_errno(what, err);
  }
  if (!S_ISREG(st.st_mode)) throw Error::input(what, "resolv.conf is not a regular file");
  ResolvConfWrite done(std::move(t.etc), !t.exists);
  std::string text = "# written by netns-hook\n";
  for (const auto& s : servers) text += "nameserver " + s.str() + "\n";
  if (ssize_t n = ::write(f.get(), text.data(), text.size()); n != static_cast<ssize_t>(text.size())) {
    const int err = n < 0 ? errno : EIO;  // a short write leaves errno as it was
    done.undo();
    throw Error::from_errno(what, err);
  }
  return done;
}

}  // namespace nh::container
