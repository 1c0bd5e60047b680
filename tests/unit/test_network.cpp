// Network definitions: subnets and gateways, validation, the file format and
// the networks directory (one NAME.json per network).
#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/temp_dir.hpp"
#include "lib/base/error.hpp"
#include "lib/input/settings.hpp"
#include "lib/net/network.hpp"
#include "lib/net/store.hpp"

using nh::net::Network;

namespace {

nh::addr::IpAddress ip(const std::string& text) { return *nh::addr::IpAddress::parse(text); }

Network network(const std::string& name, const std::string& bridge, const std::string& subnet) {
  Network n;
  n.name = name;
  n.bridge = bridge;
  n.subnets = {nh::net::make_subnet(subnet, "", "subnet")};
  return n;
}

std::string file_text(const std::string& body) { return "{\"name\": \"web\", " + body + "}"; }

}  // namespace

TEST_CASE("make_subnet: the gateway defaults to the first host address", "[network]") {
  auto s = nh::net::make_subnet("10.89.5.0/24", "", "--subnet");
  CHECK(s.subnet.str() == "10.89.5.0/24");
  CHECK(s.gateway.str() == "10.89.5.1");
  CHECK(s.gateway_cidr().str() == "10.89.5.1/24");
  CHECK(nh::net::make_subnet("10.89.5.0/24", "10.89.5.254", "--subnet").gateway.str() == "10.89.5.254");
}

TEST_CASE("make_subnet refuses what cannot be a pool, naming the subnet", "[network]") {
  auto refused = [](const std::string& subnet, const std::string& gateway, const std::string& why) {
    INFO(subnet << " gateway " << gateway);
    CHECK_THROWS_WITH(nh::net::make_subnet(subnet, gateway, "--subnet"),
                      Catch::Contains("--subnet") && Catch::Contains(why));
  };
  refused("10.89.5.7/24", "", "host bits are set (did you mean 10.89.5.0/24?)");
  refused("10.89.5.0", "", "expected ADDRESS/PREFIX");
  refused("10.89.5.0/31", "", "prefix must be from 8 to 30");
  refused("10.0.0.0/7", "", "prefix must be from 8 to 30");
  refused("10.89.5.0/24", "10.89.6.1", "not inside 10.89.5.0/24");
  refused("10.89.5.0/24", "10.89.5.0", "network address");
  refused("10.89.5.0/24", "10.89.5.255", "broadcast address");
  refused("10.89.5.0/24", "banana", "is not an IP address");
  refused("fd00:1::/47", "", "prefix must be from 48 to 120");
  refused("fd00:1::/121", "", "prefix must be from 48 to 120");
  refused("fd00:1::/127", "", "prefix must be from 48 to 120");
  refused("fd00:1::5/64", "", "host bits are set (did you mean fd00:1::/64?)");
  refused("fd00:1::/64", "fd00:1::", "network address");
  refused("fd00:1::/64", "fd00:2::1", "not inside fd00:1::/64");
}

TEST_CASE("make_subnet: IPv6 from /48 to /120; the last address is no broadcast", "[network]") {
  for (const char* ok : {"fd00:1::/48", "fd00:1::/64", "fd00:1::/120"}) {
    INFO(ok);
    auto s = nh::net::make_subnet(ok, "", "--subnet");
    CHECK(s.gateway == s.subnet.network().plus(1));
  }
  auto top = nh::net::make_subnet("fd00:1::/120", "fd00:1::ff", "--subnet");
  CHECK(top.gateway.str() == "fd00:1::ff");
}

