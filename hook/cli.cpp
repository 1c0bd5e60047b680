#include "hook/cli.hpp"

#include <algorithm>

#include "lib/error.hpp"

namespace nh {

std::string usage() {
  return R"(Usage: netns-hook [OPTIONS] [COMMAND]

An OCI hook that gives a container a network: a host bridge, a veth pair, an
address from a file-locked pool, a default route and outbound NAT. It reads the
container state JSON (as runc, crun and podman write it) on standard input.

Commands:
  (none)        act on the state's "status": "creating"/"created" set up,
                "stopped" tears down
  setup         set up, whatever the status says
  teardown      tear down (by container id; no pid needed)
  ls [--json]   list leases: container, pid, address, host veth, namespace alive, ports
  restore       re-install the firewall rules of every lease (after a firewall
                reload wiped them); adds only what is missing
  gc [--dry-run]  release the leases of namespaces that are gone, delete
                orphan host veths of ours, DNAT rules with no lease and
                temporary files of killed writes; --dry-run only prints
  version       print the version and the libraries' versions
  help          print this help

Options (also keys of a --config JSON file; flags win over the file):
  --bridge NAME       bridge to attach containers to            (default netns0)
  --ip CIDR           bridge address and subnet prefix          (default 172.19.0.1/16)
  --mtu N             MTU of the bridge and both veth ends      (default 1500)
  --iface NAME        interface name inside the container       (default eth0)
  --state-dir DIR     leases and lock file                      (default /run/netns-hook)
  --static-ip IP      address for this container (the annotation netns-hook.ip wins)
  --firewall BACKEND  iptables (libiptc, legacy tables) or none (default iptables)
  --netns-dir DIR     where `ip netns` names are bound          (default /run/netns)
  --netns-prefix P    name prefix: P + container id             (default nh-)
  --no-netns-link     do not name the namespace for `ip netns`
                      (same as --netns-link false)
  --dns IP[,IP]       nameservers for the container's /etc/resolv.conf, written
                      only when the runtime did not provide one (at most 3)
  --log-file FILE     append each log line as a JSON object to FILE too
  --log-level LEVEL   error, info or debug                      (default info)
  --config FILE       read settings from a JSON object, e.g. {"bridge": "br1", "mtu": 1400}
  -d, --debug         log level debug, and the log on stderr as well
  -h, --help          print this help
  -V, --version       print the version and the libraries' versions

Annotations read from the state:
  netns-hook.ip       request a specific address from the pool
  netns-hook.ports    publish ports, Docker's -p syntax, comma-separated:
                      8080:80, 8080:80/udp, 127.0.0.1:8080:80/tcp,
                      8000-8010:8000-8010 (protocols tcp, udp, sctp)
  netns-hook.sysctl   network sysctls set inside the container's namespace,
                      e.g. net.ipv4.tcp_keepalive_time=600,net.core.somaxconn=1024
                      (per-namespace net.* keys only)
  netns-hook.dns      nameservers, as --dns (the annotation wins)
  netns-hook.enable   read by the hooks.d example's "when" (opt-in), not by the hook

Logs go to syslog (identifier netns-hook) and, with --log-file, to a file.
Errors print one line "netns-hook: <what>: <why>" on stderr and to syslog and
exit 1; a failed setup first undoes what it did.
)";
}

Command parse_command_line(const std::vector<std::string>& args) {
  Command cmd;
  bool have_command = false;
  const auto& keys = setting_keys();
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "-h" || arg == "--help") {
      cmd.action = Action::kHelp;
      return cmd;
    }
    if (arg == "-V" || arg == "--version") {
      cmd.action = Action::kVersion;
      return cmd;
    }
    if (arg == "-d" || arg == "--debug") {
      cmd.flags.emplace_back("debug", "true");
      continue;
    }
    if (arg == "--no-netns-link") {
      cmd.flags.emplace_back("netns-link", "false");
      continue;
    }
    if (arg == "--json") {
      cmd.json = true;
      continue;
    }
    if (arg == "--dry-run") {
      cmd.dry_run = true;
      continue;
    }
    if (arg.rfind("--", 0) == 0) {
      std::string key = arg.substr(2), value;
      bool inline_value = false;
      if (auto eq = key.find('='); eq != std::string::npos) {
        value = key.substr(eq + 1);
        key = key.substr(0, eq);
        inline_value = true;
      }
      bool known = key == "config" || std::find(keys.begin(), keys.end(), key) != keys.end();
      if (!known || key == "debug") throw Error::input("unknown option \"" + printable(arg) + "\"", "see netns-hook --help");
      if (!inline_value) {
        if (i + 1 >= args.size()) throw Error::input("option --" + key, "needs a value");
        value = args[++i];
        // "--bridge --mtu 1400" is a forgotten value, not a bridge named "--mtu".
        if (value.rfind("--", 0) == 0)
          throw Error::input("option --" + key, "needs a value, got the option \"" + printable(value) + "\"");
      }
      if (key == "config") cmd.config_path = value;
      else cmd.flags.emplace_back(key, value);
      continue;
    }
    if (arg.size() > 1 && arg[0] == '-') throw Error::input("unknown option \"" + printable(arg) + "\"", "see netns-hook --help");
    if (have_command) throw Error::input("unexpected argument \"" + printable(arg) + "\"", "only one command is allowed");
    have_command = true;
    if (arg == "setup") cmd.action = Action::kSetup;
    else if (arg == "teardown") cmd.action = Action::kTeardown;
    else if (arg == "ls") cmd.action = Action::kList;
    else if (arg == "restore") cmd.action = Action::kRestore;
    else if (arg == "gc") cmd.action = Action::kGc;
    else if (arg == "version") cmd.action = Action::kVersion;
    else if (arg == "help") cmd.action = Action::kHelp;
    else throw Error::input("unknown command \"" + printable(arg) + "\"", "expected setup, teardown, ls, restore, gc, version or help");
  }
  if (cmd.json && cmd.action != Action::kList) throw Error::input("option --json", "only applies to ls");
  if (cmd.dry_run && cmd.action != Action::kGc) throw Error::input("option --dry-run", "only applies to gc");
  return cmd;
}

}  // namespace nh
