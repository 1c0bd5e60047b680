#include "lib/admin/doctor.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <dlfcn.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <sstream>

#include "lib/base/error.hpp"
#include "lib/base/sysctl.hpp"
#include "lib/firewall/detect.hpp"
#include "lib/firewall/firewall.hpp"
#include "lib/ipam/pool.hpp"
#include "lib/net/store.hpp"
#include "lib/netlink/link.hpp"
#include "lib/pipeline/check.hpp"
#include "lib/pipeline/firewall_choice.hpp"
#include "lib/pipeline/intents.hpp"

namespace nh::admin {

namespace {

Finding ok(std::string check, std::string detail) { return {std::move(check), "ok", std::move(detail), ""}; }
Finding warn(std::string check, std::string detail, std::string hint) {
  return {std::move(check), "warn", std::move(detail), std::move(hint)};
}
Finding fail(std::string check, std::string detail, std::string hint) {
  return {std::move(check), "fail", std::move(detail), std::move(hint)};
}

std::string kernel_release() {
  utsname u{};
  return ::uname(&u) == 0 ? u.release : "";
}

// The kernel's build configuration (CONFIG_X -> 'y' or 'm'), from
// /proc/config.gz or /boot/config-RELEASE; empty when neither is there.
std::map<std::string, char> kernel_config(std::string* source) {
  std::map<std::string, char> out;
  auto take = [&](const std::string& line) {
    auto eq = line.find('=');
    if (line.rfind("CONFIG_", 0) == 0 && eq != std::string::npos && eq + 1 < line.size())
      out[line.substr(0, eq)] = line[eq + 1];
  };
  // zlib is loaded here, for this one file, rather than linked: every hook
  // run would load it at start otherwise. (Debian always has it.)
  if (void* z = ::dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL)) {
    using Open = void* (*)(const char*, const char*);
    using Gets = char* (*)(void*, char*, int);
    using Close = int (*)(void*);
    auto gzopen = reinterpret_cast<Open>(::dlsym(z, "gzopen"));
    auto gzgets = reinterpret_cast<Gets>(::dlsym(z, "gzgets"));
    auto gzclose = reinterpret_cast<Close>(::dlsym(z, "gzclose"));
    if (gzopen && gzgets && gzclose)
      if (void* gz = gzopen("/proc/config.gz", "rb")) {
        char buf[512];
        while (gzgets(gz, buf, sizeof buf)) {
          std::string line(buf);
          while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
          take(line);
        }
        gzclose(gz);
        if (!out.empty()) *source = "/proc/config.gz";
      }
    ::dlclose(z);
    if (!out.empty()) return out;
  }
  std::ifstream boot("/boot/config-" + kernel_release());
  std::string line;
  while (std::getline(boot, line)) take(line);
  if (!out.empty()) *source = "/boot/config-" + kernel_release();
  return out;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// A kernel piece: loaded, built in, a module to load on first use, or absent.
Finding kernel_piece(const std::string& what, const std::string& module, const std::vector<std::string>& options,
                     const std::map<std::string, char>& config, const std::string& source) {
  const std::string check = "kernel: " + what;
  if (exists("/sys/module/" + module)) return ok(check, module + " is loaded");
  if (config.empty())
    return warn(check, "cannot tell: " + module + " is not loaded, and there is no /proc/config.gz nor /boot/config-" +
                           kernel_release(),
                "a setup needing it fails with a clear error if the kernel lacks it");
  for (const auto& o : options) {
    auto it = config.find(o);
    if (it == config.end()) continue;
    if (it->second == 'y') return ok(check, "built into the kernel (" + o + "=y in " + source + ")");
    if (it->second == 'm') {
      const std::string dir = "/lib/modules/" + kernel_release();
      if (exists(dir)) return ok(check, "a module (" + o + "=m), loaded on first use");
      return fail(check, o + "=m, but there are no modules for this kernel in " + dir,
                  "install the modules of kernel " + kernel_release());
    }
  }
  return fail(check, "not in this kernel (" + options.front() + " is not set in " + source + ")",
              "use a kernel built with " + options.front());
}

// /proc/self/mountinfo's line for the mount point `dir`, "" when it is none.
std::string mount_line(const std::string& dir) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line, found;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, point;
    fields >> id >> parent >> devno >> root >> point;
    if (point == dir) found = line;  // the last one is the one on top
  }
  return found;
}