TEST_CASE("validate names the network and the field", "[network]") {
  auto n = network("web", "nh-web", "10.89.5.0/24");
  CHECK_NOTHROW(nh::net::validate(n));
  auto bad = n;
  bad.mtu = 50;
  CHECK_THROWS_WITH(nh::net::validate(bad), Catch::Contains("network web") && Catch::Contains("mtu 50"));
  bad = n;
  bad.subnets.clear();
  CHECK_THROWS_WITH(nh::net::validate(bad), Catch::Contains("no subnet"));
  bad = n;
  bad.subnets.push_back(nh::net::make_subnet("10.89.6.0/24", "", "x"));
  CHECK_THROWS_WITH(nh::net::validate(bad), Catch::Contains("two IPv4 subnets"));
  bad = n;
  bad.bridge = "this-bridge-name-is-long";
  CHECK_THROWS_WITH(nh::net::validate(bad), Catch::Contains("network web's bridge") && Catch::Contains("longer than 15"));
  bad = n;
  bad.name = "we/b";
  CHECK_THROWS_WITH(nh::net::validate(bad), Catch::Contains("only letters, digits"));
}

TEST_CASE("a dual-stack network: one subnet per family", "[network]") {
  auto n = network("web", "nh-web", "10.89.5.0/24");
  n.subnets.push_back(nh::net::make_subnet("fd00:5::/64", "", "s"));
  CHECK_NOTHROW(nh::net::validate(n));
  CHECK(n.subnet(AF_INET6)->gateway.str() == "fd00:5::1");
  CHECK(n.gateways().size() == 2);
  CHECK(nh::net::from_json(nh::net::to_json(n), "x") == n);
  n.subnets.push_back(nh::net::make_subnet("fd00:6::/64", "", "s"));
  CHECK_THROWS_WITH(nh::net::validate(n), Catch::Contains("two IPv6 subnets"));
  // Overlaps are per family.
  auto a = network("a", "nh-a", "10.89.1.0/24");
  a.subnets.push_back(nh::net::make_subnet("fd00:1::/64", "", "s"));
  auto b = network("b", "nh-b", "10.89.2.0/24");
  b.subnets.push_back(nh::net::make_subnet("fd00:1::/48", "", "s"));
  CHECK_THROWS_WITH(nh::net::check_compatible(a, b), Catch::Contains("fd00:1::/64 and fd00:1::/48 overlap"));
}

TEST_CASE("check_compatible refuses a shared bridge or overlapping subnets, naming both", "[network]") {
  auto a = network("a", "nh-a", "10.89.0.0/16");
  CHECK_NOTHROW(nh::net::check_compatible(a, network("b", "nh-b", "10.90.0.0/24")));
  CHECK_THROWS_WITH(nh::net::check_compatible(a, network("b", "nh-b", "10.89.7.0/24")),
                    Catch::Contains("networks a and b") && Catch::Contains("10.89.0.0/16 and 10.89.7.0/24 overlap"));
  CHECK_THROWS_WITH(nh::net::check_compatible(a, network("b", "nh-a", "10.90.0.0/24")),
                    Catch::Contains("networks a and b") && Catch::Contains("both use the bridge nh-a"));
}

TEST_CASE("a network's JSON round trips", "[network]") {
  auto n = network("web", "nh-web", "10.89.5.0/24");
  n.mtu = 1400;
  n.internal = true;
  n.isolate = false;
  n.masquerade = false;
  n.created = "2026-11-30T09:00:00Z";
  auto j = nh::net::to_json(n);
  CHECK(j["subnets"][0]["subnet"] == "10.89.5.0/24");
  CHECK(j["subnets"][0]["gateway"] == "10.89.5.1");
  CHECK(nh::net::from_json(j, "test") == n);
}

