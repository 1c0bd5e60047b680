// setup() and teardown() on child network namespaces, end to end in the library.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>

#include "helpers.hpp"
#include "lib/base/error.hpp"
#include "lib/firewall/firewall.hpp"
#include "lib/input/annotations.hpp"
#include "lib/input/oci_request.hpp"
#include "lib/ipam/pool.hpp"
#include "lib/net/names.hpp"
#include "lib/net/store.hpp"
#include "lib/netlink/link.hpp"
#include "lib/pipeline/setup.hpp"
#include "lib/pipeline/teardown.hpp"

using nh::pipeline::SetupOutcome;
using nh_test::ContainerNetns;
using nh_test::ip_json;
using nh_test::run;

namespace {

// Settings for one test: its own bridges, state and networks directories and
// firewall rules, all removed at the end. The default subnet is 172.19.0.0/16.
struct HookEnv {
  nh_test::TempDir dir;
  nh::input::Settings settings;
  nh_test::AtExit cleanup{[this] {
    auto nl = nh::netlink::Netlink::connect();
    nh::firewall::Change change;
    change.remove_networks.push_back(settings.default_network);
    for (const auto& s : nh::ipam::Pool::open(settings.state_dir).list())
      for (const auto& a : s.attachments) nh::netlink::delete_link(nl, a.host_veth);
    for (const auto& n : nh::net::NetworkStore(settings.networks_dir).load_all()) {
      nh::netlink::delete_link(nl, n.bridge);
      change.remove_networks.push_back(n);
    }
    nh::netlink::delete_link(nl, settings.default_network.bridge);
    nh::firewall::make_firewall("iptables")->apply(change);
  }};