std::vector<std::string> bridges_of(const std::vector<ipam::Sandbox>& sandboxes, const input::Settings& settings) {
  std::set<std::string> out{settings.default_network.bridge};
  for (const auto& s : sandboxes)
    for (const auto& a : s.attachments) out.insert(a.network.bridge);
  return {out.begin(), out.end()};
}

// `dual_stack_defined`: the options or a network file describe a network
// with an IPv6 subnet, in use or not.
void check_forwarding(const std::vector<ipam::Sandbox>& sandboxes, bool dual_stack_defined, std::vector<Finding>& out) {
  std::size_t containers = 0;
  bool dual_stack = false;
  for (const auto& s : sandboxes) {
    containers += s.members.size();
    for (const auto& a : s.attachments) dual_stack = dual_stack || a.network.subnet(AF_INET6);
  }
  const std::string v4 = base::read_sysctl("net/ipv4/ip_forward");
  if (v4 == "1") out.push_back(ok("ip forwarding", "net.ipv4.ip_forward is 1"));
  else if (containers == 0)
    out.push_back(warn("ip forwarding", "net.ipv4.ip_forward is " + v4 + ", no container is set up",
                       "the next setup turns it on; a later `sysctl -p` may turn it off again"));
  else
    out.push_back(fail("ip forwarding",
                       "net.ipv4.ip_forward is " + v4 + " while " + std::to_string(containers) +
                           " containers are set up: no packet of theirs leaves their bridge",
                       "sysctl -w net.ipv4.ip_forward=1, and make it stay (a later `sysctl -p` turned it off?)"));
  if (!dual_stack && !dual_stack_defined) return;
  const std::string v6 = base::read_sysctl("net/ipv6/conf/all/forwarding");
  if (v6 == "1")
    out.push_back(ok("ipv6 forwarding", std::string("net.ipv6.conf.all.forwarding is 1 (a dual-stack network is ") +
                                            (dual_stack ? "in use)" : "defined)")));
  else if (!dual_stack)
    out.push_back(warn("ipv6 forwarding",
                       "net.ipv6.conf.all.forwarding is " + v6 + ", and a dual-stack network is defined but not in use",
                       "the first setup on it turns it on; a later `sysctl -p` may turn it off again"));
  else
    out.push_back(fail("ipv6 forwarding", "net.ipv6.conf.all.forwarding is " + v6 + " while a dual-stack network is in use",
                       "sysctl -w net.ipv6.conf.all.forwarding=1"));
}

bool dual_stack_defined(const input::Settings& settings) {
  if (settings.default_network.subnet(AF_INET6)) return true;
  for (const auto& n : net::NetworkStore(settings.networks_dir).scan().networks)
    if (n.subnet(AF_INET6)) return true;
  return false;
}

void check_br_netfilter(std::vector<Finding>& out) {
  if (!exists("/proc/sys/net/bridge/bridge-nf-call-iptables")) {
    out.push_back(ok("br_netfilter", "not loaded: traffic between containers of one bridge skips the firewall"));
    return;
  }
  const std::string call = base::read_sysctl("net/bridge/bridge-nf-call-iptables");
  if (call != "1") {
    out.push_back(ok("br_netfilter", "loaded, bridge-nf-call-iptables is " + call + ": bridged traffic skips the firewall"));
    return;
  }
  out.push_back(warn("br_netfilter",
                     "loaded with bridge-nf-call-iptables=1: traffic between containers of one bridge goes through "
                     "the firewall's forward hooks",
                     "netns-hook accepts it (and sets hairpin mode for published ports), but another framework's "
                     "forward drop stops it too: see the forward-chain check"));
}

