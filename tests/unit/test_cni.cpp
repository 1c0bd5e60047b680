// The CNI front end without the kernel: versions, the configuration and the
// environment as the plugin reads them (each refusal with its code), the
// result of an ADD in each version, and the error JSON.
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <string>

#include "lib/cni/config.hpp"
#include "lib/cni/env.hpp"
#include "lib/cni/error.hpp"
#include "lib/cni/result.hpp"
#include "lib/cni/version.hpp"

namespace cni = nh::cni;

namespace {

std::string conf(const std::string& members = "", const std::string& version = "1.0.0") {
  return R"({"cniVersion": ")" + version + R"(", "name": "nhnet", "type": "netns-hook",
             "subnets": [{"subnet": "10.90.0.0/24"}])" +
         (members.empty() ? "" : ", " + members) + "}";
}

// The same network with an IPv6 subnet too.
std::string dual_stack_conf(const std::string& members) {
  return R"({"cniVersion": "1.0.0", "name": "nhnet", "type": "netns-hook",
             "subnets": [{"subnet": "10.90.0.0/24"}, {"subnet": "fd00:90::/64"}], )" + members + "}";
}

// The code a configuration is refused with (0 when accepted).
int refusal(const std::string& text) {
  try {
    cni::parse_config(text);
    return 0;
  } catch (const cni::Failure& f) {
    return f.code();
  }
}

cni::Environment env_of(const std::map<std::string, std::string>& vars) {
  return cni::read_environment([&](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  });
}

int env_refusal(const std::map<std::string, std::string>& vars) {
  try {
    env_of(vars);
    return 0;
  } catch (const cni::Failure& f) {
    return f.code();
  }
}

