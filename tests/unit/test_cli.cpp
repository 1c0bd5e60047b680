// parse_command_line and usage().
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "hook/cli.hpp"
#include "lib/base/error.hpp"

using nh::cli::Action;
using nh::input::Setting;
using Args = std::vector<std::string>;

namespace {

nh::cli::Command parse(const Args& args) { return nh::cli::parse_command_line(args); }

void expect_refused(const Args& args, const std::string& needle) {
  std::string joined;
  for (const auto& a : args) joined += " " + a;
  INFO("args:" << joined);
  try {
    parse(args);
    FAIL("the command line was accepted");
  } catch (const nh::base::Error& e) {
    INFO("message: " << e.what());
    CHECK(std::string(e.what()).find(needle) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("no arguments: act on the state's status", "[cli]") {
  auto c = parse({});
  CHECK(c.action == Action::kAuto);
  CHECK_FALSE(c.json);
  CHECK_FALSE(c.config_path.has_value());
  CHECK(c.flags.empty());
}

TEST_CASE("sub-commands", "[cli]") {
  CHECK(parse({"setup"}).action == Action::kSetup);
  CHECK(parse({"teardown"}).action == Action::kTeardown);
  CHECK(parse({"ls"}).action == Action::kList);
  CHECK(parse({"version"}).action == Action::kVersion);
  CHECK(parse({"help"}).action == Action::kHelp);
  CHECK(parse({"-h"}).action == Action::kHelp);
  CHECK(parse({"--help"}).action == Action::kHelp);
  CHECK(parse({"-V"}).action == Action::kVersion);
  CHECK(parse({"--version"}).action == Action::kVersion);
}

TEST_CASE("ls --json", "[cli]") {
  auto c = parse({"ls", "--json"});
  CHECK(c.action == Action::kList);
  CHECK(c.json);
  auto before = parse({"--json", "ls"});
  CHECK(before.action == Action::kList);
  CHECK(before.json);
  CHECK_FALSE(parse({"ls"}).json);
}

TEST_CASE("--json without ls is refused", "[cli]") {
  expect_refused({"--json"}, "only applies to ls");
  expect_refused({"setup", "--json"}, "only applies to ls");
  expect_refused({"teardown", "--json"}, "--json");
}

TEST_CASE("teardown ID: a bad id is named as such, with no state involved", "[cli]") {
  expect_refused({"teardown", "a/b"}, "teardown: the container id \"a/b\" has a character other than");
  CHECK_THROWS_WITH(parse({"teardown", "a/b"}), !Catch::Contains("container state"));
}

TEST_CASE("options as --key=value and --key value, in order", "[cli]") {
  auto c = parse({"--bridge=br1", "--mtu", "1400", "setup", "--ip=10.0.0.1/24", "--static-ip", "10.0.0.7",
                  "--mtu=9000"});
  CHECK(c.action == Action::kSetup);
  REQUIRE(c.flags.size() == 5);
  CHECK(c.flags[0] == Setting{"bridge", "br1"});
  CHECK(c.flags[1] == Setting{"mtu", "1400"});
  CHECK(c.flags[2] == Setting{"ip", "10.0.0.1/24"});
  CHECK(c.flags[3] == Setting{"static-ip", "10.0.0.7"});
  CHECK(c.flags[4] == Setting{"mtu", "9000"});
  // Later flags win once the settings are built.
  CHECK(nh::input::build_settings(c.config_path, c.flags).default_network.mtu == 9000);
}

TEST_CASE("a value may contain '=' and may be empty with --key=", "[cli]") {
  auto c = parse({"--state-dir=/run/a=b", "--iface="});
  REQUIRE(c.flags.size() == 2);
  CHECK(c.flags[0] == Setting{"state-dir", "/run/a=b"});
  CHECK(c.flags[1] == Setting{"iface", ""});
}

TEST_CASE("every setting key is an option", "[cli]") {
  for (const auto& key : nh::input::setting_keys()) {
    if (key == "debug") continue;  // a switch: -d / --debug
    INFO("--" << key);
    auto c = parse({"--" + key, "v"});
    REQUIRE(c.flags.size() == 1);
    CHECK(c.flags[0] == Setting{key, "v"});
  }
}

TEST_CASE("-d and --debug add debug", "[cli]") {
  for (const char* flag : {"-d", "--debug"}) {
    auto c = parse({flag, "teardown"});
    CHECK(c.action == Action::kTeardown);
    REQUIRE(c.flags.size() == 1);
    CHECK(c.flags[0] == Setting{"debug", "true"});
    CHECK(nh::input::build_settings(c.config_path, c.flags).debug);
  }
}

TEST_CASE("--config captures the path and is not a setting", "[cli]") {
  auto a = parse({"--config", "/etc/netns-hook.json", "setup"});
  CHECK(a.config_path == std::optional<std::string>("/etc/netns-hook.json"));
  CHECK(a.flags.empty());
  auto b = parse({"--config=/tmp/x.json"});
  CHECK(b.config_path == std::optional<std::string>("/tmp/x.json"));
}

TEST_CASE("unknown options are refused naming them", "[cli]") {
  expect_refused({"--colour", "blue"}, "unknown option \"--colour\"");
  expect_refused({"--colour=blue"}, "unknown option \"--colour=blue\"");
  expect_refused({"-x"}, "unknown option \"-x\"");
  expect_refused({"-dd"}, "unknown option \"-dd\"");
  expect_refused({"--debug=true"}, "unknown option");
}

TEST_CASE("an option missing its value is refused", "[cli]") {
  expect_refused({"--bridge"}, "--bridge: needs a value");
  expect_refused({"setup", "--mtu"}, "--mtu: needs a value");
  expect_refused({"--config"}, "--config: needs a value");
}

TEST_CASE("unknown and repeated commands are refused", "[cli]") {
  expect_refused({"setup", "teardown"}, "unexpected argument \"teardown\"");
  expect_refused({"ls", "ls"}, "only one command is allowed");
  expect_refused({"start"}, "unknown command \"start\"");
}

TEST_CASE("usage mentions every option and command", "[cli]") {
  const std::string u = nh::cli::usage();
  for (const auto& key : nh::input::setting_keys()) {
    INFO("--" << key);
    CHECK(u.find("--" + key) != std::string::npos);
  }
  for (const char* s : {"--config", "--json", "-d,", "setup", "teardown", "ls", "version", "help", "netns-hook.ip"})
    CHECK(u.find(s) != std::string::npos);
}

TEST_CASE("an option followed by another option has no value", "[cli]") {
  expect_refused({"--bridge", "--mtu", "1400"}, "option --bridge: needs a value, got the option \"--mtu\"");
}

TEST_CASE("gc, --dry-run and restore", "[cli]") {
  CHECK(parse({"gc"}).action == Action::kGc);
  CHECK(parse({"gc", "--dry-run"}).dry_run);
  CHECK_FALSE(parse({"gc"}).dry_run);
  CHECK(parse({"restore"}).action == Action::kRestore);
  expect_refused({"ls", "--dry-run"}, "option --dry-run: only applies to gc");
}

TEST_CASE("network commands: global options before, the command's own after its name", "[cli]") {
  auto c = parse({"--networks-dir", "/etc/n", "network", "create", "web", "--subnet", "10.89.5.0/24", "--gateway",
                  "10.89.5.254", "--bridge", "br-web", "--mtu", "1400", "--internal", "--no-isolate",
                  "--no-masquerade"});
  CHECK(c.action == Action::kNetworkCreate);
  CHECK(c.flags == std::vector<Setting>{{"networks-dir", "/etc/n"}});
  CHECK(c.create.name == "web");
  CHECK(c.create.subnets == std::vector<std::string>{"10.89.5.0/24"});
  CHECK(c.create.gateways == std::vector<std::string>{"10.89.5.254"});
  CHECK_FALSE(c.create.ipv6);
  CHECK(c.create.bridge == std::optional<std::string>("br-web"));
  CHECK(c.create.mtu == std::optional<unsigned>(1400));
  CHECK(c.create.internal);
  CHECK_FALSE(c.create.isolate);
  CHECK_FALSE(c.create.masquerade);

  auto dual = parse({"network", "create", "v6", "--ipv6", "--subnet", "10.89.6.0/24", "--subnet", "fd00:6::/64"});
  CHECK(dual.create.ipv6);
  CHECK(dual.create.subnets == std::vector<std::string>{"10.89.6.0/24", "fd00:6::/64"});

  auto plain = parse({"network", "create", "db"});
  CHECK(plain.create.subnets.empty());
  CHECK(plain.create.isolate);
  CHECK(plain.create.masquerade);
  CHECK_FALSE(plain.create.internal);

  CHECK(parse({"network", "ls"}).action == Action::kNetworkLs);
  CHECK(parse({"network", "ls", "--json"}).json);
  auto inspect = parse({"network", "inspect", "web"});
  CHECK(inspect.action == Action::kNetworkInspect);
  CHECK(inspect.network == "web");
  CHECK(parse({"network", "rm", "web"}).action == Action::kNetworkRm);
}

TEST_CASE("bad network commands are refused naming the argument", "[cli]") {
  auto refused = [](const Args& a, const std::string& why) {
    INFO(why);
    CHECK_THROWS_WITH(parse(a), Catch::Contains(why));
  };
  refused({"network"}, "expected create, ls, inspect or rm");
  refused({"network", "frob"}, "unknown network command \"frob\"");
  refused({"network", "create"}, "needs a network name");
  refused({"network", "create", "--subnet", "x"}, "needs a network name");
  refused({"network", "create", "web", "--vlan", "3"}, "unknown option \"--vlan\" of network create");
  refused({"network", "create", "web", "--subnet"}, "option --subnet of network create: needs a value");
  refused({"network", "create", "web", "--mtu", "9"}, "MTU must be a number from 68 to 65535");
  refused({"network", "inspect"}, "needs a network name");
  refused({"network", "rm", "a", "b"}, "network rm takes one name");
  refused({"network", "ls", "--all"}, "network ls takes --json only");
  refused({"gc", "--json"}, "only applies to ls, network ls and doctor");
}
