// build_settings: defaults, config files, flags, and every validation.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lib/input/settings.hpp"
#include "lib/base/error.hpp"
#include "lib/net/names.hpp"
#include "common/temp_dir.hpp"

using nh::input::Setting;

namespace {

const std::optional<std::string> kNoConfig;

nh::addr::IpAddress ip(const std::string& text) { return *nh::addr::IpAddress::parse(text); }

// build_settings must throw an nh::base::Error whose message contains every needle.
void expect_invalid(const std::optional<std::string>& config, const std::vector<Setting>& flags,
                    const std::vector<std::string>& needles) {
  try {
    nh::input::build_settings(config, flags);
    FAIL("build_settings accepted the settings");
  } catch (const nh::base::Error& e) {
    for (const auto& n : needles) {
      INFO("message: " << e.what() << "\nexpected: " << n);
      CHECK(std::string(e.what()).find(n) != std::string::npos);
    }
  }
}

void expect_invalid_flag(const std::string& key, const std::string& value, const std::string& why) {
  INFO("--" << key << " " << value);
  expect_invalid(kNoConfig, {{key, value}}, {"--" + key, why});
}

}  // namespace

TEST_CASE("defaults", "[config]") {
  auto s = nh::input::build_settings(kNoConfig, {});
  CHECK(s.default_network.name == "default");
  CHECK(s.default_network.bridge == "netns0");
  REQUIRE(s.default_network.subnets.size() == 1);
  CHECK(s.default_network.subnets[0].gateway_cidr().str() == "172.19.0.1/16");
  CHECK(s.default_network.subnets[0].subnet.str() == "172.19.0.0/16");
  CHECK(s.default_network.mtu == 1500);
  CHECK(s.default_network.isolate);
  CHECK(s.default_network.masquerade);
  CHECK_FALSE(s.default_network.internal);
  CHECK(s.iface == "eth0");
  CHECK(s.state_dir == "/run/netns-hook");
  CHECK(s.networks_dir == "/etc/netns-hook/networks");
  CHECK(s.networks.empty());
  CHECK(s.firewall == "auto");
  CHECK(s.static_ips.empty());
  CHECK_FALSE(s.debug);
}

TEST_CASE("flags override the defaults", "[config]") {
  auto s = nh::input::build_settings(kNoConfig, {{"bridge", "br1"},
                                                 {"static-ip", "10.1.0.9"},
                                                 {"ip", "10.1.0.1/24"},
                                                 {"mtu", "1400"},
                                                 {"iface", "ceth0"},
                                                 {"state-dir", "/var/lib/nh"},
                                                 {"networks-dir", "/etc/nh/nets"},
                                                 {"network", "web, db"},
                                                 {"firewall", "none"},
                                                 {"debug", "true"}});
  CHECK(s.default_network.bridge == "br1");
  CHECK(s.default_network.subnets[0].gateway_cidr().str() == "10.1.0.1/24");
  CHECK(s.default_network.mtu == 1400);
  CHECK(s.iface == "ceth0");
  CHECK(s.state_dir == "/var/lib/nh");
  CHECK(s.networks_dir == "/etc/nh/nets");
  CHECK(s.networks == std::vector<std::string>{"web", "db"});
  CHECK(s.firewall == "none");
  CHECK(s.static_ips == std::vector<nh::addr::IpAddress>{ip("10.1.0.9")});
  CHECK(s.debug);
}

TEST_CASE("the last of repeated flags wins", "[config]") {
  auto s = nh::input::build_settings(kNoConfig, {{"mtu", "1400"}, {"mtu", "9000"}, {"debug", "1"}, {"debug", "0"}});
  CHECK(s.default_network.mtu == 9000);
  CHECK_FALSE(s.debug);
}

TEST_CASE("--ip6 adds an IPv6 subnet to the default network, after the IPv4 one", "[config]") {
  auto s = nh::input::build_settings(kNoConfig, {{"ip6", "fd00:19::1/64"}, {"ip", "10.1.0.1/24"}});
  REQUIRE(s.default_network.subnets.size() == 2);
  CHECK(s.default_network.subnets[0].gateway_cidr().str() == "10.1.0.1/24");
  CHECK(s.default_network.subnets[1].gateway_cidr().str() == "fd00:19::1/64");
  CHECK(s.default_network.subnets[1].subnet.str() == "fd00:19::/64");
  // A second --ip6 replaces the first.
  auto again = nh::input::build_settings(kNoConfig, {{"ip6", "fd00:19::1/64"}, {"ip6", "fd00:20::1/120"}});
  REQUIRE(again.default_network.subnets.size() == 2);
  CHECK(again.default_network.subnets[1].gateway_cidr().str() == "fd00:20::1/120");
  CHECK(nh::input::build_settings(kNoConfig, {{"ip6", "fd00::1/48"}}).default_network.subnets.size() == 2);
}