  HookEnv() {
    // The cleanup and the rule checks below read iptables: say so, rather
    // than let auto pick nftables when another test left its table.
    settings.firewall = "iptables";
    settings.default_network.bridge = nh_test::unique_name("nhb");
    settings.state_dir = dir.path() + "/state";
    settings.networks_dir = dir.path() + "/networks";
  }
  nh::ipam::Pool pool() const { return nh::ipam::Pool::open(settings.state_dir); }
  void add_network(const std::string& name, const std::string& subnet, bool internal = false) {
    nh::net::Network n;
    n.name = name;
    n.bridge = nh_test::unique_name("nhn");
    n.subnets = {nh::net::make_subnet(subnet, "", "subnet")};
    n.internal = internal;
    nh::net::NetworkStore(settings.networks_dir).create(n, {settings.default_network});
  }
  nh::pipeline::SetupResult setup(const nh::input::State& st, const nh::input::Settings* s = nullptr) const {
    const auto& with = s ? *s : settings;
    return nh::pipeline::setup(with, nh::input::build_oci_request(with, st));
  }
  void teardown(const std::string& id) const { nh::pipeline::teardown(settings, id); }
};

nh::input::State creating(const std::string& id, int pid, std::map<std::string, std::string> annotations = {}) {
  nh::input::State s;
  s.id = id;
  s.status = "creating";
  s.pid = pid;
  s.bundle = "/tmp/bundle";
  s.annotations = std::move(annotations);
  return s;
}

bool host_link_exists(const std::string& name) {
  auto nl = nh::netlink::Netlink::connect();
  return nh::netlink::find_link(nl, name).has_value();
}

std::string address(const nh::ipam::Sandbox& s, std::size_t n = 0) {
  return s.attachments.at(n).addresses.at(0).cidr.address().str();
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

  auto res = env.setup(creating(id, ctr.pid()));
  REQUIRE(res.outcome == SetupOutcome::kConfigured);
  REQUIRE(res.sandbox.attachments.size() == 1);
  const auto& att = res.sandbox.attachments[0];
  CHECK(address(res.sandbox) == "172.19.0.2");
  CHECK(att.host_veth == nh::net::host_veth_name(id, "default", "eth0"));
  CHECK(att.network.name == "default");

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
  auto nl = nh::netlink::Netlink::connect();
  auto veth = nh::netlink::find_link(nl, att.host_veth);
  auto br = nh::netlink::find_link(nl, env.settings.default_network.bridge);
  REQUIRE(veth.has_value());
  REQUIRE(br.has_value());
  CHECK(veth->master == br->index);
  CHECK(ping_from(ctr, "172.19.0.1") == 0);
  CHECK(run("iptables-legacy-save -t nat").out.find("netns-hook:" + env.settings.default_network.bridge) !=
        std::string::npos);

  auto again = env.setup(creating(id, ctr.pid()));
  CHECK(again.outcome == SetupOutcome::kExisting);
  CHECK(address(again.sandbox) == address(res.sandbox));
  CHECK(ip_json("-4 addr show dev eth0", ctr.in())[0]["addr_info"].size() == 1);

  env.teardown(id);
  CHECK_FALSE(host_link_exists(att.host_veth));
  CHECK(nh_test::link_absent("eth0", ctr.in()));
  CHECK_FALSE(env.pool().find(id).has_value());
  CHECK(env.pool().list().empty());
  CHECK(host_link_exists(env.settings.default_network.bridge));  // stays for the next container
  CHECK_NOTHROW(env.teardown(id));  // a second teardown is fine
}

TEST_CASE("a container on two networks gets eth0 and eth1, one default route, and both go at teardown",
          "[hook_ops]") {
  NH_REQUIRE_ROOT();
  HookEnv env;
  env.add_network("web", "10.77.1.0/24");
  env.add_network("db", "10.77.2.0/24");
  ContainerNetns ctr;
  const std::string id = nh_test::unique_name("two");
  auto res = env.setup(creating(id, ctr.pid(), {{nh::input::kAnnotationNetworks, "web,db"},
                                                {nh::input::kAnnotationIp, "10.77.2.9"}}));
  REQUIRE(res.outcome == SetupOutcome::kConfigured);
  REQUIRE(res.sandbox.attachments.size() == 2);
  CHECK(address(res.sandbox, 0) == "10.77.1.2");
  CHECK(address(res.sandbox, 1) == "10.77.2.9");
  CHECK(ip_json("-4 addr show dev eth0", ctr.in())[0]["addr_info"][0]["local"] == "10.77.1.2");
  CHECK(ip_json("-4 addr show dev eth1", ctr.in())[0]["addr_info"][0]["local"] == "10.77.2.9");
  auto routes = ip_json("-4 route show default", ctr.in());
  REQUIRE(routes.size() == 1);
  CHECK(routes[0]["gateway"] == "10.77.1.1");
  CHECK(ping_from(ctr, "10.77.1.1") == 0);
  CHECK(ping_from(ctr, "10.77.2.1") == 0);

  env.teardown(id);
  for (const auto& a : res.sandbox.attachments) CHECK_FALSE(host_link_exists(a.host_veth));
  CHECK(env.pool().list().empty());
}

TEST_CASE("a failure on the second network rolls back the first", "[hook_ops]") {
  NH_REQUIRE_ROOT();
  HookEnv env;
  env.add_network("web", "10.77.1.0/24");
  env.add_network("db", "10.77.2.0/24");
  // db's bridge name is taken by a link that is not a bridge: refused before anything changes...
  auto db = nh::net::NetworkStore(env.settings.networks_dir).load("db");
  // (This kernel may lack the dummy driver: a veth does as well.)
  REQUIRE(run("ip link add " + db.bridge + " type veth peer name " + db.bridge + "p").status == 0);
  ContainerNetns ctr;
  const std::string id = nh_test::unique_name("rb");
  CHECK_THROWS_WITH(env.setup(creating(id, ctr.pid(), {{nh::input::kAnnotationNetworks, "web,db"}})),
                    Catch::Contains("not a bridge"));
  CHECK(env.pool().list().empty());
  CHECK(nh_test::link_absent("eth0", ctr.in()));
  // ...and when db's veth fails late (an eth1 already in the container), web's is undone.
  run("ip link del " + db.bridge);
  REQUIRE(run(ctr.in() + "ip link add eth1 type veth peer name eth1p").status == 0);
  CHECK_THROWS_WITH(env.setup(creating(id, ctr.pid(), {{nh::input::kAnnotationNetworks, "web,db"}})),
                    Catch::Contains("already has a link named eth1"));
  CHECK(nh_test::link_absent("eth0", ctr.in()));
  CHECK_FALSE(host_link_exists(nh::net::host_veth_name(id, "web", "eth0")));
  CHECK(env.pool().list().empty());
}

TEST_CASE("a second container in the same namespace joins and leaves", "[hook_ops]") {
  NH_REQUIRE_ROOT();
  HookEnv env;
  ContainerNetns ctr;
  const std::string a = "pod-" + nh_test::unique_name("a"), b = "pod-" + nh_test::unique_name("b");
  auto first = env.setup(creating(a, ctr.pid()));
  REQUIRE(first.outcome == SetupOutcome::kConfigured);
  auto second = env.setup(creating(b, ctr.pid()));
  CHECK(second.outcome == SetupOutcome::kJoined);
  CHECK(address(second.sandbox) == address(first.sandbox));
  CHECK_FALSE(host_link_exists(nh::net::host_veth_name(b, "default", "eth0")));  // no veth of its own

  const std::string veth = first.sandbox.attachments[0].host_veth;
  env.teardown(a);  // b still uses the namespace
  CHECK(host_link_exists(veth));
  CHECK(ping_from(ctr, "172.19.0.1") == 0);
  env.teardown(b);
  CHECK_FALSE(host_link_exists(veth));
  CHECK(env.pool().list().empty());
}

TEST_CASE("two containers on one bridge reach each other", "[hook_ops]") {
  NH_REQUIRE_ROOT();
  HookEnv env;
  ContainerNetns c1, c2;
  auto r1 = env.setup(creating(nh_test::unique_name("c"), c1.pid()));
  auto r2 = env.setup(creating(nh_test::unique_name("c"), c2.pid()));
  REQUIRE(r1.outcome == SetupOutcome::kConfigured);
  REQUIRE(r2.outcome == SetupOutcome::kConfigured);
  CHECK(address(r1.sandbox) != address(r2.sandbox));
  CHECK(ping_from(c1, address(r2.sandbox)) == 0);
}

TEST_CASE("setup of a host-network container does nothing", "[hook_ops]") {
  NH_REQUIRE_ROOT();
  HookEnv env;
  auto res = env.setup(creating(nh_test::unique_name("h"), ::getpid()));
  CHECK(res.outcome == SetupOutcome::kHostNetwork);
  CHECK_FALSE(host_link_exists(env.settings.default_network.bridge));
  CHECK(env.pool().list().empty());
}

TEST_CASE("setup without a pid is refused", "[hook_ops]") {
  NH_REQUIRE_ROOT();
  HookEnv env;
  nh::input::Request r;
  r.id = "nopid";
  CHECK_THROWS_WITH(nh::pipeline::setup(env.settings, r), Catch::Contains("no pid"));
}

TEST_CASE("a setup whose static IP is taken rolls back", "[hook_ops]") {
  NH_REQUIRE_ROOT();
  HookEnv env;
  ContainerNetns c1, c2;
  const std::string a = nh_test::unique_name("s"), b = nh_test::unique_name("s");
  auto first = env.setup(creating(a, c1.pid(), {{nh::input::kAnnotationIp, "172.19.0.50"}}));
  REQUIRE(first.outcome == SetupOutcome::kConfigured);
  CHECK(address(first.sandbox) == "172.19.0.50");

  auto settings = env.settings;
  settings.static_ips = {*nh::addr::IpAddress::parse("172.19.0.50")};
  CHECK_THROWS_WITH(env.setup(creating(b, c2.pid()), &settings),
                    Catch::Contains("set up container " + b) && Catch::Contains("already leased to " + a));
  CHECK_FALSE(host_link_exists(nh::net::host_veth_name(b, "default", "eth0")));
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

  CHECK_THROWS_WITH(env.setup(creating(id, ctr.pid())), Catch::Contains("default route"));
  CHECK_FALSE(host_link_exists(nh::net::host_veth_name(id, "default", "eth0")));
  CHECK(nh_test::link_absent("eth0", ctr.in()));
  CHECK_FALSE(env.pool().find(id).has_value());
  CHECK(env.pool().list().empty());
}

TEST_CASE("a setup refused by the bridge check leaves the pool untouched", "[hook_ops]") {
  NH_REQUIRE_ROOT();
  HookEnv env;
  ContainerNetns ctr;
  const std::string& bridge = env.settings.default_network.bridge;
  REQUIRE(run("ip link add " + bridge + " type bridge").status == 0);
  REQUIRE(run("ip addr add 10.56.0.1/24 dev " + bridge).status == 0);
  const std::string id = nh_test::unique_name("r");

  CHECK_THROWS_WITH(env.setup(creating(id, ctr.pid())),
                    Catch::Contains("10.56.0.1/24") && Catch::Contains("172.19.0.1/16"));
  CHECK_FALSE(host_link_exists(nh::net::host_veth_name(id, "default", "eth0")));
  CHECK(env.pool().list().empty());
  CHECK(nh_test::link_absent("eth0", ctr.in()));
}
