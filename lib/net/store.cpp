#include "lib/net/store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <nlohmann/json.hpp>

#include "lib/base/error.hpp"
#include "lib/base/fs.hpp"
#include "lib/base/lock.hpp"
#include "lib/base/log.hpp"
#include "lib/base/text.hpp"
#include "lib/net/names.hpp"

namespace nh::net {

using base::Error;

namespace {

constexpr std::size_t kMaxFileBytes = 64 << 10;
constexpr std::string_view kSuffix = ".json";

Network parse_file(const std::string& path, const std::string& name, const std::string& text) {
  const std::string what = "network file " + path;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error::input(what, base::json_parse_reason(e.what()));
  }
  Network n = from_json(j, what);
  if (n.name != name)
    throw Error::input(what, "its \"name\" is \"" + base::printable(n.name) + "\", not \"" + name +
                                 "\" as the file name says");
  return n;
}

}  // namespace

std::optional<Network> NetworkStore::find(const std::string& name) const {
  validate_network_name(name, "network name");
  const std::string path = path_of(name);
  int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (raw < 0) {
    const int err = errno;
    if (err == ENOENT) return std::nullopt;
    throw Error::from_errno("open network file " + path, err);
  }
  base::UniqueFd fd(raw);
  return parse_file(path, name, base::read_all_limited(fd.get(), kMaxFileBytes, "read network file " + path));
}

Network NetworkStore::load(const std::string& name) const {
  if (name == kDefaultNetwork) throw Error::input("network default", "it is described by the options, not a file");
  auto n = find(name);
  if (!n) throw Error::input("unknown network \"" + base::printable(name) + "\"", "there is no " + path_of(name));
  return *n;
}

NetworkStore::Scan NetworkStore::scan() const {
  Scan out;
  base::UniqueFd dir;
  try {
    dir = base::open_dir(dir_, 0755, false);
  } catch (const Error& e) {
    if (e.is_errno(ENOENT)) return out;
    throw;
  }
  for (const auto& file : base::list_dir(dir)) {
    if (file.size() <= kSuffix.size() || file.compare(file.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0 ||
        base::temp_file_writer(file) || file[0] == '.')
      continue;
    const std::string name = file.substr(0, file.size() - kSuffix.size());
    if (name == kDefaultNetwork) {
      // Not broken (that would stop every container on default) but never read:
      // default is what the options describe.
      base::log_error("warning: ignoring " + path_of(name) + ": the network default is described by the options, not a file");
      continue;
    }
    try {
      base::wrap("network file " + path_of(name), [&] { validate_network_name(name, "file name"); });
      if (auto text = base::read_file_at(dir, file)) out.networks.push_back(parse_file(path_of(name), name, *text));
    } catch (const Error& e) {
      out.broken.emplace_back(name, e);
    }
  }
  auto by_name = [](const Network& a, const Network& b) { return a.name < b.name; };
  std::sort(out.networks.begin(), out.networks.end(), by_name);
  return out;
}

std::vector<Network> NetworkStore::load_all() const {
  auto s = scan();
  if (!s.broken.empty()) throw s.broken.front().second;
  auto& out = s.networks;
  for (std::size_t i = 0; i < out.size(); ++i)
    for (std::size_t k = i + 1; k < out.size(); ++k)
      base::wrap("network files " + path_of(out[i].name) + " and " + path_of(out[k].name),
                 [&] { check_compatible(out[i], out[k]); });
  return out;
}

void NetworkStore::create(const Network& n, const std::vector<Network>& others) {
  validate(n);
  base::UniqueFd dir = base::open_dir(dir_, 0755, true);
  int raw = ::openat(dir.get(), ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (raw < 0) {
    const int err = errno;
    throw Error::from_errno("open " + dir_ + "/.lock", err);
  }
  auto lock = base::FileLock::acquire(base::UniqueFd(raw), dir_ + "/.lock", std::chrono::seconds(10));
  const std::string what = "create network " + n.name;
  if (base::exists_at(dir, n.name + std::string(kSuffix)))
    throw Error::input(what, "it exists already (" + path_of(n.name) + ")");
  for (const auto& o : load_all()) base::wrap(what, [&] { check_compatible(n, o); });
  for (const auto& o : others) base::wrap(what, [&] { check_compatible(n, o); });
  base::write_file_atomic(dir, n.name + std::string(kSuffix), to_json(n).dump(2) + "\n");
}

bool NetworkStore::remove(const std::string& name) {
  validate_network_name(name, "network name");
  if (::unlink(path_of(name).c_str()) == 0) return true;
  const int err = errno;
  if (err == ENOENT) return false;
  throw Error::from_errno("remove " + path_of(name), err);
}

}  // namespace nh::net