TEST_CASE("prefix bounds 8 and 30 are accepted", "[config]") {
  CHECK(nh::input::build_settings(kNoConfig, {{"ip", "10.0.0.1/8"}}).default_network.subnets[0].subnet.prefix() == 8);
  CHECK(nh::input::build_settings(kNoConfig, {{"ip", "10.0.0.1/30"}}).default_network.subnets[0].subnet.prefix() == 30);
}

TEST_CASE("config file is read and flags win over it", "[config]") {
  nh_test::TempDir dir;
  auto path = dir.write("nh.json", R"({"bridge":"br9","ip":"10.9.0.1/24","mtu":1400,"debug":true,
                                       "state-dir":"/tmp/nh-state","static-ip":"10.9.0.20","network":"web"})");

  auto raw = nh::input::read_config_file(path);
  CHECK(std::find(raw.begin(), raw.end(), Setting{"mtu", "1400"}) != raw.end());
  CHECK(std::find(raw.begin(), raw.end(), Setting{"debug", "true"}) != raw.end());

  auto from_file = nh::input::build_settings(path, {});
  CHECK(from_file.default_network.bridge == "br9");
  CHECK(from_file.default_network.subnets[0].gateway_cidr().str() == "10.9.0.1/24");
  CHECK(from_file.default_network.mtu == 1400);
  CHECK(from_file.debug);
  CHECK(from_file.state_dir == "/tmp/nh-state");
  CHECK(from_file.static_ips == std::vector<nh::addr::IpAddress>{ip("10.9.0.20")});
  CHECK(from_file.networks == std::vector<std::string>{"web"});
  CHECK(from_file.iface == "eth0");  // not in the file: default

  auto flagged = nh::input::build_settings(path, {{"mtu", "1300"}, {"bridge", "br10"}});
  CHECK(flagged.default_network.mtu == 1300);
  CHECK(flagged.default_network.bridge == "br10");
  CHECK(flagged.default_network.subnets[0].gateway_cidr().str() == "10.9.0.1/24");  // still from the file
}

TEST_CASE("bad config files are refused naming the file", "[config]") {
  nh_test::TempDir dir;
  SECTION("unknown key") {
    auto path = dir.write("c.json", R"({"bridge":"br1","colour":"blue"})");
    expect_invalid(path, {}, {"config file " + path, "unknown setting \"colour\""});
  }
  SECTION("not JSON") {
    auto path = dir.write("c.json", "bridge = br1\n");
    expect_invalid(path, {}, {path, "not valid JSON"});
  }
  SECTION("a number beyond a double") {  // found by fuzz_config: nlohmann's out_of_range escaped
    auto path = dir.write("c.json", R"({"mtu":1e999})");
    expect_invalid(path, {}, {"read config file " + path, "not valid JSON", "number overflow"});
  }
  SECTION("not an object") {
    auto path = dir.write("c.json", R"(["bridge","br1"])");
    expect_invalid(path, {}, {path, "expected a JSON object"});
  }
  SECTION("array value") {
    auto path = dir.write("c.json", R"({"bridge":["br1","br2"]})");
    expect_invalid(path, {}, {path, "\"bridge\" must be a string, a non-negative integer or a boolean"});
  }
  SECTION("a key with a newline, quoted on one line") {
    auto path = dir.write("c.json", R"({"a\nb":null})");
    expect_invalid(path, {}, {path, "value of \"a\\x0ab\" must be"});
  }
  SECTION("object value") {
    auto path = dir.write("c.json", R"({"mtu":{"v":1400}})");
    expect_invalid(path, {}, {path, "\"mtu\""});
  }
  SECTION("invalid value in the file") {
    auto path = dir.write("c.json", R"({"mtu":0})");
    expect_invalid(path, {}, {"config file " + path, "--mtu \"0\"", "MTU must be from 68 to 65535"});
  }
  SECTION("missing file") {
    expect_invalid(dir / "absent.json", {}, {"read config file " + (dir / "absent.json"), "No such file"});
  }
}