const std::map<std::string, std::string> kAdd = {
    {"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "ctr-1"}, {"CNI_NETNS", "/run/netns/x"}, {"CNI_IFNAME", "eth0"}};

nh::ipam::Attachment attachment(bool dual_stack) {
  nh::ipam::Attachment a;
  a.host_veth = "nh0123456789ab";
  a.host_mac = "aa:bb:cc:00:11:22";
  a.iface = "eth0";
  a.mac = "02:00:00:00:00:01";
  a.default_route = true;
  a.addresses.push_back({nh::addr::Cidr::parse("10.90.0.2/24"), *nh::addr::IpAddress::parse("10.90.0.1")});
  if (dual_stack)
    a.addresses.push_back({nh::addr::Cidr::parse("fd00:90::2/64"), *nh::addr::IpAddress::parse("fd00:90::1")});
  return a;
}

}  // namespace

TEST_CASE("CNI versions: the five supported, compared as numbers", "[cni]") {
  CHECK(cni::supported_versions() == std::vector<std::string>{"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"});
  CHECK(cni::is_supported("1.1.0"));
  CHECK_FALSE(cni::is_supported("0.2.0"));
  CHECK_FALSE(cni::is_supported("1.0"));
  CHECK(cni::compare_versions("0.10.0", "0.4.0") > 0);
  CHECK(cni::compare_versions("1.0.0", "1.0.0") == 0);
  CHECK_FALSE(cni::has_check("0.3.1"));
  CHECK(cni::has_check("0.4.0"));
  CHECK_FALSE(cni::has_gc_and_status("1.0.0"));
  CHECK(cni::has_gc_and_status("1.1.0"));
  CHECK(cni::ips_carry_version("0.4.0"));
  CHECK_FALSE(cni::ips_carry_version("1.0.0"));
}

TEST_CASE("a CNI configuration maps onto a network definition, with defaults", "[cni]") {
  auto c = cni::parse_config(conf());
  CHECK(c.cni_version == "1.0.0");
  CHECK(c.network.name == "nhnet");
  CHECK(c.network.bridge == "nh-nhnet");
  REQUIRE(c.network.subnets.size() == 1);
  CHECK(c.network.subnets[0].gateway.str() == "10.90.0.1");
  CHECK(c.network.masquerade);
  CHECK(c.network.isolate);
  CHECK_FALSE(c.network.internal);
  CHECK(c.network.mtu == 1500);
  CHECK(c.state_dir == "/run/netns-hook");
  CHECK(c.firewall == "auto");
  CHECK(c.ports.empty());

  auto d = cni::parse_config(conf(R"("bridge": "br9", "mtu": 1400, "ipMasq": false, "isolate": false, "internal": true,
      "stateDir": "/run/x", "firewall": "nftables", "unknownKey": {"ignored": true}, "capabilities": {"portMappings": true})"));
  CHECK(d.network.bridge == "br9");
  CHECK(d.network.mtu == 1400);
  CHECK_FALSE(d.network.masquerade);
  CHECK_FALSE(d.network.isolate);
  CHECK(d.network.internal);
  CHECK(d.state_dir == "/run/x");
  CHECK(d.firewall == "nftables");
}

TEST_CASE("runtimeConfig: port mappings, addresses and the MAC", "[cni]") {
  auto c = cni::parse_config(dual_stack_conf(R"("runtimeConfig": {
      "portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "TCP", "hostIP": ""},
                       {"hostPort": 53, "containerPort": 53, "protocol": "udp", "hostIP": "0.0.0.0"},
                       {"hostPort": 443, "containerPort": 8443, "hostIP": "::"},
                       {"hostPort": 9000, "containerPort": 9000, "hostIP": "127.0.0.1"},
                       {"hostPort": 9001, "containerPort": 9001, "hostIP": "fd00::1"}],
      "ips": ["10.90.0.5/24", "fd00:90::5"], "mac": "02:AB:cd:00:00:01"})"));
  REQUIRE(c.ports.size() == 5);
  CHECK(c.ports[0].str() == "8080:80/tcp");
  CHECK(c.ports[1].str() == "0.0.0.0:53:53/udp");
  CHECK(c.ports[2].str() == "[::]:443:8443/tcp");
  CHECK(c.ports[3].str() == "127.0.0.1:9000:9000/tcp");
  CHECK(c.ports[4].str() == "[fd00::1]:9001:9001/tcp");
  REQUIRE(c.ips.size() == 2);
  CHECK(c.ips[0].str() == "10.90.0.5");
  CHECK(c.ips[1].str() == "fd00:90::5");
  CHECK(c.mac == "02:ab:cd:00:00:01");
}

TEST_CASE("prevResult, dns and the valid attachments of a GC are kept", "[cni]") {
  auto c = cni::parse_config(conf(R"("prevResult": {"ips": []}, "dns": {"nameservers": ["10.0.0.53"]},
      "cni.dev/valid-attachments": [{"containerID": "a", "ifname": "eth0"}, {"containerID": "b", "ifname": "net1"}])",
                                  "1.1.0"));
  REQUIRE(c.prev_result);
  CHECK(c.dns["nameservers"][0] == "10.0.0.53");
  CHECK(c.valid_attachments == std::vector<cni::Attachment>{{"a", "eth0"}, {"b", "net1"}});
  auto old = cni::parse_config(conf(R"("cni.dev/attachments": [{"containerID": "c", "ifname": "eth0"}])", "1.1.0"));
  CHECK(old.valid_attachments == std::vector<cni::Attachment>{{"c", "eth0"}});
  // No key is no list (GC refuses it); null is Go's empty list.
  CHECK_FALSE(cni::parse_config(conf("", "1.1.0")).valid_attachments.has_value());
  auto none = cni::parse_config(conf(R"("cni.dev/valid-attachments": null)", "1.1.0"));
  REQUIRE(none.valid_attachments.has_value());
  CHECK(none.valid_attachments->empty());
}