TEST_CASE("from_json: defaults, and every bad field named", "[network]") {
  auto parse = [](const std::string& body) { return nh::net::from_json(nlohmann::json::parse(file_text(body)), "F"); };
  auto n = parse(R"("bridge": "nh-web", "subnets": [{"subnet": "10.89.5.0/24"}])");
  CHECK(n.mtu == 1500);
  CHECK(n.isolate);
  CHECK(n.masquerade);
  CHECK_FALSE(n.internal);
  CHECK(n.subnets[0].gateway.str() == "10.89.5.1");

  auto refused = [&](const std::string& body, const std::string& why) {
    INFO(body);
    CHECK_THROWS_WITH(parse(body), Catch::Contains("F") && Catch::Contains(why));
  };
  const std::string ok = R"("bridge": "nh-web", "subnets": [{"subnet": "10.89.5.0/24"}])";
  refused(ok + R"(, "colour": "blue")", "unknown field \"colour\"");
  refused(R"("bridge": "nh-web", "subnets": [{"subnet": "10.89.5.0/24", "vlan": 3}])", "unknown field \"vlan\" in \"subnets\"");
  refused(R"("subnets": [{"subnet": "10.89.5.0/24"}])", "\"bridge\" is missing");
  refused(R"("bridge": "nh-web")", "\"subnets\" is missing");
  refused(R"("bridge": "nh-web", "subnets": {"subnet": "10.89.5.0/24"})", "\"subnets\" is not a list");
  refused(R"("bridge": "nh-web", "subnets": [{"gateway": "10.89.5.1"}])", "\"subnet\" is missing");
  refused(R"("bridge": 5, "subnets": [{"subnet": "10.89.5.0/24"}])", "\"bridge\" is not a string");
  refused(ok + R"(, "internal": "yes")", "\"internal\" is not true or false");
  refused(ok + R"(, "mtu": -5)", "\"mtu\" must be a number from 68 to 65535");
  refused(ok + R"(, "mtu": 60)", "mtu 60 is outside 68 to 65535");
  refused(R"("bridge": "nh-web", "subnets": [{"subnet": "10.89.5.1/24"}])", "host bits are set");
  refused(R"("bridge": "nh-web", "subnets": [])", "no subnet");
  CHECK_THROWS_WITH(nh::net::from_json(nlohmann::json::array(), "F"), Catch::Contains("expected a JSON object"));
}

TEST_CASE("validate_requested_address names the source", "[network]") {
  auto net = network("n", "nh-n", "10.9.0.0/29");
  CHECK_NOTHROW(nh::net::validate_requested_address(net, ip("10.9.0.2"), "x"));
  CHECK_NOTHROW(nh::net::validate_requested_address(net, ip("10.9.0.6"), "x"));
  const std::string src = "annotation netns-hook.ip";
  CHECK_THROWS_WITH(nh::net::validate_requested_address(net, ip("10.9.0.7"), src),
                    Catch::Contains(src) && Catch::Contains("broadcast"));
  CHECK_THROWS_WITH(nh::net::validate_requested_address(net, ip("10.9.0.0"), src),
                    Catch::Contains(src) && Catch::Contains("network address"));
  CHECK_THROWS_WITH(nh::net::validate_requested_address(net, ip("10.9.0.1"), src),
                    Catch::Contains(src) && Catch::Contains("gateway"));
  CHECK_THROWS_WITH(nh::net::validate_requested_address(net, ip("10.9.0.8"), src),
                    Catch::Contains("\"10.9.0.8\"") && Catch::Contains("not inside the subnet 10.9.0.0/29"));
  CHECK_THROWS_WITH(nh::net::validate_requested_address(net, ip("fd00::5"), src), Catch::Contains("not inside the subnet"));
}

