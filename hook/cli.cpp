#include "hook/cli.hpp"

#include <algorithm>
#include <charconv>

#include "lib/base/error.hpp"
#include "lib/base/text.hpp"
#include "lib/input/oci_state.hpp"

namespace nh::cli {

using base::Error;
using base::printable;

std::string usage() {
  return R"(Usage: netns-hook [OPTIONS] [COMMAND]

An OCI hook that gives a container a network: a host bridge per network, a
veth pair per network, addresses from file-locked pools, a default route and
outbound NAT. It reads the container state JSON (as runc, crun and podman
write it) on standard input.

Commands:
  (none)        act on the state's "status": "creating"/"created" set up,
                "stopped" tears down
  setup         set up, whatever the status says
  teardown [ID] tear down (by container id; no pid needed): the container of the
                state on stdin, or ID (then no state is read)
  ls [--json]   list attachments: container, pid, network, interface,
                addresses, host veth, bridge, namespace alive, ports, firewall
  restore       re-install the firewall rules every container needs (after a
                firewall reload wiped them); adds only what is missing
  gc [--dry-run]  release what namespaces that are gone hold, finish
                teardowns that stopped half way, delete orphan host veths of
                ours, DNAT rules with no lease, stale state files and
                temporary files of killed writes; --dry-run only prints
  network create NAME [--subnet CIDR]... [--gateway IP]... [--ipv6]
                [--bridge NAME] [--mtu N] [--internal] [--no-isolate]
                [--no-masquerade]
                write a network definition: one subnet per family (without
                an IPv4 --subnet: the first free /24 of 10.89.0.0/16; with
                --ipv6 and no IPv6 --subnet: a random ULA /64); bridge nh-NAME
  network ls [--json]      list the networks and how many containers each has
  network inspect NAME     a network's definition and attachments, as JSON
  network rm NAME          remove a network no container is attached to
  doctor [--json]  check what containers' networks need (kernel, forwarding,
                firewall, other frameworks' drops, each container's veth and
                rules) and say what is wrong; changes nothing; exit 1 on a failure
  version       print the version, the libraries' versions and the firewall backend
  help          print this help

Options (before the command; also keys of a --config JSON file; flags win
over the file):
  --bridge NAME       bridge of the default network                (default netns0)
  --ip CIDR           its bridge address and subnet prefix         (default 172.19.0.1/16)
  --ip6 CIDR          its IPv6 gateway and prefix, e.g. fd00:19::1/64 (default: no IPv6)
  --mtu N             its MTU, and the veths'                      (default 1500)
  --iface NAME        the container's first interface; the next are eth1, eth2, ...
                                                                   (default eth0)
  --network NAME[,NAME...]  the container's networks, in order, unless the
                      annotation netns-hook.networks says  (default: default)
  --networks-dir DIR  network definitions, one NAME.json each
                                                     (default /etc/netns-hook/networks)
  --state-dir DIR     leases and lock file                         (default /run/netns-hook)
  --static-ip IP[,IP...]  addresses for this container, each on the network
                      whose subnet holds it (the annotation netns-hook.ip wins)
  --firewall BACKEND  auto, nftables (libnftnl), iptables (libiptc, legacy
                      tables) or none; auto picks once per state directory:
                      nftables if the host's rules live there  (default auto)
  --netns-dir DIR     where `ip netns` names are bound             (default /run/netns)
  --netns-prefix P    name prefix: P + container id                (default nh-)
  --no-netns-link     do not name the namespace for `ip netns`
                      (same as --netns-link false)
  --dns IP[,IP]       nameservers for the container's /etc/resolv.conf, written
                      only when the runtime did not provide one (at most 3)
  --log-file FILE     append each log line as a JSON object to FILE too
  --log-level LEVEL   error, info or debug                         (default info)
  --config FILE       read settings from a JSON object, e.g. {"bridge": "br1", "mtu": 1400}
  -d, --debug         log level debug, and the log on stderr as well
  -h, --help          print this help
  -V, --version       print the version, the libraries' and the firewall backend

Annotations read from the state:
  netns-hook.networks the container's networks, in order: NAME[,NAME...]
  netns-hook.ip       request addresses: IP[,IP...], each on the network whose
                      subnet holds it
  netns-hook.ports    publish ports (on the first network that is not
                      internal), Docker's -p syntax, comma-separated:
                      8080:80, 8080:80/udp, 127.0.0.1:8080:80/tcp,
                      8000-8010:8000-8010 (protocols tcp, udp, sctp)
  netns-hook.sysctl   network sysctls set inside the container's namespace,
                      e.g. net.ipv4.tcp_keepalive_time=600,net.core.somaxconn=1024
                      (per-namespace net.* keys only)
  netns-hook.dns      nameservers, as --dns (the annotation wins)
  netns-hook.enable   read by the hooks.d example's "when" (opt-in), not by the hook

With CNI_COMMAND set in its environment, netns-hook is a CNI plugin
("type": "netns-hook"; see netns-hook(1) and the README).

Logs go to syslog (identifier netns-hook) and, with --log-file, to a file.
Errors print one line "netns-hook: <what>: <why>" on stderr and to syslog and
exit 1; a failed setup first undoes what it did.
)";
}