TEST_CASE("a bad configuration is refused with the specification's code", "[cni]") {
  CHECK(refusal("{\"cniVersion\": ") == cni::kDecodingFailure);
  CHECK(refusal("[1]") == cni::kDecodingFailure);
  CHECK(refusal(conf("", "0.2.0")) == cni::kIncompatibleVersion);
  CHECK(refusal(R"({"name": "n", "subnets": [{"subnet": "10.90.0.0/24"}]})") == cni::kInvalidConfig);
  CHECK(refusal(R"({"cniVersion": "1.0.0", "subnets": [{"subnet": "10.90.0.0/24"}]})") == cni::kInvalidConfig);
  CHECK(refusal(R"({"cniVersion": "1.0.0", "name": "n"})") == cni::kInvalidConfig);
  CHECK(refusal(R"({"cniVersion": "1.0.0", "name": "default", "subnets": [{"subnet": "10.90.0.0/24"}]})") ==
        cni::kInvalidConfig);
  CHECK(refusal(R"({"cniVersion": "1.0.0", "name": "n", "subnets": [{"subnet": "10.90.0.0/24"}, {"subnet": "10.91.0.0/24"}]})") ==
        cni::kInvalidConfig);
  CHECK(refusal(conf(R"("mtu": 70000)")) == cni::kInvalidConfig);
  CHECK(refusal(conf(R"("ipMasq": 1)")) == cni::kInvalidConfig);
  CHECK(refusal(conf(R"("stateDir": "run/x")")) == cni::kInvalidConfig);
  CHECK(refusal(conf(R"("firewall": "pf")")) == cni::kInvalidConfig);
  CHECK(refusal(conf(R"("runtimeConfig": {"portMappings": [{"hostPort": 70000, "containerPort": 80}]})")) == cni::kInvalidConfig);
  CHECK(refusal(conf(R"("runtimeConfig": {"portMappings": [{"hostPort": 80, "containerPort": 80, "protocol": "icmp"}]})")) ==
        cni::kInvalidConfig);
  CHECK(refusal(conf(R"("runtimeConfig": {"portMappings": [{"hostPort": 80, "containerPort": 80, "hostIP": "::1"}]})")) ==
        cni::kInvalidConfig);
  CHECK(refusal(conf(R"("runtimeConfig": {"ips": ["nope"]})")) == cni::kInvalidConfig);
  CHECK(refusal(conf(R"("runtimeConfig": {"mac": "01:00:5e:00:00:01"})")) == cni::kInvalidConfig);
  CHECK(refusal(conf(R"("firewall": "none", "runtimeConfig": {"portMappings": [{"hostPort": 80, "containerPort": 80}]})")) ==
        cni::kInvalidConfig);
  CHECK(refusal(conf(R"("internal": true, "runtimeConfig": {"portMappings": [{"hostPort": 80, "containerPort": 80}]})")) ==
        cni::kInvalidConfig);
  // A port of a family the network has no subnet of.
  CHECK(refusal(conf(R"("runtimeConfig": {"portMappings": [{"hostPort": 80, "containerPort": 80, "hostIP": "::"}]})")) ==
        cni::kInvalidConfig);
  CHECK(refusal(conf(R"("cni.dev/valid-attachments": [{"containerID": "a"}])")) == cni::kInvalidConfig);
}