TEST_CASE("the networks directory: files are found, listed and checked against each other", "[network][store]") {
  nh_test::TempDir dir;
  nh::net::NetworkStore store(dir.path());
  CHECK(store.load_all().empty());
  CHECK_FALSE(store.find("web").has_value());
  CHECK_THROWS_WITH(store.load("web"), Catch::Contains("unknown network \"web\"") && Catch::Contains(dir / "web.json"));

  store.create(network("web", "nh-web", "10.89.5.0/24"), {});
  store.create(network("db", "nh-db", "10.89.6.0/24"), {});
  auto all = store.load_all();
  REQUIRE(all.size() == 2);
  CHECK(all[0].name == "db");  // by name
  CHECK(store.load("web").bridge == "nh-web");
  // Written atomically, pretty, and read back as written.
  CHECK(nlohmann::json::parse(dir.read("web.json"))["bridge"] == "nh-web");

  CHECK_THROWS_WITH(store.create(network("web", "nh-web2", "10.89.7.0/24"), {}), Catch::Contains("exists already"));
  CHECK_THROWS_WITH(store.create(network("app", "nh-app", "10.89.5.128/25"), {}),
                    Catch::Contains("create network app") && Catch::Contains("networks app and web") &&
                        Catch::Contains("overlap"));
  CHECK_THROWS_WITH(store.create(network("app", "nh-db", "10.89.8.0/24"), {}), Catch::Contains("both use the bridge nh-db"));
  // The default network the options describe counts too.
  auto def = nh::input::Settings::default_network_defaults();
  CHECK_THROWS_WITH(store.create(network("app", "nh-app", "172.19.5.0/24"), {def}),
                    Catch::Contains("networks app and default"));
  CHECK(store.load_all().size() == 2);

  CHECK(store.remove("db"));
  CHECK_FALSE(store.remove("db"));
  CHECK(store.load_all().size() == 1);
}

TEST_CASE("hostile network files are refused naming the file", "[network][store]") {
  nh_test::TempDir dir;
  nh::net::NetworkStore store(dir.path());
  const std::string good = R"({"name": "web", "bridge": "nh-web", "subnets": [{"subnet": "10.89.5.0/24"}]})";
  SECTION("not JSON") {
    dir.write("web.json", "{\"name\": ");
    CHECK_THROWS_WITH(store.load("web"), Catch::Contains("network file " + (dir / "web.json")) && Catch::Contains("not valid JSON"));
    CHECK_THROWS_WITH(store.load_all(), Catch::Contains("web.json") && Catch::Contains("not valid JSON"));
  }
  SECTION("an unknown field") {
    dir.write("web.json", R"({"name": "web", "bridge": "nh-web", "subnets": [{"subnet": "10.89.5.0/24"}], "dns": true})");
    CHECK_THROWS_WITH(store.load("web"), Catch::Contains("web.json") && Catch::Contains("unknown field \"dns\""));
  }
  SECTION("a name that is not the file's") {
    dir.write("web.json", R"({"name": "db", "bridge": "nh-web", "subnets": [{"subnet": "10.89.5.0/24"}]})");
    CHECK_THROWS_WITH(store.load("web"), Catch::Contains("its \"name\" is \"db\", not \"web\""));
  }
  SECTION("two files that overlap") {
    dir.write("web.json", good);
    dir.write("db.json", R"({"name": "db", "bridge": "nh-db", "subnets": [{"subnet": "10.89.0.0/16"}]})");
    CHECK_THROWS_WITH(store.load_all(), Catch::Contains(dir / "db.json") && Catch::Contains(dir / "web.json") &&
                                            Catch::Contains("overlap"));
  }
  SECTION("two files with one bridge") {
    dir.write("web.json", good);
    dir.write("db.json", R"({"name": "db", "bridge": "nh-web", "subnets": [{"subnet": "10.90.0.0/16"}]})");
    CHECK_THROWS_WITH(store.load_all(), Catch::Contains("both use the bridge nh-web"));
  }
  SECTION("a file for default is never read: the options describe default") {
    dir.write("web.json", good);
    dir.write("default.json", R"({"name": "default", "bridge": "nh-x", "subnets": [{"subnet": "10.89.5.0/24"}]})");
    auto all = store.load_all();
    REQUIRE(all.size() == 1);
    CHECK(all[0].name == "web");
    CHECK(store.scan().broken.empty());
  }
  SECTION("a file name that is no network name") {
    dir.write("-x.json", good);
    CHECK_THROWS_WITH(store.load_all(), Catch::Contains("-x.json"));
  }
  SECTION("other files are not networks") {
    dir.write("web.json", good);
    dir.write("README", "hello");
    dir.write("web.json.tmp.123", "{");
    CHECK(store.load_all().size() == 1);
  }
}
