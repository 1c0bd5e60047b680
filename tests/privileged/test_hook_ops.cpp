// setup() and teardown() on a child network namespace, end to end in the library.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>

#include "helpers.hpp"
#include "lib/error.hpp"
#include "lib/firewall.hpp"
#include "lib/hook_ops.hpp"
#include "lib/ipam.hpp"
#include "lib/names.hpp"
#include "lib/rtnl.hpp"

using nh::SetupOutcome;
using nh_test::ContainerNetns;
using nh_test::ip_json;
using nh_test::run;

namespace {

// Settings for one test: its own bridge, state directory and firewall rules,
// all removed at the end. The subnet is the default 172.19.0.1/16.
struct HookEnv {
  nh_test::TempDir dir;
  nh::Settings settings;
  nh_test::AtExit cleanup{[this] {
    auto nl = nh::Netlink::connect();
    for (const auto& l : nh::Pool::open(settings.state_dir).list()) nh::delete_link(nl, l.host_veth);
    nh::delete_link(nl, settings.network.bridge);
    nh::make_firewall("iptables")->remove(nh::bridge_rules(settings.network));
  }};

  HookEnv() {
    settings.network.bridge = nh_test::unique_name("nhb");
    settings.state_dir = dir.path() + "/state";
  }
  nh::Pool pool() const { return nh::Pool::open(settings.state_dir); }
};

nh::State creating(const std::string& id, int pid) {
  nh::State s;
  s.id = id;
  s.status = "creating";
  s.pid = pid;
  s.bundle = "/tmp/bundle";
  return s;
}

nh::State stopped(const std::string& id) {
  nh::State s;
  s.id = id;
  s.status = "stopped";
  return s;
}

bool host_link_exists(const std::string& name) {
  auto nl = nh::Netlink::connect();
  return nh::find_link(nl, name).has_value();
}

// Pings `addr` once from the child's namespace (ping, or busybox's).
int ping_from(const ContainerNetns& ctr, const std::string& addr) {
  return run("if command -v ping >/dev/null; then P=ping; else P=\"busybox ping\"; fi; " + ctr.in() +
             "$P -c1 -W2 " + addr + " >/dev/null")
      .status;
}

}  // namespace

TEST_CASE("setup configures the container, is idempotent, and teardown undoes it", "[hook_ops]") {
  NH_REQUIRE_ROOT();
  HookEnv env;
  ContainerNetns ctr;
  const std::string id = "ctr-" + nh_test::unique_name("a");

  auto res = nh::setup(env.settings, creating(id, ctr.pid()));
  REQUIRE(res.outcome == SetupOutcome::kConfigured);
  CHECK(res.lease.address.str() == "172.19.0.2");
  CHECK(res.lease.host_veth == nh::host_veth_name(id));

  // Inside the container: eth0 up with the leased address, default route via the bridge.
  auto addrs = ip_json("-4 addr show dev eth0", ctr.in());
  REQUIRE(addrs.size() == 1);
  CHECK(addrs[0]["operstate"] != "DOWN");
  REQUIRE(addrs[0]["addr_info"].size() == 1);
  CHECK(addrs[0]["addr_info"][0]["local"] == "172.19.0.2");
  CHECK(addrs[0]["addr_info"][0]["prefixlen"] == 16);
  auto routes = ip_json("-4 route show default", ctr.in());
  REQUIRE(routes.size() == 1);
  CHECK(routes[0]["gateway"] == "172.19.0.1");
  CHECK(routes[0]["dev"] == "eth0");
  auto lo = ip_json("link show lo", ctr.in());
  REQUIRE(lo.size() == 1);
  CHECK(lo[0]["flags"].dump().find("\"UP\"") != std::string::npos);

  // On the host: the veth is on the bridge; the gateway answers.
  auto nl = nh::Netlink::connect();
  auto veth = nh::find_link(nl, res.lease.host_veth);
  auto br = nh::find_link(nl, env.settings.network.bridge);
  REQUIRE(veth.has_value());
  REQUIRE(br.has_value());
  CHECK(veth->master == br->index);
  CHECK(ping_from(ctr, "172.19.0.1") == 0);
  CHECK(run("iptables-legacy-save -t nat").out.find("netns-hook:" + env.settings.network.bridge) != std::string::npos);

  auto again = nh::setup(env.settings, creating(id, ctr.pid()));
  CHECK(again.outcome == SetupOutcome::kExisting);
  CHECK(again.lease.address == res.lease.address);
  CHECK(ip_json("-4 addr show dev eth0", ctr.in())[0]["addr_info"].size() == 1);

  nh::teardown(env.settings, stopped(id));
  CHECK_FALSE(host_link_exists(res.lease.host_veth));
  CHECK(nh_test::link_absent("eth0", ctr.in()));
  CHECK_FALSE(env.pool().find(id).has_value());
  CHECK(env.pool().list().empty());
  CHECK(host_link_exists(env.settings.network.bridge));  // stays for the next container
  CHECK_NOTHROW(nh::teardown(env.settings, stopped(id)));  // a second teardown is fine
}