void check_firewall(const input::Settings& settings, const std::vector<std::string>& bridges,
                    const std::map<std::string, char>& config, const std::string& source, std::vector<Finding>& out) {
  std::string backend;
  try {
    auto status = pipeline::firewall_status(settings);
    backend = status.backend;
    out.push_back(ok("firewall backend", status.how));
  } catch (const base::Error& e) {
    out.push_back(fail("firewall backend", e.what(), "use --firewall none and manage NAT yourself"));
    return;
  }
  if (backend == "none") return;
  const std::string probed = firewall::probe_interface(backend);
  if (backend == "nftables") {
    out.push_back(kernel_piece("nftables", "nf_tables", {"CONFIG_NF_TABLES"}, config, source));
    if (probed.empty()) out.push_back(ok("firewall interface", "nf_tables answers"));
    else out.push_back(fail("firewall interface", "nf_tables does not answer: " + probed, "use --firewall iptables"));
    out.push_back(ok("where the rules are", "nft list table inet netns_hook"));
  } else {
    out.push_back(kernel_piece("legacy x_tables", "ip_tables", {"CONFIG_IP_NF_IPTABLES"}, config, source));
    if (probed.empty()) out.push_back(ok("firewall interface", "the legacy x_tables interface answers"));
    else
      out.push_back(fail("firewall interface", "the legacy x_tables interface does not answer: " + probed,
                         "use --firewall nftables"));
    out.push_back(ok("where the rules are",
                     "iptables-legacy -t nat -S and iptables-legacy -S (ip6tables-legacy for IPv6); "
                     "`iptables` where it is the nft variant does not show them"));
  }
  auto drops = firewall::foreign_forward_drops(backend, bridges);
  if (drops.empty()) out.push_back(ok("forward chains of others", "none drops forwarded packets by policy or by a last rule"));
  for (const auto& d : drops) {
    auto colon = d.find(": ");
    out.push_back(fail("forward chains of others", d.substr(0, colon), colon == std::string::npos ? "" : d.substr(colon + 2)));
  }
}

void check_netns_dir(const input::Settings& settings, std::vector<Finding>& out) {
  if (!settings.netns_link) {
    out.push_back(ok("ip netns names", "off (--no-netns-link)"));
    return;
  }
  const std::string& dir = settings.netns_dir;
  const std::string line = mount_line(dir);
  if (line.empty()) {
    out.push_back(ok("ip netns names", dir + " is not a mount point yet: the first setup makes it a shared one"));
    return;
  }
  if (line.find(" shared:") != std::string::npos) {
    out.push_back(ok("ip netns names", dir + " is a shared mount: names bound there show in every mount namespace"));
    return;
  }
  out.push_back(warn("ip netns names", dir + " is a mount point without shared propagation",
                     "names the hook binds there are not seen from other mount namespaces: mount --make-rshared " + dir));
}

// The checks of one container (its namespace, veths and rules).
void check_container(netlink::Netlink& host, const ipam::Sandbox& s, const std::string& who, std::vector<Finding>& out) {
  if (!ipam::namespace_alive(s)) {
    out.push_back(warn(who + ": namespace", "its network namespace is gone, its leases are still held",
                       "netns-hook gc releases them (the gc timer does it every 15 minutes)"));
    return;
  }
  out.push_back(ok(who + ": namespace", "alive"));
  for (const auto& a : s.attachments) {
    if (a.releasing) continue;
    const std::string check = who + " on " + a.network.name + ": veth";
    if (a.building_pid != 0) {
      out.push_back(ok(check, "being set up by pid " + std::to_string(a.building_pid)));
      continue;
    }
    std::vector<std::string> problems;
    pipeline::check_host_side(host, a, problems);
    if (problems.empty())
      out.push_back(ok(check, a.host_veth + " on " + a.network.bridge));
    else
      out.push_back(fail(check, problems.front(),
                         "the container has no network on " + a.network.name + ": restart it (teardown, then setup)"));
  }
  const firewall::Change wanted = pipeline::intents_of(s);
  std::vector<std::string> missing;
  try {
    missing = firewall::make_firewall(s.firewall)->missing(wanted);
  } catch (const base::Error& e) {
    out.push_back(fail(who + ": rules", std::string("cannot read the firewall: ") + e.what(), "see the firewall checks above"));
    return;
  }
  if (missing.empty())
    out.push_back(ok(who + ": rules", "all present (" + s.firewall + ")"));
  else
    out.push_back(fail(who + ": rules",
                       std::to_string(missing.size()) + " missing, e.g. " + missing.front(),
                       "netns-hook restore puts them back (a firewall reload wiped them?)"));
}