namespace {

// Options of `network create`, after its name.
void parse_create_option(Command& cmd, const std::vector<std::string>& args, std::size_t& i) {
  const std::string& arg = args[i];
  auto value = [&]() -> std::string {
    if (i + 1 >= args.size() || args[i + 1].rfind("--", 0) == 0)
      throw Error::input("option " + arg + " of network create", "needs a value");
    return args[++i];
  };
  auto& o = cmd.create;
  if (arg == "--internal") o.internal = true;
  else if (arg == "--no-isolate") o.isolate = false;
  else if (arg == "--no-masquerade") o.masquerade = false;
  else if (arg == "--ipv6") o.ipv6 = true;
  else if (arg == "--subnet") o.subnets.push_back(value());
  else if (arg == "--gateway") o.gateways.push_back(value());
  else if (arg == "--bridge") o.bridge = value();
  else if (arg == "--mtu") {
    std::string v = value();
    unsigned mtu = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), mtu);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size() || mtu < 68 || mtu > 65535)
      throw Error::input("invalid --mtu \"" + printable(v) + "\"", "MTU must be a number from 68 to 65535");
    o.mtu = mtu;
  } else
    throw Error::input("unknown option \"" + printable(arg) + "\" of network create", "see netns-hook --help");
}

// The words after `network`: SUBCOMMAND [NAME] [options].
void parse_network(Command& cmd, const std::vector<std::string>& args, std::size_t i) {
  if (i >= args.size()) throw Error::input("network", "expected create, ls, inspect or rm");
  const std::string sub = args[i++];
  auto name = [&]() -> std::string {
    if (i >= args.size() || args[i].rfind("-", 0) == 0) throw Error::input("network " + sub, "needs a network name");
    return args[i++];
  };
  if (sub == "create") {
    cmd.action = Action::kNetworkCreate;
    cmd.create.name = name();
    for (; i < args.size(); ++i) parse_create_option(cmd, args, i);
    return;
  }
  if (sub == "ls") {
    cmd.action = Action::kNetworkLs;
    for (; i < args.size(); ++i) {
      if (args[i] != "--json") throw Error::input("unexpected argument \"" + printable(args[i]) + "\"", "network ls takes --json only");
      cmd.json = true;
    }
    return;
  }
  if (sub == "inspect" || sub == "rm") {
    cmd.action = sub == "inspect" ? Action::kNetworkInspect : Action::kNetworkRm;
    cmd.network = name();
    if (i < args.size()) throw Error::input("unexpected argument \"" + printable(args[i]) + "\"", "network " + sub + " takes one name");
    return;
  }
  throw Error::input("unknown network command \"" + printable(sub) + "\"", "expected create, ls, inspect or rm");
}

}  // namespace

Command parse_command_line(const std::vector<std::string>& args) {
  Command cmd;
  bool have_command = false;
  const auto& keys = input::setting_keys();
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
    if (have_command && cmd.action == Action::kTeardown && cmd.container_id.empty()) {
      input::validate_container_id(arg, "teardown", "the container id");
      cmd.container_id = arg;
      continue;
    }
    if (have_command) throw Error::input("unexpected argument \"" + printable(arg) + "\"", "only one command is allowed");
    have_command = true;
    if (arg == "network") {
      parse_network(cmd, args, i + 1);
      break;  // the rest were the network command's own
    }
    if (arg == "setup") cmd.action = Action::kSetup;
    else if (arg == "teardown") cmd.action = Action::kTeardown;
    else if (arg == "ls") cmd.action = Action::kList;
    else if (arg == "restore") cmd.action = Action::kRestore;
    else if (arg == "gc") cmd.action = Action::kGc;
    else if (arg == "doctor") cmd.action = Action::kDoctor;
    else if (arg == "version") cmd.action = Action::kVersion;
    else if (arg == "help") cmd.action = Action::kHelp;
    else
      throw Error::input("unknown command \"" + printable(arg) + "\"",
                         "expected setup, teardown, ls, restore, gc, doctor, network, version or help");
  }
  const bool lists = cmd.action == Action::kList || cmd.action == Action::kNetworkLs || cmd.action == Action::kDoctor;
  if (cmd.json && !lists) throw Error::input("option --json", "only applies to ls, network ls and doctor");
  if (cmd.dry_run && cmd.action != Action::kGc) throw Error::input("option --dry-run", "only applies to gc");
  return cmd;
}

}  // namespace nh::cli