TEST_CASE("a second container in the same namespace joins and leaves", "[hook_ops]") {
  NH_REQUIRE_ROOT();
  HookEnv env;
  ContainerNetns ctr;
  const std::string a = "pod-" + nh_test::unique_name("a"), b = "pod-" + nh_test::unique_name("b");
  auto first = nh::setup(env.settings, creating(a, ctr.pid()));
  REQUIRE(first.outcome == SetupOutcome::kConfigured);
  auto second = nh::setup(env.settings, creating(b, ctr.pid()));
  CHECK(second.outcome == SetupOutcome::kJoined);
  CHECK(second.lease.address == first.lease.address);
  CHECK_FALSE(host_link_exists(nh::host_veth_name(b)));  // no veth of its own

  nh::teardown(env.settings, stopped(a));  // b still uses the namespace
  CHECK(host_link_exists(first.lease.host_veth));
  CHECK(ping_from(ctr, "172.19.0.1") == 0);
  nh::teardown(env.settings, stopped(b));
  CHECK_FALSE(host_link_exists(first.lease.host_veth));
  CHECK(env.pool().list().empty());
}

TEST_CASE("two containers on one bridge reach each other", "[hook_ops]") {
  NH_REQUIRE_ROOT();
  HookEnv env;
  ContainerNetns c1, c2;
  auto r1 = nh::setup(env.settings, creating(nh_test::unique_name("c"), c1.pid()));
  auto r2 = nh::setup(env.settings, creating(nh_test::unique_name("c"), c2.pid()));
  REQUIRE(r1.outcome == SetupOutcome::kConfigured);
  REQUIRE(r2.outcome == SetupOutcome::kConfigured);
  CHECK(r1.lease.address != r2.lease.address);
  CHECK(ping_from(c1, r2.lease.address.str()) == 0);
}

TEST_CASE("setup of a host-network container does nothing", "[hook_ops]") {
  NH_REQUIRE_ROOT();
  HookEnv env;
  auto res = nh::setup(env.settings, creating(nh_test::unique_name("h"), ::getpid()));
  CHECK(res.outcome == SetupOutcome::kHostNetwork);
  CHECK_FALSE(host_link_exists(env.settings.network.bridge));
  CHECK(env.pool().list().empty());
}

TEST_CASE("setup without a pid is refused", "[hook_ops]") {
  NH_REQUIRE_ROOT();
  HookEnv env;
  CHECK_THROWS_WITH(nh::setup(env.settings, stopped("nopid")), Catch::Contains("no pid"));
}

TEST_CASE("a setup whose static IP is taken rolls back", "[hook_ops]") {
  NH_REQUIRE_ROOT();
  HookEnv env;
  ContainerNetns c1, c2;
  const std::string a = nh_test::unique_name("s"), b = nh_test::unique_name("s");
  auto first_state = creating(a, c1.pid());
  first_state.annotations[nh::kAnnotationIp] = "172.19.0.50";
  auto first = nh::setup(env.settings, first_state);
  REQUIRE(first.outcome == SetupOutcome::kConfigured);
  CHECK(first.lease.address.str() == "172.19.0.50");

  auto settings = env.settings;
  settings.static_ip = nh::IpAddress::parse("172.19.0.50");
  CHECK_THROWS_WITH(nh::setup(settings, creating(b, c2.pid())),
                    Catch::Contains("set up container " + b) && Catch::Contains("already leased to " + a));
  CHECK_FALSE(host_link_exists(nh::host_veth_name(b)));
  CHECK_FALSE(env.pool().find(b).has_value());
  CHECK(env.pool().list().size() == 1);
  CHECK(nh_test::link_absent("eth0", c2.in()));
}

TEST_CASE("a setup that fails inside the container rolls back the veth and the lease", "[hook_ops]") {
  NH_REQUIRE_ROOT();
  HookEnv env;
  ContainerNetns ctr;
  // The container already has a default route, so adding ours fails after the
  // veth exists.
  REQUIRE(run(ctr.in() + "ip link add x0 type veth peer name x1").status == 0);
  REQUIRE(run(ctr.in() + "ip link set x0 up").status == 0);
  REQUIRE(run(ctr.in() + "ip addr add 10.55.0.2/24 dev x0").status == 0);
  REQUIRE(run(ctr.in() + "ip route add default via 10.55.0.1").status == 0);
  const std::string id = nh_test::unique_name("f");

  CHECK_THROWS_WITH(nh::setup(env.settings, creating(id, ctr.pid())), Catch::Contains("default route"));
  CHECK_FALSE(host_link_exists(nh::host_veth_name(id)));
  CHECK(nh_test::link_absent("eth0", ctr.in()));
  CHECK_FALSE(env.pool().find(id).has_value());
  CHECK(env.pool().list().empty());
}

TEST_CASE("a setup refused by the bridge check leaves the pool untouched", "[hook_ops]") {
  NH_REQUIRE_ROOT();
  HookEnv env;
  ContainerNetns ctr;
  const std::string& bridge = env.settings.network.bridge;
  REQUIRE(run("ip link add " + bridge + " type bridge").status == 0);
  REQUIRE(run("ip addr add 10.56.0.1/24 dev " + bridge).status == 0);
  const std::string id = nh_test::unique_name("r");

  CHECK_THROWS_WITH(nh::setup(env.settings, creating(id, ctr.pid())),
                    Catch::Contains("10.56.0.1/24") && Catch::Contains("172.19.0.1/16"));
  CHECK_FALSE(host_link_exists(nh::host_veth_name(id)));
  CHECK(env.pool().list().empty());
  CHECK(nh_test::link_absent("eth0", ctr.in()));
}
