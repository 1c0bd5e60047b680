#include "lib/ipam.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <charconv>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "lib/error.hpp"
#include "lib/fs.hpp"

namespace nh {

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

IpAddress must_parse(const std::string& text, const std::string& what) {
  auto a = IpAddress::parse(text);
  if (!a) throw Error::input(what, "\"" + text + "\" is not an IP address");
  return *a;
}

// True when /proc/PID/ns/net is still the namespace the lease was made for:
// catches both a dead process and a recycled pid.
// Any member will do: the one that set the namespace up may be gone while a
// container that joined it keeps it alive.
bool pid_in_namespace(int pid, const Lease& l) {
  if (pid <= 0) return false;
  struct stat st {};
  std::string p = "/proc/" + std::to_string(pid) + "/ns/net";
  if (::stat(p.c_str(), &st) != 0) return false;
  return st.st_ino == l.netns_inode && st.st_dev == l.netns_dev;
}

}  // namespace

bool namespace_alive(const Lease& l) {
  if (pid_in_namespace(l.pid, l)) return true;
  for (const auto& [id, pid] : l.pids)
    if (pid_in_namespace(pid, l)) return true;
  return false;
}

bool same_lease(const Lease& a, const Lease& b) {
  return a.address == b.address && a.netns_dev == b.netns_dev && a.netns_inode == b.netns_inode &&
         a.pid == b.pid && a.created == b.created;
}

namespace {

// The state directory decides which addresses and ports containers get and
// which links teardown deletes: nobody but the hook's own user may write it.
void check_private(const UniqueFd& dir) {
  struct stat st {};
  if (::fstat(dir.get(), &st) != 0) throw Error::from_errno("stat", errno);
  if (st.st_uid != ::geteuid())
    throw Error::input("use it", "it is owned by uid " + std::to_string(st.st_uid) + ", not by uid " +
                                     std::to_string(::geteuid()) + " running the hook");
  if (st.st_mode & 022) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw Error::input("use it", std::string("it is writable by group or others (mode ") + mode + ")");
  }
}

}  // namespace

std::string lease_to_json(const Lease& l) {
  nlohmann::json j = {
      {"address", l.address.str()},  {"prefix", l.prefix},
      {"gateway", l.gateway.str()},  {"bridge", l.bridge},
      {"containers", l.containers},  {"pid", l.pid},
      {"netns_dev", l.netns_dev},    {"netns_inode", l.netns_inode},
      {"host_veth", l.host_veth},    {"iface", l.iface},
      {"created", l.created},
  };
  auto ports = nlohmann::json::array();
  for (const auto& p : l.ports) ports.push_back({{"id", p.id}, {"mapping", p.mapping.str()}});
  j["ports"] = ports;
  j["pids"] = l.pids;
  if (!l.netns_links.empty()) j["netns_links"] = l.netns_links;
  return j.dump() + "\n";
}

Lease lease_from_json(const std::string& text, const std::string& name) {
  const std::string what = "read lease " + name;
  try {
    auto j = nlohmann::json::parse(text);
    Lease l;
    l.address = must_parse(j.at("address").get<std::string>(), what);
    l.prefix = j.at("prefix").get<unsigned>();
    l.gateway = must_parse(j.at("gateway").get<std::string>(), what);
    l.bridge = j.at("bridge").get<std::string>();
    l.containers = j.at("containers").get<std::vector<std::string>>();
    l.pid = j.at("pid").get<int>();
    l.netns_dev = j.at("netns_dev").get<std::uint64_t>();
    l.netns_inode = j.at("netns_inode").get<std::uint64_t>();
    l.host_veth = j.at("host_veth").get<std::string>();
    l.iface = j.value("iface", "eth0");
    l.created = j.value("created", std::int64_t{0});
    l.pids = j.value("pids", std::map<std::string, int>{});
    l.netns_links = j.value("netns_links", std::map<std::string, std::string>{});
    for (const auto& p : j.value("ports", nlohmann::json::array())) {
      auto parsed = wrap(what, [&] { return parse_ports(p.at("mapping").get<std::string>()); });
      if (parsed.size() != 1) throw Error::input(what, "corrupt port entry");
      l.ports.push_back({p.at("id").get<std::string>(), parsed.front()});
    }
    return l;
  } catch (const nlohmann::json::exception& e) {
    throw Error::input(what, std::string("corrupt lease file: ") + e.what());
  }
}

std::vector<PortMapping> Lease::ports_of(const std::string& id) const {
  std::vector<PortMapping> out;
  for (const auto& p : ports)
    if (p.id == id) out.push_back(p.mapping);
  return out;
}