TEST_CASE("the CNI environment, checked per command", "[cni]") {
  auto e = env_of(kAdd);
  CHECK(e.command == "ADD");
  CHECK(e.container_id == "ctr-1");
  CHECK(e.netns == "/run/netns/x");
  CHECK(e.ifname == "eth0");

  CHECK(env_refusal({{"CNI_COMMAND", "FROB"}}) == cni::kInvalidEnvironment);
  CHECK(env_refusal({}) == cni::kInvalidEnvironment);
  CHECK(env_refusal({{"CNI_COMMAND", "VERSION"}}) == 0);
  CHECK(env_refusal({{"CNI_COMMAND", "GC"}}) == 0);
  CHECK(env_refusal({{"CNI_COMMAND", "STATUS"}}) == 0);
  for (const char* missing : {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"}) {
    auto vars = kAdd;
    vars.erase(missing);
    INFO(missing);
    CHECK(env_refusal(vars) == cni::kInvalidEnvironment);
  }
  auto del = kAdd;
  del["CNI_COMMAND"] = "DEL";
  del.erase("CNI_NETNS");
  CHECK(env_refusal(del) == 0);  // a DEL may come without the namespace
  auto bad_id = kAdd;
  bad_id["CNI_CONTAINERID"] = "a/b";
  CHECK(env_refusal(bad_id) == cni::kInvalidEnvironment);
  auto bad_if = kAdd;
  bad_if["CNI_IFNAME"] = "a-name-longer-than-15";
  CHECK(env_refusal(bad_if) == cni::kInvalidEnvironment);
  auto relative = kAdd;
  relative["CNI_NETNS"] = "run/netns/x";
  CHECK(env_refusal(relative) == cni::kInvalidEnvironment);
}

TEST_CASE("CNI_ARGS: IP, MAC and IgnoreUnknown as libcni's plugins read them", "[cni]") {
  auto vars = kAdd;
  vars["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.90.0.7,fd00:90::7;MAC=02:AA:00:00:00:07";
  auto e = env_of(vars);
  REQUIRE(e.ips.size() == 2);
  CHECK(e.ips[0].str() == "10.90.0.7");
  CHECK(e.ips[1].str() == "fd00:90::7");
  CHECK(e.mac == "02:aa:00:00:00:07");
  vars["CNI_ARGS"] = "K8S_POD_NAME=web";
  CHECK(env_refusal(vars) == cni::kInvalidEnvironment);
  vars["CNI_ARGS"] = "IP=10.90.0";
  CHECK(env_refusal(vars) == cni::kInvalidEnvironment);
  vars["CNI_ARGS"] = "MAC=zz:00:00:00:00:00";
  CHECK(env_refusal(vars) == cni::kInvalidEnvironment);
  vars["CNI_ARGS"] = "noequals";
  CHECK(env_refusal(vars) == cni::kInvalidEnvironment);
  vars["CNI_ARGS"] = "";
  CHECK(env_refusal(vars) == 0);
}

TEST_CASE("the ADD result: both interfaces with MACs, addresses, routes, in the version asked", "[cni]") {
  const auto a = attachment(true);
  const nlohmann::json dns = {{"nameservers", {"10.0.0.53"}}};
  auto r = cni::add_result("1.0.0", a, "/run/netns/x", dns);
  const nlohmann::json expected_1 = nlohmann::json::parse(R"({
    "cniVersion": "1.0.0",
    "interfaces": [{"name": "nh0123456789ab", "mac": "aa:bb:cc:00:11:22"},
                   {"name": "eth0", "mac": "02:00:00:00:00:01", "sandbox": "/run/netns/x"}],
    "ips": [{"address": "10.90.0.2/24", "gateway": "10.90.0.1", "interface": 1},
            {"address": "fd00:90::2/64", "gateway": "fd00:90::1", "interface": 1}],
    "routes": [{"dst": "0.0.0.0/0", "gw": "10.90.0.1"}, {"dst": "::/0", "gw": "fd00:90::1"}],
    "dns": {"nameservers": ["10.0.0.53"]}})");
  CHECK(r == expected_1);
  auto old = cni::add_result("0.3.1", a, "/run/netns/x", nullptr);
  CHECK(old["cniVersion"] == "0.3.1");
  CHECK(old["ips"][0]["version"] == "4");
  CHECK(old["ips"][1]["version"] == "6");
  CHECK(old["dns"] == nlohmann::json::object());
  auto internal = attachment(false);
  internal.default_route = false;
  CHECK_FALSE(cni::add_result("1.1.0", internal, "/run/netns/x", nullptr).contains("routes"));
}

TEST_CASE("the CNI error JSON, and the codes of the pipeline's errors", "[cni]") {
  const cni::Failure f(cni::kInvalidConfig, "invalid network configuration", "\"mtu\" must be a number");
  auto j = nlohmann::json::parse(cni::error_json("0.4.0", f.code(), f));
  CHECK(j == nlohmann::json{{"cniVersion", "0.4.0"}, {"code", 7}, {"msg", "invalid network configuration"},
                            {"details", "\"mtu\" must be a number"}});
  CHECK(cni::code_of(f) == cni::kInvalidConfig);
  CHECK(cni::code_of(nh::base::Error::input("claim 10.90.0.5", "already leased to a")) == cni::kRequestConflicts);
  CHECK(cni::code_of(nh::base::Error("lock /run/x/lock", "still held", nh::base::Error::Kind::kErrno, ETIMEDOUT)) ==
        cni::kTryAgainLater);
  CHECK(cni::code_of(nh::base::Error("apply", "changed", nh::base::Error::Kind::kNftables, ERESTART)) == cni::kTryAgainLater);
  CHECK(cni::code_of(nh::base::Error::from_errno("open /x", EACCES)) == cni::kSystemFailure);
}