TEST_CASE("invalid --ip values", "[config]") {
  expect_invalid_flag("ip", "172.19.0.1", "expected ADDRESS/PREFIX");
  expect_invalid_flag("ip", "172.19.0.300/16", "not an IP address");
  expect_invalid_flag("ip", "fd00::1/64", "IPv6 goes in --ip6");
  expect_invalid_flag("ip6", "10.0.0.1/24", "an IPv6 gateway and prefix");
  expect_invalid_flag("ip6", "fd00::1/47", "prefix must be from 48 to 120");
  expect_invalid_flag("ip6", "fd00::1/127", "prefix must be from 48 to 120");
  expect_invalid_flag("ip6", "fd00::/64", "network or broadcast");
  expect_invalid_flag("ip", "10.0.0.1/31", "prefix must be from 8 to 30");
  expect_invalid_flag("ip", "10.0.0.1/32", "prefix must be from 8 to 30");
  expect_invalid_flag("ip", "10.0.0.1/4", "prefix must be from 8 to 30");
  expect_invalid_flag("ip", "10.0.0.1/7", "prefix must be from 8 to 30");
  expect_invalid_flag("ip", "10.0.0.0/24", "network or broadcast");
  expect_invalid_flag("ip", "10.0.0.255/24", "network or broadcast");
  expect_invalid_flag("ip", "172.19.0.0/16", "network or broadcast");
}

TEST_CASE("invalid interface names", "[config]") {
  for (const char* key : {"bridge", "iface"}) {
    expect_invalid_flag(key, std::string(16, 'b'), "longer than 15 characters");
    expect_invalid_flag(key, "br/0", "must not contain '/'");
    expect_invalid_flag(key, "br:0", "must not contain");
    expect_invalid_flag(key, "br 0", "must not contain");
    expect_invalid_flag(key, "", "interface name is empty");
    expect_invalid_flag(key, "..", "not a valid interface name");
  }
  CHECK(nh::input::build_settings(kNoConfig, {{"bridge", std::string(15, 'b')}}).default_network.bridge.size() == 15);
  CHECK_NOTHROW(nh::net::validate_ifname("eth0", "--iface"));
  CHECK_THROWS_AS(nh::net::validate_ifname("a\tb", "--iface"), nh::base::Error);
}

TEST_CASE("invalid --mtu values", "[config]") {
  expect_invalid_flag("mtu", "0", "MTU must be from 68 to 65535");
  expect_invalid_flag("mtu", "67", "MTU must be from 68 to 65535");
  expect_invalid_flag("mtu", "65536", "MTU must be from 68 to 65535");
  expect_invalid_flag("mtu", "abc", "not a number");
  expect_invalid_flag("mtu", "-1500", "not a number");
  expect_invalid_flag("mtu", "1500x", "not a number");
  expect_invalid_flag("mtu", "", "not a number");
  expect_invalid_flag("mtu", "99999999999", "not a number");
  CHECK(nh::input::build_settings(kNoConfig, {{"mtu", "68"}}).default_network.mtu == 68);
  CHECK(nh::input::build_settings(kNoConfig, {{"mtu", "65535"}}).default_network.mtu == 65535);
}

TEST_CASE("a prefix out of the pools' range gets one message, however far out", "[config]") {
  for (const char* ip : {"10.0.0.1/33", "10.0.0.1/31", "10.0.0.1/7", "10.0.0.1/0"}) {
    INFO(ip);
    expect_invalid_flag("ip", ip, "prefix must be from 8 to 30 so the pool has addresses");
  }
  for (const char* ip : {"fd00::1/129", "fd00::1/121", "fd00::1/47"}) {
    INFO(ip);
    expect_invalid_flag("ip6", ip, "prefix must be from 48 to 120 so the pool has addresses");
  }
}

TEST_CASE("other invalid settings", "[config]") {
  expect_invalid_flag("state-dir", "run/netns-hook", "must be an absolute path");
  expect_invalid_flag("state-dir", "", "must be an absolute path");
  expect_invalid_flag("firewall", "nft", "expected auto, iptables, nftables or none");
  for (const char* b : {"auto", "iptables", "nftables", "none"})
    CHECK(nh::input::build_settings(kNoConfig, {{"firewall", b}}).firewall == b);
  expect_invalid_flag("debug", "yes", "expected true or false");
  expect_invalid_flag("static-ip", "172.19.0", "not an IP address");
  expect_invalid(kNoConfig, {{"colour", "blue"}}, {"unknown setting \"colour\""});
}