namespace {

std::string port_key(const PortMapping& m) { return m.protocol + "-" + std::to_string(m.host_port); }

struct PortHolder {
  std::optional<IpAddress> host_ip;
  std::string id;
};

std::vector<PortHolder> read_holders(const UniqueFd& dir, const std::string& key) {
  std::vector<PortHolder> out;
  auto text = read_file_at(dir, key);
  if (!text) return out;
  try {
    for (const auto& h : nlohmann::json::parse(*text)) {
      std::string ip = h.at("host_ip").get<std::string>();
      out.push_back({ip.empty() ? std::nullopt : IpAddress::parse(ip), h.at("id").get<std::string>()});
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error::input("read port index ports/" + key, std::string("corrupt: ") + e.what());
  }
  return out;
}

void write_holders(const UniqueFd& dir, const std::string& key, const std::vector<PortHolder>& holders) {
  if (holders.empty()) {
    remove_at(dir, key);
    return;
  }
  auto arr = nlohmann::json::array();
  for (const auto& h : holders) arr.push_back({{"host_ip", h.host_ip ? h.host_ip->str() : ""}, {"id", h.id}});
  write_file_atomic(dir, key, arr.dump() + "\n");
}

}  // namespace

void Pool::check_ports_free(const std::vector<PortMapping>& ports) {
  for (const auto& m : ports) {
    for (const auto& h : read_holders(ports_, port_key(m))) {
      PortMapping theirs = m;
      theirs.host_ip = h.host_ip;
      if (!m.conflicts_with(theirs)) continue;
      // An entry whose container has no lease publishing it is left over
      // from a killed run: it does not hold the port.
      auto holder = find(h.id);
      bool stale = !holder;
      if (holder) {
        auto held = holder->ports_of(h.id);
        stale = std::none_of(held.begin(), held.end(), [&](const PortMapping& p) {
          return p.protocol == m.protocol && p.host_port == m.host_port && p.host_ip == h.host_ip;
        });
      }
      if (!stale)
        throw Error::input("publish " + m.str(), "host port " + std::to_string(m.host_port) + "/" + m.protocol +
                                                     (h.host_ip ? " on " + h.host_ip->str() : "") +
                                                     " is already published by container " + h.id);
    }
  }
}

void Pool::publish(Lease& l, const std::string& id, const std::vector<PortMapping>& ports) {
  for (const auto& m : ports) {
    auto holders = read_holders(ports_, port_key(m));
    holders.push_back({m.host_ip, id});
    write_holders(ports_, port_key(m), holders);
    l.ports.push_back({id, m});
  }
}

void Pool::unpublish(Lease& l, const std::string& id) {
  for (const auto& m : l.ports_of(id)) {
    auto holders = read_holders(ports_, port_key(m));
    std::erase_if(holders, [&](const PortHolder& h) { return h.id == id && h.host_ip == m.host_ip; });
    write_holders(ports_, port_key(m), holders);
  }
  std::erase_if(l.ports, [&](const PublishedPort& p) { return p.id == id; });
}

Pool Pool::open(const std::string& state_dir) {
  Pool p;
  p.path_ = state_dir;
  wrap("open state directory " + state_dir, [&] {
    p.dir_ = open_dir(state_dir, 0700, true);
    check_private(p.dir_);
    p.leases_ = open_subdir(p.dir_, "leases", 0700);
    p.ids_ = open_subdir(p.dir_, "ids", 0700);
    p.netns_ = open_subdir(p.dir_, "netns", 0700);
    p.next_ = open_subdir(p.dir_, "next", 0700);
    p.ports_ = open_subdir(p.dir_, "ports", 0700);
  });
  return p;
}

FileLock Pool::lock() {
  int fd = ::openat(dir_.get(), "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) throw Error::from_errno("open " + path_ + "/lock", errno);
  return FileLock::acquire(UniqueFd(fd), path_ + "/lock", kLockTimeout);
}

std::string Pool::netns_key(std::uint64_t dev, std::uint64_t ino) {
  return std::to_string(dev) + "-" + std::to_string(ino);
}

std::optional<Lease> Pool::load(const std::string& address) {
  auto text = read_file_at(leases_, address);
  if (!text) return std::nullopt;
  return lease_from_json(*text, path_ + "/leases/" + address);
}

void Pool::store(const Lease& l) { write_file_atomic(leases_, l.address.str(), lease_to_json(l)); }

IpAddress Pool::next_free(const Network& net) {
  const Cidr subnet = net.subnet();
  const IpAddress base = subnet.network();
  const std::uint64_t size = *subnet.last().minus(base) + 1;  // prefix <= 30 (validated)
  std::uint64_t start = 0;
  if (auto last = read_file_at(next_, net.bridge)) {
    auto a = IpAddress::parse(trim(*last));
    if (a && subnet.contains(*a)) start = *a->minus(base);
  }
  // Next-fit: the address after the last one handed out, wrapping, so a
  // just-released address is not reused at once.
  for (std::uint64_t step = 1; step <= size; ++step) {
    std::uint64_t off = (start + step) % size;
    IpAddress cand = base.plus(off);
    if (off == 0 || off == size - 1 || cand == net.gateway.address()) continue;
    if (!exists_at(leases_, cand.str())) return cand;
  }
  // ENOSPC tells setup it may collect the leases of dead namespaces and retry.
  throw Error("allocate address on " + net.bridge,
              "the pool " + subnet.network_str() + " is full (" + std::to_string(size - 3) + " addresses leased)",
              Error::Kind::kInput, ENOSPC);
}

Claim Pool::claim(const Network& net, const ClaimRequest& req) {
  auto held = lock();

  if (auto addr = read_file_at(ids_, req.id)) {
    auto l = load(trim(*addr));
    if (l && std::find(l->containers.begin(), l->containers.end(), req.id) != l->containers.end())
      return {ClaimKind::kExisting, *l};
    // An empty lease still indexed by this id: its teardown stopped before the
    // address was freed. The same id is being set up again (its veth name is
    // reused and replaced), so free that address now rather than lose it.
    if (l && l->containers.empty()) remove_at(leases_, l->address.str());
    remove_at(ids_, req.id);  // stale index left by a killed run
  }

  const std::string nskey = netns_key(req.netns_dev, req.netns_inode);
  if (auto addr = read_file_at(netns_, nskey)) {
    auto l = load(trim(*addr));
    if (l && !l->containers.empty() && l->netns_inode == req.netns_inode &&
        l->netns_dev == req.netns_dev && namespace_alive(*l)) {
      if (req.requested && *req.requested != l->address)
        throw Error::input("invalid " + req.requested_source + " \"" + req.requested->str() + "\"",
                           "the container joins the network namespace of " + l->containers.front() +
                               ", which already has " + l->address.str());
      check_ports_free(req.ports);
      l->containers.push_back(req.id);
      l->pids[req.id] = req.pid;
      if (!req.netns_link.empty()) l->netns_links[req.id] = req.netns_link;
      publish(*l, req.id, req.ports);
      store(*l);
      write_file_atomic(ids_, req.id, l->address.str());
      return {ClaimKind::kJoined, *l};
    }
    remove_at(netns_, nskey);  // the namespace it named is gone (its inode was recycled)
  }

  check_ports_free(req.ports);
  IpAddress addr;
  if (req.requested) {
    addr = *req.requested;
    if (auto holder = load(addr.str())) {
      std::string who = holder->containers.empty() ? "a container being torn down" : holder->containers.front();
      throw Error::input("invalid " + req.requested_source + " \"" + addr.str() + "\"",
                         "address is already leased to " + who);
    }
  } else {
    addr = next_free(net);
  }

  Lease l;
  l.address = addr;
  l.prefix = net.gateway.prefix();
  l.gateway = net.gateway.address();
  l.bridge = net.bridge;
  l.containers = {req.id};
  l.pid = req.pid;
  l.pids[req.id] = req.pid;
  if (!req.netns_link.empty()) l.netns_links[req.id] = req.netns_link;
  l.netns_dev = req.netns_dev;
  l.netns_inode = req.netns_inode;
  l.host_veth = req.host_veth;
  l.iface = net.iface;
  l.created = static_cast<std::int64_t>(std::time(nullptr));

  // Indexes first, the lease file last: a run killed in between leaves
  // indexes that point at no lease, which every reader treats as stale, and
  // never a lease that nothing indexes (an address lost for good).
  write_file_atomic(ids_, req.id, addr.str());
  publish(l, req.id, req.ports);
  store(l);
  if (!req.requested) write_file_atomic(next_, net.bridge, addr.str());
  return {ClaimKind::kAllocated, l};
}

void Pool::activate(const Lease& l) {
  auto held = lock();
  write_file_atomic(netns_, netns_key(l.netns_dev, l.netns_inode), l.address.str());
}

void Pool::undo_claim(const Claim& c, const std::string& id) {
  if (c.kind == ClaimKind::kExisting) return;
  auto held = lock();
  auto l = load(c.lease.address.str());
  if (!l) {
    remove_at(ids_, id);
    return;
  }
  l->containers.erase(std::remove(l->containers.begin(), l->containers.end(), id), l->containers.end());
  l->pids.erase(id);
  l->netns_links.erase(id);
  if (c.kind == ClaimKind::kJoined && !l->containers.empty()) {
    unpublish(*l, id);
    store(*l);
    remove_at(ids_, id);
    return;
  }
  // The lease file first (it is the truth), then what pointed at it.
  remove_at(leases_, l->address.str());
  unpublish(*l, id);
  remove_at(ids_, id);
  remove_at(netns_, netns_key(l->netns_dev, l->netns_inode));
}

Drop Pool::drop(const std::string& id, const Lease* only) {
  auto held = lock();
  auto addr = read_file_at(ids_, id);
  if (!addr) return {DropKind::kUnknown, {}};
  auto l = load(trim(*addr));
  if (!l) {
    remove_at(ids_, id);
    return {DropKind::kUnknown, {}};
  }
  if (only && !same_lease(*l, *only)) return {DropKind::kUnknown, {}};
  auto& cs = l->containers;
  auto it = std::find(cs.begin(), cs.end(), id);
  if (it == cs.end()) {
    // An empty lease still indexed by this id: an earlier teardown dropped it
    // but could not finish (the veth would not go). Resume it.
    if (cs.empty()) return {DropKind::kLast, *l};
    remove_at(ids_, id);  // stale index
    return {DropKind::kUnknown, {}};
  }
  cs.erase(it);
  l->pids.erase(id);
  l->netns_links.erase(id);
  unpublish(*l, id);
  if (!cs.empty()) {
    store(*l);
    remove_at(ids_, id);
    return {DropKind::kStillShared, *l};
  }
  // Last container: no new container may join this namespace's lease, but the
  // address stays taken, and the id indexed, until forget() runs after the veth
  // is deleted; a teardown that fails before that can be run again.
  const std::string nskey = netns_key(l->netns_dev, l->netns_inode);
  if (auto idx = read_file_at(netns_, nskey); idx && trim(*idx) == l->address.str()) remove_at(netns_, nskey);
  store(*l);
  return {DropKind::kLast, *l};
}

void Pool::forget(const Lease& l, const std::string& id) {
  auto held = lock();
  auto cur = load(l.address.str());
  if (cur && !cur->containers.empty()) return;  // taken again meanwhile: not ours to free
  remove_at(leases_, l.address.str());
  if (auto idx = read_file_at(ids_, id); idx && trim(*idx) == l.address.str()) remove_at(ids_, id);
}

std::optional<Lease> Pool::find(const std::string& id) {
  auto addr = read_file_at(ids_, id);
  if (!addr) return std::nullopt;
  auto l = load(trim(*addr));
  if (!l || std::find(l->containers.begin(), l->containers.end(), id) == l->containers.end()) return std::nullopt;
  return l;
}

std::vector<std::string> Pool::ids_of(const IpAddress& address) {
  std::vector<std::string> out;
  for (const auto& id : ids()) {
    if (auto a = read_file_at(ids_, id); a && trim(*a) == address.str()) out.push_back(id);
  }
  return out;
}

std::vector<std::string> Pool::ids() {
  std::vector<std::string> out;
  for (auto& id : list_dir(ids_))
    if (!temp_file_writer(id)) out.push_back(std::move(id));
  return out;
}

std::vector<std::string> Pool::remove_dead_temp_files(bool dry_run) {
  std::vector<std::string> out;
  const std::pair<const char*, const UniqueFd*> dirs[] = {
      {"leases", &leases_}, {"ids", &ids_}, {"netns", &netns_}, {"next", &next_}, {"ports", &ports_}};
  for (const auto& [sub, dir] : dirs) {
    for (const auto& name : list_dir(*dir)) {
      auto pid = temp_file_writer(name);
      if (!pid || ::kill(*pid, 0) == 0 || errno != ESRCH) continue;  // not one, or its writer is alive
      out.push_back(std::string(sub) + "/" + name);
      if (!dry_run) remove_at(*dir, name);
    }
  }
  return out;
}

std::vector<Lease> Pool::list() {
  std::vector<Lease> out;
  for (const auto& name : list_dir(leases_)) {
    if (temp_file_writer(name)) continue;  // a write in progress or killed
    if (auto l = load(name)) out.push_back(std::move(*l));
  }
  std::sort(out.begin(), out.end(), [](const Lease& a, const Lease& b) {
    return a.created != b.created ? a.created < b.created : a.address.str() < b.address.str();
  });
  return out;
}

}  // namespace nh
