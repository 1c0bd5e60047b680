#include "lib/ipam/pool.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>

#include "lib/base/error.hpp"
#include "lib/base/fs.hpp"
#include "lib/base/text.hpp"
#include "lib/ipam/allocator.hpp"
#include "lib/ipam/port_index.hpp"

namespace nh::ipam {

using addr::IpAddress;
using addr::PortMapping;
using base::Error;
using base::UniqueFd;

namespace {

// The backend a state directory's "firewall" file records, checked.
std::optional<std::string> checked_backend(const std::optional<std::string>& text, const std::string& state_dir) {
  if (!text) return std::nullopt;
  std::string name = base::trim_line(*text);
  if (name != "iptables" && name != "nftables" && name != "none")
    throw Error::input(state_dir + "/firewall", "holds \"" + name + "\", expected iptables, nftables or none");
  return name;
}

// A condition that passes: another run is setting up or tearing down the same
// thing. errno EAGAIN, so every front end says "try again" (CNI code 11).
Error busy(const std::string& what, const std::string& why) { return Error(what, why, Error::Kind::kErrno, EAGAIN); }

// The state directory decides which addresses and ports containers get and
// which links teardown deletes: nobody but the hook's own user may write it.
void check_private(const UniqueFd& dir) {
  struct stat st {};
  if (::fstat(dir.get(), &st) != 0) {
    const int err = errno;
    throw Error::from_errno("stat", err);
  }
  if (st.st_uid != ::geteuid())
    throw Error::input("use it", "it is owned by uid " + std::to_string(st.st_uid) + ", not by uid " +
                                     std::to_string(::geteuid()) + " running the hook");
  if (st.st_mode & 022) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw Error::input("use it", std::string("it is writable by group or others (mode ") + mode + ")");
  }
}

std::int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

std::string next_name(const std::string& network, int family) {
  return network + "." + addr::family_name(family);
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool has_address(const Attachment& a, const std::string& address) {
  return std::any_of(a.addresses.begin(), a.addresses.end(),
                     [&](const Address& ad) { return ad.cidr.address().str() == address; });
}

// "a container being torn down" when the sandbox has no member left.
Claim claim_of(ClaimKind kind, Sandbox s) {
  Claim c;
  c.kind = kind;
  c.sandbox = std::move(s);
  return c;
}

std::string holder_name(const Sandbox& s) {
  return s.members.empty() ? "a container being torn down" : s.members.front().id;
}

}  // namespace

Pool Pool::open(const std::string& state_dir) {
  Pool p;
  p.path_ = state_dir;
  base::wrap("open state directory " + state_dir, [&] {
    p.dir_ = base::open_dir(state_dir, 0700, true);
    check_private(p.dir_);
    p.sandboxes_ = base::open_subdir(p.dir_, "sandboxes", 0700);
    p.containers_ = base::open_subdir(p.dir_, "containers", 0700);
    p.pools_ = base::open_subdir(p.dir_, "pools", 0700);
    p.next_ = base::open_subdir(p.dir_, "next", 0700);
    p.ports_ = base::open_subdir(p.dir_, "ports", 0700);
  });
  return p;
}

base::FileLock Pool::lock() {
  int fd = ::openat(dir_.get(), "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    const int err = errno;
    throw Error::from_errno("open " + path_ + "/lock", err);
  }
  return base::FileLock::acquire(UniqueFd(fd), path_ + "/lock", kLockTimeout);
}

std::optional<Sandbox> Pool::load(const std::string& key) {
  auto text = base::read_file_at(sandboxes_, key);
  if (!text) return std::nullopt;
  return sandbox_from_json(*text, path_ + "/sandboxes/" + key);
}

void Pool::store(const Sandbox& s) { base::write_file_atomic(sandboxes_, s.key, to_json(s)); }

std::size_t Pool::lease_count(const std::string& network, int family) {
  UniqueFd dir = pool_dir(network, false);
  if (!dir.valid()) return 0;
  std::size_t n = 0;
  for (const auto& name : base::list_dir(dir))
    if (auto ip = addr::IpAddress::parse(name); ip && ip->family() == family) ++n;
  return n;
}

std::optional<std::string> Pool::recorded_firewall_backend() { return checked_backend(base::read_file_at(dir_, "firewall"), path_); }

std::optional<std::string> Pool::recorded_firewall_backend(const std::string& state_dir) {
  std::optional<std::string> text;
  try {
    text = base::read_path_limited(state_dir + "/firewall", 4096, "read " + state_dir + "/firewall");
  } catch (const Error& e) {
    if (!e.is_errno(ENOENT)) throw;
  }
  return checked_backend(text, state_dir);
}

std::string Pool::firewall_backend(const std::function<std::string()>& choose, bool* chosen_now) {
  if (chosen_now) *chosen_now = false;
  if (auto name = recorded_firewall_backend()) return *name;  // the common case: no lock
  auto held = lock();
  if (auto name = recorded_firewall_backend()) return *name;
  std::string name = choose();
  base::write_file_atomic(dir_, "firewall", name + "\n");
  if (chosen_now) *chosen_now = true;
  return name;
}

UniqueFd Pool::pool_dir(const std::string& network, bool create) {
  return base::open_subdir(pools_, network, 0700, create);
}

bool Pool::lease_is_live(const std::string& network, const std::string& address, std::string* holder) {
  UniqueFd dir = pool_dir(network, false);
  if (!dir.valid()) return false;
  auto owner = base::read_file_at(dir, address);
  if (!owner) return false;
  auto sb = load(lease_owner_key(*owner));
  if (!sb) return false;
  for (const auto& a : sb->attachments) {
    if (a.network.name != network || !has_address(a, address)) continue;
    if (holder) *holder = holder_name(*sb);
    return true;
  }
  return false;
}

void Pool::check_ports_free(const std::vector<PortMapping>& ports) {
  PortIndex(ports_).check_free(ports, [&](const std::string& id, const PortMapping& m) {
    // An entry whose container has no record publishing it is left over
    // from a killed run: it does not hold the port.
    auto sb = find(id);
    const Member* mem = sb ? sb->member(id) : nullptr;
    return mem && std::any_of(mem->ports.begin(), mem->ports.end(), [&](const PortMapping& p) {
             return p.protocol == m.protocol && p.host_port == m.host_port && p.host_text() == m.host_text();
           });
  });
}

Attachment Pool::lease(const AttachmentClaim& a, const ClaimRequest& req, const Sandbox& sb) {
  Attachment att;
  att.network = a.network;
  att.container = req.id;
  att.iface = a.iface;
  att.host_veth = a.host_veth;
  att.default_route = a.default_route;
  att.mac = a.mac;
  att.created_us = now_us();
  att.building_pid = ::getpid();
  const std::string& name = a.network.name;
  UniqueFd dir = pool_dir(name, true);
  try {
    for (const auto& s : a.network.subnets) {
      const int family = s.subnet.family();
      auto wanted = std::find_if(a.requested.begin(), a.requested.end(),
                                 [&](const IpAddress& ip) { return ip.family() == family; });
      IpAddress chosen;
      if (wanted != a.requested.end()) {
        std::string holder;
        if (lease_is_live(name, wanted->str(), &holder))
          throw Error::input("invalid " + a.requested_source + " \"" + wanted->str() + "\"",
                             "address is already leased to " + holder);
        chosen = *wanted;
      } else {
        std::optional<IpAddress> last;
        if (auto text = base::read_file_at(next_, next_name(name, family)))
          last = IpAddress::parse(base::trim_line(*text));
        // Any lease file counts as taken, even one a killed run left: it is
        // skipped, never handed out twice, and gc removes it.
        auto got = next_free(s, last, [&](const IpAddress& c) { return base::exists_at(dir, c.str()); });
        if (!got)
          // ENOSPC tells setup it may collect the leases of dead namespaces and retry.
          throw Error("allocate an address on network " + name,
                      "the pool " + s.subnet.network_str() + " is full (" +
                          addr::to_string(usable_addresses(s)) + " addresses leased)",
                      Error::Kind::kErrno, ENOSPC);
        chosen = *got;
      }
      base::write_file_atomic(dir, chosen.str(), lease_owner(sb) + "\n");
      att.addresses.push_back({addr::Cidr(chosen, s.subnet.prefix()), s.gateway});
      if (wanted == a.requested.end()) base::write_file_atomic(next_, next_name(name, family), chosen.str() + "\n");
    }
  } catch (...) {
    release(att, sb);
    throw;
  }
  return att;
}

void Pool::release(const Attachment& a, const Sandbox& sb) {
  UniqueFd dir = pool_dir(a.network.name, false);
  if (!dir.valid()) return;
  const std::string owner = lease_owner(sb);
  for (const auto& ad : a.addresses) {
    const std::string name = ad.cidr.address().str();
    // Only a lease that is still this sandbox's: one handed out again since is not ours.
    if (auto holder = base::read_file_at(dir, name); holder && base::trim_line(*holder) == owner)
      base::remove_at(dir, name);
  }
}

Claim Pool::claim(const ClaimRequest& req) {
  auto held = lock();
  const std::string key = sandbox_key(req.netns_dev, req.netns_inode);
  // A network removed since the request read its file is not attached to
  // (network rm checks, under this lock, that nothing holds its addresses).
  for (const auto& a : req.attachments)
    if (!a.definition.empty() && ::access(a.definition.c_str(), F_OK) != 0) {
      const int err = errno;
      const std::string what = "attach container " + req.id + " to network " + a.network.name;
      if (err != ENOENT) throw Error::from_errno(what + ": look for " + a.definition, err);
      throw Error::input(what, "the network was removed (" + a.definition + " is gone)");
    }

  // This container id first: set up already, or in another namespace.
  std::optional<Sandbox> existing;
  if (auto k = base::read_file_at(containers_, req.id)) {
    const std::string their_key = base::trim_line(*k);
    auto sb = load(their_key);
    if (sb && sb->member(req.id)) {
      if (their_key != key)
        throw Error::input("container " + req.id,
                           "it is set up in another network namespace, still alive (tear it down first)");
      if (req.join_existing) {
        if (sb->built()) return claim_of(ClaimKind::kExisting, *sb);
        throw busy("container " + req.id, "another hook run (pid " + std::to_string(sb->building_pid()) +
                                              ") is setting it up; retry");
      }
      existing = std::move(sb);  // CNI: one more attachment for the same container
    } else if (sb && contains(sb->leaving, req.id)) {
      throw Error::input("container " + req.id, "its teardown is unfinished; run the teardown (or gc) again");
    } else {
      base::remove_at(containers_, req.id);  // stale index left by a killed run
    }
  }
  if (!existing) existing = load(key);

  Claim c = claim_of(ClaimKind::kAllocated, {});
  Sandbox sb;
  if (existing) {
    sb = std::move(*existing);
    if (sb.members.empty())
      throw busy("the network namespace of container " + req.id, "its network is being torn down; retry");
    if (!namespace_alive(sb) && !(req.pid > 0 && sb.member(req.id)))
      throw Error::input("the network namespace of container " + req.id,
                         "a record of a namespace that is gone (" + holder_name(sb) +
                             ") has the same identity; run netns-hook gc");
    if (req.join_existing) return join(req, std::move(sb));
    c.new_member = !sb.member(req.id);
  } else {
    sb.key = key;
    sb.netns_dev = req.netns_dev;
    sb.netns_inode = req.netns_inode;
    sb.netns_path = req.netns_path;
    sb.firewall = req.firewall;
    sb.created_us = now_us();
    c.new_sandbox = true;
    c.new_member = true;
  }

  if (!c.new_member && !req.ports.empty() && !sb.member(req.id)->ports.empty())
    throw Error::input("publish ports of " + req.id, "it publishes ports on another network already");
  check_ports_free(req.ports);
  bool indexed = false, published = false;
  try {
    for (const auto& a : req.attachments) {
      auto same_iface = [&](const Attachment& x) { return x.iface == a.iface; };
      if (std::any_of(c.added.begin(), c.added.end(), same_iface))
        throw Error::input("attach container " + req.id + " to network " + a.network.name,
                           "two of its networks would use the interface name " + a.iface);
      if (const Attachment* cur = sb.attachment(a.iface)) {
        if (cur->network.name == a.network.name && cur->container == req.id && !cur->releasing) continue;
        throw Error::input("attach container " + req.id + " to network " + a.network.name,
                           "its namespace has an interface " + a.iface + " on network " + cur->network.name +
                               " already");
      }
      for (const auto& att : sb.attachments)
        if (att.network.name == a.network.name)
          throw Error::input("attach container " + req.id + " to network " + a.network.name,
                             "its namespace is on that network already (interface " + att.iface + ")");
      c.added.push_back(lease(a, req, sb));
    }
    if (c.added.empty() && !c.new_member) return claim_of(ClaimKind::kExisting, sb);

    if (c.new_member) {
      sb.members.push_back(
          Member{req.id, req.pid, req.netns_link, req.ports, req.ports.empty() ? "" : req.ports_network});
      base::write_file_atomic(containers_, req.id, key + "\n");
      indexed = true;
    } else if (!req.ports.empty()) {
      Member* m = sb.member(req.id);
      c.previous_ports = m->ports;
      c.previous_ports_network = m->ports_network;
      m->ports = req.ports;
      m->ports_network = req.ports_network;
    }
    PortIndex(ports_).add(req.id, req.ports);
    published = true;
    sb.attachments.insert(sb.attachments.end(), c.added.begin(), c.added.end());
    // The record last: until it is written, the leases and the index above
    // name nothing, and every reader takes them for stale.
    store(sb);
  } catch (...) {
    if (published) PortIndex(ports_).remove(req.id, req.ports);
    if (indexed) base::remove_at(containers_, req.id);
    for (const auto& a : c.added) release(a, sb);
    throw;
  }
  c.sandbox = sb;
  return c;
}

Claim Pool::join(const ClaimRequest& req, Sandbox sb) {
  if (!sb.built())
    throw busy("the network namespace of container " + req.id,
               "another hook run (pid " + std::to_string(sb.building_pid()) + ", container " + holder_name(sb) +
                   ") is setting it up; retry");
  for (const auto& a : req.attachments)
    for (const auto& ip : a.requested) {
      bool theirs = std::any_of(sb.attachments.begin(), sb.attachments.end(),
                                [&](const Attachment& att) { return has_address(att, ip.str()); });
      if (!theirs)
        throw Error::input("invalid " + a.requested_source + " \"" + ip.str() + "\"",
                           "the container joins the network namespace of " + holder_name(sb) +
                               ", which has other addresses");
    }
  Member m{req.id, req.pid, req.netns_link, req.ports, ""};
  if (!req.ports.empty()) {
    // A joining container's ports lead where the namespace's default route goes.
    auto out = std::find_if(sb.attachments.begin(), sb.attachments.end(),
                            [](const Attachment& a) { return !a.network.internal; });
    if (out == sb.attachments.end())
      throw Error::input("publish ports of " + req.id, "its namespace is on internal networks only");
    m.ports_network = out->network.name;
    check_ports_free(req.ports);
  }
  sb.members.push_back(std::move(m));
  base::write_file_atomic(containers_, req.id, sb.key + "\n");
  PortIndex(ports_).add(req.id, req.ports);
  try {
    store(sb);
  } catch (...) {
    PortIndex(ports_).remove(req.id, req.ports);
    base::remove_at(containers_, req.id);
    throw;
  }
  return claim_of(ClaimKind::kJoined, sb);
}

Sandbox Pool::activate(const Claim& c) {
  if (c.added.empty()) return c.sandbox;
  auto held = lock();
  auto sb = load(c.sandbox.key);
  if (!sb || !same_sandbox(*sb, c.sandbox)) return c.sandbox;
  for (auto& a : sb->attachments)
    for (const auto& added : c.added)
      if (a.iface == added.iface && a.created_us == added.created_us) {
        a.building_pid = 0;
        a.host_ifindex = added.host_ifindex;
        a.host_mac = added.host_mac;
      }
  store(*sb);
  return *sb;
}

void Pool::undo_claim(const Claim& c, const std::string& id) {
  if (c.kind == ClaimKind::kExisting) return;
  auto held = lock();
  const std::string& key = c.sandbox.key;
  auto sb = load(key);
  const Member* mine = c.sandbox.member(id);
  const std::vector<PortMapping> ports = mine ? mine->ports : std::vector<PortMapping>{};
  const bool leaves = c.kind == ClaimKind::kJoined || c.new_member;
  auto drop_index = [&] {
    if (auto k = base::read_file_at(containers_, id); k && base::trim_line(*k) == key) base::remove_at(containers_, id);
  };
  if (!sb || !same_sandbox(*sb, c.sandbox)) {
    for (const auto& a : c.added) release(a, c.sandbox);
    if (leaves) drop_index();
    return;
  }
  if (leaves) {
    std::erase_if(sb->members, [&](const Member& m) { return m.id == id; });
  } else if (Member* m = sb->member(id); m && (!c.previous_ports.empty() || m->ports != c.previous_ports)) {
    m->ports = c.previous_ports;
    m->ports_network = c.previous_ports_network;
  }
  std::erase_if(sb->attachments, [&](const Attachment& a) {
    return std::any_of(c.added.begin(), c.added.end(),
                       [&](const Attachment& x) { return x.iface == a.iface && x.created_us == a.created_us; });
  });
  // The record first (it is the truth), then what pointed at it.
  if (sb->members.empty() && sb->attachments.empty()) base::remove_at(sandboxes_, key);
  else store(*sb);
  if (leaves) PortIndex(ports_).remove(id, ports);
  else if (ports != c.previous_ports) {
    PortIndex(ports_).remove(id, ports);
    PortIndex(ports_).add(id, c.previous_ports);
  }
  for (const auto& a : c.added) release(a, c.sandbox);
  if (leaves) drop_index();
}

Drop Pool::drop(const std::string& id, const std::string& iface, const Sandbox* only, const std::string& network) {
  auto held = lock();
  auto k = base::read_file_at(containers_, id);
  if (!k) return {DropKind::kUnknown, {}, {}};
  const std::string key = base::trim_line(*k);
  auto sb = load(key);
  if (!sb) {
    base::remove_at(containers_, id);  // stale index
    return {DropKind::kUnknown, {}, {}};
  }
  if (only && !same_sandbox(*sb, *only)) return {DropKind::kUnknown, {}, {}};
  auto releasing = [&](const std::string& filter) {
    std::vector<Attachment> out;
    for (const auto& a : sb->attachments)
      if (a.releasing && (filter.empty() || (a.iface == filter && (network.empty() || a.network.name == network))))
        out.push_back(a);
    return out;
  };

  Member* m = sb->member(id);
  if (!m) {
    // A teardown that stopped before its attachments were released: resume it.
    if (contains(sb->leaving, id)) return {DropKind::kRelease, *sb, releasing(iface)};
    base::remove_at(containers_, id);  // stale index
    return {DropKind::kUnknown, {}, {}};
  }

  if (!iface.empty()) {  // CNI DEL: one attachment of this container
    auto it = std::find_if(sb->attachments.begin(), sb->attachments.end(),
                           [&](const Attachment& a) {
                             return a.iface == iface && a.container == id && (network.empty() || a.network.name == network);
                           });
    if (it == sb->attachments.end()) return {DropKind::kUnknown, {}, {}};
    // gc judged one attachment: one re-added since on that interface is not it.
    const Attachment* judged = only ? only->attachment(iface) : nullptr;
    if (only && (!judged || judged->created_us != it->created_us)) return {DropKind::kUnknown, {}, {}};
    it->releasing = true;
    std::vector<PortMapping> unpublished;
    if (m->ports_network == it->network.name) {
      unpublished = std::move(m->ports);
      m->ports.clear();
      m->ports_network.clear();
    }
    bool keeps_others = std::any_of(sb->attachments.begin(), sb->attachments.end(),
                                    [&](const Attachment& a) { return a.container == id && !a.releasing; });
    if (!keeps_others) {
      std::erase_if(sb->members, [&](const Member& x) { return x.id == id; });
      sb->leaving.push_back(id);
    }
    // The record first, then the index of the ports it no longer holds.
    store(*sb);
    PortIndex(ports_).remove(id, unpublished);
    return {DropKind::kRelease, *sb, releasing(iface)};
  }

  const std::vector<PortMapping> unpublished = m->ports;
  std::erase_if(sb->members, [&](const Member& x) { return x.id == id; });
  if (!sb->members.empty()) {
    store(*sb);
    PortIndex(ports_).remove(id, unpublished);
    base::remove_at(containers_, id);
    return {DropKind::kStillShared, *sb, {}};
  }
  // Last container of the namespace: no one may join it any more, but the
  // addresses stay taken, and the id indexed, until forget() runs after the
  // veths are deleted; a teardown that fails before that can be run again.
  for (auto& a : sb->attachments) a.releasing = true;
  sb->leaving.push_back(id);
  store(*sb);
  PortIndex(ports_).remove(id, unpublished);
  return {DropKind::kRelease, *sb, sb->attachments};
}

void Pool::forget(const Sandbox& dropped, const std::vector<std::string>& released_ifaces) {
  auto held = lock();
  const std::string& key = dropped.key;
  auto sb = load(key);
  if (!sb || !same_sandbox(*sb, dropped)) return;
  std::vector<Attachment> freed;
  std::erase_if(sb->attachments, [&](const Attachment& a) {
    bool go = a.releasing && contains(released_ifaces, a.iface);
    if (go) freed.push_back(a);
    return go;
  });
  // A leaving id keeps its index while something it must finish remains:
  // its own attachments, or every attachment once no container is left.
  auto done = [&](const std::string& lid) {
    if (sb->members.empty() && !sb->attachments.empty()) return false;
    return std::none_of(sb->attachments.begin(), sb->attachments.end(),
                        [&](const Attachment& a) { return a.container == lid; });
  };
  std::vector<std::string> finished;
  std::erase_if(sb->leaving, [&](const std::string& lid) {
    bool d = done(lid);
    if (d) finished.push_back(lid);
    return d;
  });
  if (sb->members.empty() && sb->attachments.empty()) base::remove_at(sandboxes_, key);
  else store(*sb);
  for (const auto& a : freed) release(a, *sb);
  for (const auto& lid : finished)
    if (auto k = base::read_file_at(containers_, lid); k && base::trim_line(*k) == key) base::remove_at(containers_, lid);
}

std::optional<Sandbox> Pool::find(const std::string& id, bool leaving) {
  auto k = base::read_file_at(containers_, id);
  if (!k) return std::nullopt;
  auto sb = load(base::trim_line(*k));
  if (!sb) return std::nullopt;
  if (sb->member(id) || (leaving && contains(sb->leaving, id))) return sb;
  return std::nullopt;
}

std::vector<Sandbox> Pool::list() {
  std::vector<Sandbox> out;
  for (const auto& name : base::list_dir(sandboxes_)) {
    if (base::temp_file_writer(name)) continue;  // a write in progress or killed
    if (auto s = load(name)) out.push_back(std::move(*s));
  }
  std::sort(out.begin(), out.end(),
            [](const Sandbox& a, const Sandbox& b) { return a.created_us != b.created_us ? a.created_us < b.created_us : a.key < b.key; });
  return out;
}

std::vector<std::string> Pool::ids() {
  std::vector<std::string> out;
  for (auto& id : base::list_dir(containers_))
    if (!base::temp_file_writer(id)) out.push_back(std::move(id));
  return out;
}

std::vector<std::string> Pool::remove_stale_entries(bool dry_run) {
  auto held = lock();
  std::vector<std::string> out;
  for (const auto& id : ids()) {
    auto k = base::read_file_at(containers_, id);
    if (!k) continue;
    auto sb = load(base::trim_line(*k));
    if (sb && (sb->member(id) || contains(sb->leaving, id))) continue;
    out.push_back("containers/" + id);
    if (!dry_run) base::remove_at(containers_, id);
  }
  for (const auto& network : base::list_dir(pools_)) {
    if (base::temp_file_writer(network)) continue;
    UniqueFd dir = pool_dir(network, false);
    if (!dir.valid()) continue;
    for (const auto& address : base::list_dir(dir)) {
      if (base::temp_file_writer(address) || lease_is_live(network, address, nullptr)) continue;
      out.push_back("pools/" + network + "/" + address);
      if (!dry_run) base::remove_at(dir, address);
    }
  }
  return out;
}

std::vector<std::string> Pool::remove_dead_temp_files(bool dry_run) {
  std::vector<std::string> out;
  auto sweep = [&](const std::string& sub, const UniqueFd& dir) {
    for (const auto& name : base::list_dir(dir)) {
      auto pid = base::temp_file_writer(name);
      if (!pid || ::kill(*pid, 0) == 0 || errno != ESRCH) continue;  // not one, or its writer is alive
      out.push_back(sub + "/" + name);
      if (!dry_run) base::remove_at(dir, name);
    }
  };
  sweep("sandboxes", sandboxes_);
  sweep("containers", containers_);
  sweep("next", next_);
  sweep("ports", ports_);
  for (const auto& network : base::list_dir(pools_)) {
    UniqueFd dir = pool_dir(network, false);
    if (dir.valid()) sweep("pools/" + network, dir);
  }
  return out;
}

void Pool::remove_network(const std::string& network, const std::function<void()>& remove_definition) {
  auto held = lock();
  UniqueFd dir = pool_dir(network, false);
  if (dir.valid())
    for (const auto& name : base::list_dir(dir))
      if (!base::temp_file_writer(name) && lease_is_live(network, name, nullptr))
        throw Error::input("remove network " + network, "the address " + name + " is leased");
  remove_definition();
  if (dir.valid()) {
    for (const auto& name : base::list_dir(dir)) base::remove_at(dir, name);
    base::remove_dir_at(pools_, network);
  }
  for (int family : {AF_INET, AF_INET6}) base::remove_at(next_, next_name(network, family));
}

}  // namespace nh::ipam