TEST_CASE("--static-ip and --network are checked for form; the request checks them against the networks", "[config]") {
  expect_invalid_flag("static-ip", "10.0.0.5,10.0.0.5", "10.0.0.5 is listed twice");
  expect_invalid_flag("static-ip", "10.0.0.5,,10.0.0.6", "\"\" is not an IP address");
  expect_invalid_flag("network", "web,web", "the network web is listed twice");
  expect_invalid_flag("network", "-web", "starts with a letter or a digit");
  expect_invalid_flag("network", "we b", "only letters, digits");
  expect_invalid_flag("network", "a.tmp.1", ".tmp.");
  expect_invalid_flag("network", std::string(65, 'n'), "longer than 64 characters");
  expect_invalid_flag("networks-dir", "etc/nets", "must be an absolute path");
  CHECK(nh::input::build_settings(kNoConfig, {{"network", "default,web"}}).networks ==
        std::vector<std::string>{"default", "web"});
}

TEST_CASE("setting_keys lists the documented keys", "[config]") {
  const auto& keys = nh::input::setting_keys();
  for (const char* k : {"bridge", "ip", "mtu", "iface", "state-dir", "networks-dir", "network", "static-ip", "firewall", "debug"})
    CHECK(std::find(keys.begin(), keys.end(), k) != keys.end());
  // Every listed key is accepted by apply_setting with some valid value.
  nh::input::Settings s;
  const std::map<std::string, std::string> valid = {
      {"ip", "172.19.0.1/16"}, {"mtu", "1500"},        {"state-dir", "/run/x"}, {"static-ip", "172.19.0.9"},
      {"networks-dir", "/etc/x"}, {"network", "web"}, {"ip6", "fd00:19::1/64"},
      {"firewall", "none"},    {"debug", "false"},     {"netns-link", "false"}, {"netns-dir", "/run/netns"},
      {"dns", "10.0.0.53"},    {"log-file", "/run/x.log"}, {"log-level", "debug"}};
  for (const auto& k : keys) {
    std::string v = valid.count(k) ? valid.at(k) : "x0";
    INFO("key " << k);
    CHECK_NOTHROW(nh::input::apply_setting(s, k, v));
  }
}

TEST_CASE("the ip netns, dns and log settings are checked", "[config]") {
  nh::input::Settings s;
  nh::input::apply_setting(s, "netns-prefix", "");
  CHECK(s.netns_prefix.empty());
  nh::input::apply_setting(s, "netns-prefix", "ctr.");
  CHECK(s.netns_prefix == "ctr.");
  CHECK_THROWS_WITH(nh::input::apply_setting(s, "netns-prefix", "a/b"), Catch::Contains("only letters, digits"));
  CHECK_THROWS_WITH(nh::input::apply_setting(s, "netns-prefix", std::string(65, 'a')), Catch::Contains("longer than 64"));
  CHECK_THROWS_WITH(nh::input::apply_setting(s, "netns-dir", "run/netns"), Catch::Contains("absolute path"));
  CHECK_THROWS_WITH(nh::input::apply_setting(s, "netns-link", "maybe"), Catch::Contains("expected true or false"));
  CHECK_THROWS_WITH(nh::input::apply_setting(s, "log-level", "trace"), Catch::Contains("expected error, info or debug"));
  CHECK_THROWS_WITH(nh::input::apply_setting(s, "log-file", "x.log"), Catch::Contains("absolute path"));

  nh::input::apply_setting(s, "dns", "10.0.0.53,1.1.1.1");
  REQUIRE(s.dns.size() == 2);
  CHECK(s.dns[1].str() == "1.1.1.1");
  nh::input::apply_setting(s, "dns", "10.0.0.53, 1.1.1.1");
  CHECK(s.dns.size() == 2);  // spaces after commas, as the annotations allow
  CHECK_THROWS_WITH(nh::input::apply_setting(s, "dns", "10.0.0.53,,1.1.1.1"), Catch::Contains("\"\" is not an IP address"));
  CHECK_THROWS_WITH(nh::input::apply_setting(s, "dns", "ns1.example"), Catch::Contains("\"ns1.example\" is not an IP"));
  CHECK_THROWS_WITH(nh::input::apply_setting(s, "dns", "1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4"), Catch::Contains("more than 3"));
  CHECK_THROWS_WITH(nh::input::apply_setting(s, "dns", ""), Catch::Contains("--dns"));
}
