// The OCI front end: state + annotations + settings -> Request. Pure for a
// container on `default`; named networks come from a temporary networks dir.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "common/temp_dir.hpp"
#include "lib/base/error.hpp"
#include "lib/input/oci_request.hpp"
#include "lib/net/store.hpp"

namespace {

struct Fixture {
  nh_test::TempDir dir;
  nh::input::Settings settings;
  Fixture() {
    settings.networks_dir = dir.path();
    add("web", "10.89.1.0/24");
    add("db", "10.89.2.0/24");
    add("back", "10.89.3.0/24", true);
  }
  void add(const std::string& name, const std::string& subnet, bool internal = false) {
    nh::net::Network n;
    n.name = name;
    n.bridge = "nh-" + name;
    n.subnets = {nh::net::make_subnet(subnet, "", "subnet")};
    n.internal = internal;
    nh::net::NetworkStore(dir.path()).create(n, {});
  }
  nh::input::Request build(std::map<std::string, std::string> annotations = {}) {
    nh::input::State st;
    st.id = "c1";
    st.pid = 42;
    st.status = "creating";
    st.annotations = std::move(annotations);
    return nh::input::build_oci_request(settings, st);
  }
};

std::vector<std::string> names(const nh::input::Request& r) {
  std::vector<std::string> out;
  for (const auto& a : r.attachments) out.push_back(a.network.name + "/" + a.iface + (a.default_route ? "/default" : ""));
  return out;
}

}  // namespace

TEST_CASE("a container without networks is on default, described by the options", "[request]") {
  Fixture f;
  f.settings.networks_dir = "/nonexistent";  // default alone reads no file
  auto r = f.build();
  CHECK(names(r) == std::vector<std::string>{"default/eth0/default"});
  CHECK(r.attachments[0].network.bridge == "netns0");
  CHECK(r.id == "c1");
  CHECK(r.pid == 42);
  CHECK(r.join_existing);
  CHECK(r.netns_link == "/run/netns/nh-c1");
  CHECK(r.ports.empty());
}

TEST_CASE("networks come from the annotation, else --network, in order; interfaces eth0, eth1, ...", "[request]") {
  Fixture f;
  f.settings.networks = {"db"};
  CHECK(names(f.build()) == std::vector<std::string>{"db/eth0/default"});
  CHECK(names(f.build({{"netns-hook.networks", "web, db"}})) ==
        std::vector<std::string>{"web/eth0/default", "db/eth1"});
  f.settings.iface = "ceth0";
  CHECK(names(f.build({{"netns-hook.networks", "default,web"}})) ==
        std::vector<std::string>{"default/ceth0/default", "web/eth1"});
}

TEST_CASE("interface names never collide, whatever --iface says", "[request]") {
  Fixture f;
  f.settings.iface = "eth1";
  CHECK(names(f.build({{"netns-hook.networks", "web,db,default"}})) ==
        std::vector<std::string>{"web/eth1/default", "db/eth2", "default/eth3"});
  f.settings.iface = "eth2";
  CHECK(names(f.build({{"netns-hook.networks", "web,db,default"}})) ==
        std::vector<std::string>{"web/eth2/default", "db/eth1", "default/eth3"});
}

TEST_CASE("the default route goes through the first network that is not internal", "[request]") {
  Fixture f;
  CHECK(names(f.build({{"netns-hook.networks", "back,web,db"}})) ==
        std::vector<std::string>{"back/eth0", "web/eth1/default", "db/eth2"});
  CHECK(names(f.build({{"netns-hook.networks", "back"}})) == std::vector<std::string>{"back/eth0"});
}

TEST_CASE("each requested address goes to the network whose subnet holds it", "[request]") {
  Fixture f;
  auto r = f.build({{"netns-hook.networks", "web,db"}, {"netns-hook.ip", "10.89.2.7, 10.89.1.9"}});
  REQUIRE(r.attachments.size() == 2);
  CHECK(r.attachments[0].requested == std::vector<nh::addr::IpAddress>{*nh::addr::IpAddress::parse("10.89.1.9")});
  CHECK(r.attachments[1].requested == std::vector<nh::addr::IpAddress>{*nh::addr::IpAddress::parse("10.89.2.7")});
  CHECK(r.attachments[0].requested_source == "annotation netns-hook.ip");
  // --static-ip the same way, unless annotated.
  f.settings.static_ips = {*nh::addr::IpAddress::parse("10.89.2.8")};
  CHECK(f.build({{"netns-hook.networks", "web,db"}}).attachments[1].requested_source == "--static-ip");
}

