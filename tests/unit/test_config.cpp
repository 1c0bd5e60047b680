// build_settings: defaults, config files, flags, and every validation.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lib/config.hpp"
#include "lib/error.hpp"
#include "common/temp_dir.hpp"

using nh::Setting;

namespace {

const std::optional<std::string> kNoConfig;

nh::IpAddress ip(const std::string& text) { return *nh::IpAddress::parse(text); }

// build_settings must throw an nh::Error whose message contains every needle.
void expect_invalid(const std::optional<std::string>& config, const std::vector<Setting>& flags,
                    const std::vector<std::string>& needles) {
  try {
    nh::build_settings(config, flags);
    FAIL("build_settings accepted the settings");
  } catch (const nh::Error& e) {
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
  auto s = nh::build_settings(kNoConfig, {});
  CHECK(s.network.bridge == "netns0");
  CHECK(s.network.gateway.str() == "172.19.0.1/16");
  CHECK(s.network.subnet().str() == "172.19.0.0/16");
  CHECK(s.network.mtu == 1500);
  CHECK(s.network.iface == "eth0");
  CHECK(s.state_dir == "/run/netns-hook");
  CHECK(s.firewall == "iptables");
  CHECK_FALSE(s.static_ip.has_value());
  CHECK_FALSE(s.debug);
}

TEST_CASE("flags override the defaults", "[config]") {
  auto s = nh::build_settings(kNoConfig, {{"bridge", "br1"},
                                          {"static-ip", "10.1.0.9"},  // before --ip: checked at the end
                                          {"ip", "10.1.0.1/24"},
                                          {"mtu", "1400"},
                                          {"iface", "ceth0"},
                                          {"state-dir", "/var/lib/nh"},
                                          {"firewall", "none"},
                                          {"debug", "true"}});
  CHECK(s.network.bridge == "br1");
  CHECK(s.network.gateway.str() == "10.1.0.1/24");
  CHECK(s.network.mtu == 1400);
  CHECK(s.network.iface == "ceth0");
  CHECK(s.state_dir == "/var/lib/nh");
  CHECK(s.firewall == "none");
  CHECK(s.static_ip == std::optional<nh::IpAddress>(ip("10.1.0.9")));
  CHECK(s.debug);
}

TEST_CASE("the last of repeated flags wins", "[config]") {
  auto s = nh::build_settings(kNoConfig, {{"mtu", "1400"}, {"mtu", "9000"}, {"debug", "1"}, {"debug", "0"}});
  CHECK(s.network.mtu == 9000);
  CHECK_FALSE(s.debug);
}

TEST_CASE("prefix bounds 8 and 30 are accepted", "[config]") {
  CHECK(nh::build_settings(kNoConfig, {{"ip", "10.0.0.1/8"}}).network.gateway.prefix() == 8);
  CHECK(nh::build_settings(kNoConfig, {{"ip", "10.0.0.1/30"}}).network.gateway.prefix() == 30);
}

TEST_CASE("config file is read and flags win over it", "[config]") {
  nh_test::TempDir dir;
  auto path = dir.write("nh.json", R"({"bridge":"br9","ip":"10.9.0.1/24","mtu":1400,"debug":true,
                                       "state-dir":"/tmp/nh-state","static-ip":"10.9.0.20"})");

  auto raw = nh::read_config_file(path);
  CHECK(std::find(raw.begin(), raw.end(), Setting{"mtu", "1400"}) != raw.end());
  CHECK(std::find(raw.begin(), raw.end(), Setting{"debug", "true"}) != raw.end());

  auto from_file = nh::build_settings(path, {});
  CHECK(from_file.network.bridge == "br9");
  CHECK(from_file.network.gateway.str() == "10.9.0.1/24");
  CHECK(from_file.network.mtu == 1400);
  CHECK(from_file.debug);
  CHECK(from_file.state_dir == "/tmp/nh-state");
  CHECK(from_file.static_ip == std::optional<nh::IpAddress>(ip("10.9.0.20")));
  CHECK(from_file.network.iface == "eth0");  // not in the file: default

  auto flagged = nh::build_settings(path, {{"mtu", "1300"}, {"bridge", "br10"}});
  CHECK(flagged.network.mtu == 1300);
  CHECK(flagged.network.bridge == "br10");
  CHECK(flagged.network.gateway.str() == "10.9.0.1/24");  // still from the file
}

TEST_CASE("a static IP from the file is checked against the final subnet", "[config]") {
  nh_test::TempDir dir;
  auto path = dir.write("nh.json", R"({"static-ip":"172.19.0.5"})");
  CHECK(nh::build_settings(path, {}).static_ip == std::optional<nh::IpAddress>(ip("172.19.0.5")));
  expect_invalid(path, {{"ip", "10.0.0.1/24"}}, {"--static-ip", "172.19.0.5", "not inside the subnet 10.0.0.0/24"});
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
  expect_invalid_flag("ip", "fd00::1/64", "IPv6 networks are not supported");
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
  CHECK(nh::build_settings(kNoConfig, {{"bridge", std::string(15, 'b')}}).network.bridge.size() == 15);
  CHECK_NOTHROW(nh::validate_ifname("eth0", "--iface"));
  CHECK_THROWS_AS(nh::validate_ifname("a\tb", "--iface"), nh::Error);
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
  CHECK(nh::build_settings(kNoConfig, {{"mtu", "68"}}).network.mtu == 68);
  CHECK(nh::build_settings(kNoConfig, {{"mtu", "65535"}}).network.mtu == 65535);
}

TEST_CASE("other invalid settings", "[config]") {
  expect_invalid_flag("state-dir", "run/netns-hook", "must be an absolute path");
  expect_invalid_flag("state-dir", "", "must be an absolute path");
  expect_invalid_flag("firewall", "nftables", "expected \"iptables\" or \"none\"");
  expect_invalid_flag("debug", "yes", "expected true or false");
  expect_invalid_flag("static-ip", "172.19.0", "not an IP address");
  expect_invalid(kNoConfig, {{"colour", "blue"}}, {"unknown setting \"colour\""});
}

TEST_CASE("--static-ip must be a usable address of the subnet", "[config]") {
  expect_invalid_flag("static-ip", "10.0.0.5", "not inside the subnet 172.19.0.0/16");
  expect_invalid_flag("static-ip", "172.19.0.1", "it is the gateway");
  expect_invalid_flag("static-ip", "172.19.0.0", "it is the subnet's network address");
  expect_invalid_flag("static-ip", "172.19.255.255", "it is the subnet's broadcast address");
  expect_invalid_flag("static-ip", "fd00::5", "not inside the subnet");
  CHECK(nh::build_settings(kNoConfig, {{"static-ip", "172.19.255.254"}}).static_ip.has_value());
}

TEST_CASE("validate_requested_address names the source", "[config]") {
  nh::Network net;
  net.gateway = nh::Cidr::parse("10.9.0.1/29");
  CHECK_NOTHROW(nh::validate_requested_address(net, ip("10.9.0.2"), "x"));
  CHECK_NOTHROW(nh::validate_requested_address(net, ip("10.9.0.6"), "x"));
  const std::string src = "annotation netns-hook.ip";
  CHECK_THROWS_WITH(nh::validate_requested_address(net, ip("10.9.0.7"), src),
                    Catch::Contains(src) && Catch::Contains("broadcast"));
  CHECK_THROWS_WITH(nh::validate_requested_address(net, ip("10.9.0.0"), src),
                    Catch::Contains(src) && Catch::Contains("network address"));
  CHECK_THROWS_WITH(nh::validate_requested_address(net, ip("10.9.0.1"), src),
                    Catch::Contains(src) && Catch::Contains("gateway"));
  CHECK_THROWS_WITH(nh::validate_requested_address(net, ip("10.9.0.8"), src),
                    Catch::Contains("\"10.9.0.8\"") && Catch::Contains("not inside the subnet 10.9.0.0/29"));
}

TEST_CASE("setting_keys lists the documented keys", "[config]") {
  const auto& keys = nh::setting_keys();
  for (const char* k : {"bridge", "ip", "mtu", "iface", "state-dir", "static-ip", "firewall", "debug"})
    CHECK(std::find(keys.begin(), keys.end(), k) != keys.end());
  // Every listed key is accepted by apply_setting with some valid value.
  nh::Settings s;
  const std::map<std::string, std::string> valid = {
      {"ip", "172.19.0.1/16"}, {"mtu", "1500"},        {"state-dir", "/run/x"}, {"static-ip", "172.19.0.9"},
      {"firewall", "none"},    {"debug", "false"},     {"netns-link", "false"}, {"netns-dir", "/run/netns"},
      {"dns", "10.0.0.53"},    {"log-file", "/run/x.log"}, {"log-level", "debug"}};
  for (const auto& k : keys) {
    std::string v = valid.count(k) ? valid.at(k) : "x0";
    INFO("key " << k);
    CHECK_NOTHROW(nh::apply_setting(s, k, v));
  }
}

TEST_CASE("the ip netns, dns and log settings are checked", "[config]") {
  nh::Settings s;
  nh::apply_setting(s, "netns-prefix", "");
  CHECK(s.netns_prefix.empty());
  nh::apply_setting(s, "netns-prefix", "ctr.");
  CHECK(s.netns_prefix == "ctr.");
  CHECK_THROWS_WITH(nh::apply_setting(s, "netns-prefix", "a/b"), Catch::Contains("only letters, digits"));
  CHECK_THROWS_WITH(nh::apply_setting(s, "netns-prefix", std::string(65, 'a')), Catch::Contains("longer than 64"));
  CHECK_THROWS_WITH(nh::apply_setting(s, "netns-dir", "run/netns"), Catch::Contains("absolute path"));
  CHECK_THROWS_WITH(nh::apply_setting(s, "netns-link", "maybe"), Catch::Contains("expected true or false"));
  CHECK_THROWS_WITH(nh::apply_setting(s, "log-level", "trace"), Catch::Contains("expected error, info or debug"));
  CHECK_THROWS_WITH(nh::apply_setting(s, "log-file", "x.log"), Catch::Contains("absolute path"));

  nh::apply_setting(s, "dns", "10.0.0.53,1.1.1.1");
  REQUIRE(s.dns.size() == 2);
  CHECK(s.dns[1].str() == "1.1.1.1");
  nh::apply_setting(s, "dns", "10.0.0.53, 1.1.1.1");
  CHECK(s.dns.size() == 2);  // spaces after commas, as the annotations allow
  CHECK_THROWS_WITH(nh::apply_setting(s, "dns", "10.0.0.53,,1.1.1.1"), Catch::Contains("\"\" is not an IP address"));
  CHECK_THROWS_WITH(nh::apply_setting(s, "dns", "ns1.example"), Catch::Contains("\"ns1.example\" is not an IP"));
  CHECK_THROWS_WITH(nh::apply_setting(s, "dns", "1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4"), Catch::Contains("more than 3"));
  CHECK_THROWS_WITH(nh::apply_setting(s, "dns", ""), Catch::Contains("--dns"));
}