void check_containers(const std::vector<ipam::Sandbox>& sandboxes, std::vector<Finding>& out) {
  if (sandboxes.empty()) {
    out.push_back(ok("containers", "none is set up"));
    return;
  }
  auto host = netlink::Netlink::connect();
  for (const auto& s : sandboxes) {
    if (s.members.empty()) continue;  // being torn down
    std::string ids;
    for (const auto& m : s.members) ids += (ids.empty() ? "" : ", ") + m.id;
    const std::string who = "container " + ids;
    // One container's check that cannot finish is its finding; the others go on.
    try {
      check_container(host, s, who, out);
    } catch (const base::Error& e) {
      out.push_back(fail(who, std::string("cannot check it: ") + e.what(), "the other findings stand; see the message"));
    }
  }
}

}  // namespace

std::vector<Finding> diagnose(const input::Settings& settings) {
  std::vector<Finding> out;
  std::string source;
  const auto config = kernel_config(&source);
  out.push_back(kernel_piece("veth", "veth", {"CONFIG_VETH"}, config, source));
  out.push_back(kernel_piece("bridge", "bridge", {"CONFIG_BRIDGE"}, config, source));
  out.push_back(kernel_piece("nat", "nf_nat", {"CONFIG_NF_NAT"}, config, source));

  std::optional<ipam::Pool> pool;
  std::vector<ipam::Sandbox> sandboxes;
  // Opening it would create it, or its missing parts: a missing one is a
  // finding, not something to make.
  std::string missing_part;
  for (const char* part : {"", "/sandboxes", "/containers", "/pools", "/next", "/ports"})
    if (missing_part.empty() && !exists(settings.state_dir + part)) missing_part = settings.state_dir + part;
  if (missing_part == settings.state_dir) {
    out.push_back(ok("state directory", settings.state_dir + " does not exist yet: no container was set up"));
  } else if (!missing_part.empty()) {
    out.push_back(fail("state directory", missing_part + " is missing: this is not a state directory of this version",
                       "point --state-dir at netns-hook's state directory; stop containers before upgrading"));
  } else {
    try {
      pool.emplace(ipam::Pool::open(settings.state_dir));
      sandboxes = pool->list();
      out.push_back(ok("state directory", settings.state_dir + ": " + std::to_string(sandboxes.size()) + " namespaces recorded"));
    } catch (const base::Error& e) {
      out.push_back(fail("state directory", e.what(), "fix it, or point --state-dir elsewhere"));
    }
  }
  // A check that cannot finish is a finding of its own; the report goes on.
  auto guarded = [&](const std::string& check, const auto& run) {
    try {
      run();
    } catch (const base::Error& e) {
      out.push_back(fail(check, std::string("cannot check it: ") + e.what(), "the other findings stand; see the message"));
    }
  };
  guarded("ip forwarding", [&] { check_forwarding(sandboxes, dual_stack_defined(settings), out); });
  guarded("br_netfilter", [&] { check_br_netfilter(out); });
  guarded("firewall", [&] {
    check_firewall(settings, bridges_of(sandboxes, settings), config, source, out);
  });
  guarded("ip netns names", [&] { check_netns_dir(settings, out); });
  guarded("containers", [&] { check_containers(sandboxes, out); });
  return out;
}

bool doctor(const input::Settings& settings, bool json, std::ostream& out) {
  const auto findings = diagnose(settings);
  bool healthy = true;
  for (const auto& f : findings) healthy = healthy && f.status != "fail";
  if (json) {
    auto arr = nlohmann::json::array();
    for (const auto& f : findings)
      arr.push_back({{"check", f.check}, {"status", f.status}, {"detail", f.detail}, {"hint", f.hint}});
    out << arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return healthy;
  }
  std::size_t width = 0;
  for (const auto& f : findings) width = std::max(width, f.check.size());
  for (const auto& f : findings) {
    out << f.status << std::string(6 - f.status.size(), ' ') << f.check << std::string(width - f.check.size() + 2, ' ')
        << f.detail << "\n";
    if (!f.hint.empty()) out << std::string(6, ' ') << "hint: " << f.hint << "\n";
  }
  return healthy;
}

}  // namespace nh::admin