TEST_CASE("bad requests are refused, naming what was wrong", "[request]") {
  Fixture f;
  auto refused = [&](std::map<std::string, std::string> ann, const std::string& why) {
    INFO(why);
    CHECK_THROWS_WITH(f.build(std::move(ann)), Catch::Contains(why));
  };
  refused({{"netns-hook.networks", "web,nope"}}, "unknown network \"nope\"");
  refused({{"netns-hook.networks", "web,web"}}, "the network web is listed twice");
  refused({{"netns-hook.networks", "web,"}}, "a network name is empty");
  refused({{"netns-hook.networks", "web,db"}, {"netns-hook.ip", "10.99.0.5"}},
          "invalid annotation netns-hook.ip \"10.99.0.5\": it is in no subnet of the container's networks");
  refused({{"netns-hook.networks", "web,db"}, {"netns-hook.ip", "10.89.1.5,10.89.1.6"}},
          "\"10.89.1.6\": the network web already gets 10.89.1.5");
  refused({{"netns-hook.networks", "web"}, {"netns-hook.ip", "10.89.1.1"}}, "it is the gateway");
  refused({{"netns-hook.ip", "172.19.255.255"}}, "broadcast");
  refused({{"netns-hook.ip", "10.0.0.5"}}, "not inside the subnet 172.19.0.0/16");
  refused({{"netns-hook.ip", "banana"}}, "\"banana\" is not an IP address");
  refused({{"netns-hook.networks", "back"}, {"netns-hook.ports", "8080:80"}},
          "the container is on internal networks only, which publish no ports");
  refused({{"netns-hook.networks", "web"}, {"netns-hook.ports", "[::]:8080:80"}},
          "\"[::]:8080:80/tcp\" publishes on IPv6, and network web has no IPv6 subnet");
  refused({{"netns-hook.networks", "web"}, {"netns-hook.ports", "[fd00::1]:8080:80"}}, "network web has no IPv6 subnet");
  f.settings.firewall = "none";
  refused({{"netns-hook.ports", "8080:80"}}, "publishing ports needs a firewall backend");
}

TEST_CASE("published ports go to the first network that is not internal", "[request]") {
  Fixture f;
  auto r = f.build({{"netns-hook.networks", "back,db"}, {"netns-hook.ports", "8080:80"}});
  CHECK(r.ports_network == "db");
  REQUIRE(r.ports.size() == 1);
  // Both families, or the one the network has: fine on an IPv4-only network.
  CHECK_NOTHROW(f.build({{"netns-hook.networks", "web"}, {"netns-hook.ports", "8080:80,0.0.0.0:8081:80,127.0.0.1:8082:80"}}));
}

TEST_CASE("a network that clashes with another file is refused, naming both files", "[request]") {
  Fixture f;
  f.dir.write("clash.json", R"({"name": "clash", "bridge": "nh-clash", "subnets": [{"subnet": "10.89.1.128/25"}]})");
  CHECK_THROWS_WITH(f.build({{"netns-hook.networks", "web"}}),
                    Catch::Contains(f.dir / "web.json") && Catch::Contains(f.dir / "clash.json") && Catch::Contains("overlap"));
  CHECK_THROWS_WITH(f.build({{"netns-hook.networks", "clash"}}), Catch::Contains("overlap"));
  CHECK_NOTHROW(f.build({{"netns-hook.networks", "db"}}));  // not db's business
}

TEST_CASE("a broken network file is refused when used, and skipped when not", "[request]") {
  Fixture f;
  f.dir.write("bad.json", R"({"name": "bad", "bridge": "nh-bad", "subnets": [{"subnet": "10.89.9.0/24"}], "x": 1})");
  CHECK_THROWS_WITH(f.build({{"netns-hook.networks", "web,bad"}}),
                    Catch::Contains(f.dir / "bad.json") && Catch::Contains("unknown field \"x\""));
  CHECK(names(f.build({{"netns-hook.networks", "web"}})) == std::vector<std::string>{"web/eth0/default"});
}

TEST_CASE("a named network may not clash with the default network it is used with", "[request]") {
  Fixture f;
  f.add("near", "172.19.7.0/24");
  CHECK_NOTHROW(f.build({{"netns-hook.networks", "near"}}));
  CHECK_THROWS_WITH(f.build({{"netns-hook.networks", "default,near"}}),
                    Catch::Contains("networks default and near") && Catch::Contains("overlap"));
}
