#include "lib/cni/config.hpp"


#include <cctype>

#include "lib/base/error.hpp"
#include "lib/base/text.hpp"
#include "lib/cni/env.hpp"
#include "lib/cni/error.hpp"
#include "lib/input/request.hpp"
#include "lib/cni/version.hpp"
#include "lib/net/names.hpp"

namespace nh::cni {

namespace {

Failure bad(const std::string& why) { return Failure(kInvalidConfig, "invalid network configuration", why); }

const nlohmann::json* find(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

std::string string_of(const nlohmann::json& v, const std::string& key) {
  if (!v.is_string()) throw bad("\"" + key + "\" is not a string");
  return v.get<std::string>();
}

bool bool_of(const nlohmann::json& v, const std::string& key) {
  if (!v.is_boolean()) throw bad("\"" + key + "\" is not true or false");
  return v.get<bool>();
}

std::string absolute_path(const nlohmann::json& v, const std::string& key) {
  std::string p = string_of(v, key);
  if (p.empty() || p.front() != '/') throw bad("\"" + key + "\" \"" + base::printable(p) + "\" is not an absolute path");
  return p;
}

nlohmann::json parse_json(const std::string& text) {
  try {
    auto j = nlohmann::json::parse(text);
    if (!j.is_object())
      throw Failure(kDecodingFailure, "decode the network configuration", "expected a JSON object, got " + std::string(j.type_name()));
    return j;
  } catch (const nlohmann::json::exception& e) {
    throw Failure(kDecodingFailure, "decode the network configuration", base::json_parse_reason(e.what()));
  }
}

// hostIP as CNI clients send it: "" (every address, both families),
// "0.0.0.0" and "::" (every address of one family), or one address.
addr::PortMapping port_mapping(const nlohmann::json& p) {
  if (!p.is_object()) throw bad("an item of \"runtimeConfig.portMappings\" is not an object");
  auto port = [&](const char* key) -> std::uint16_t {
    const auto* v = find(p, key);
    if (!v || !v->is_number_integer() || v->get<long long>() < 1 || v->get<long long>() > 65535)
      throw bad(std::string("portMappings: \"") + key + "\" must be a port from 1 to 65535");
    return static_cast<std::uint16_t>(v->get<long long>());
  };
  addr::PortMapping m;
  m.host_port = port("hostPort");
  m.container_port = port("containerPort");
  if (const auto* proto = find(p, "protocol")) {
    m.protocol = string_of(*proto, "portMappings: protocol");
    for (auto& ch : m.protocol) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (m.protocol.empty()) m.protocol = "tcp";
    if (m.protocol != "tcp" && m.protocol != "udp" && m.protocol != "sctp")
      throw bad("portMappings: protocol \"" + base::printable(m.protocol) + "\" is not tcp, udp or sctp");
  }
  std::string host = find(p, "hostIP") ? string_of(*find(p, "hostIP"), "portMappings: hostIP") : "";
  if (host == "::") host = "[::]";
  else if (host.find(':') != std::string::npos) host = "[" + host + "]";
  if (!addr::set_host_text(m, host))
    throw bad("portMappings: hostIP \"" + base::printable(host) + "\" is not an IP address");
  if (m.host_ip && *m.host_ip == *addr::IpAddress::parse("::1"))
    throw bad("portMappings: hostIP ::1: the kernel cannot DNAT from the IPv6 loopback address (use 127.0.0.1)");
  return m;
}

void read_runtime_config(const nlohmann::json& rc, NetConf& c) {
  if (!rc.is_object()) throw bad("\"runtimeConfig\" is not an object");
  if (const auto* pm = find(rc, "portMappings")) {
    if (!pm->is_array()) throw bad("\"runtimeConfig.portMappings\" is not a list");
    for (const auto& p : *pm) c.ports.push_back(port_mapping(p));
  }
  if (const auto* ips = find(rc, "ips")) {
    if (!ips->is_array()) throw bad("\"runtimeConfig.ips\" is not a list");
    for (const auto& v : *ips) {
      std::string text = string_of(v, "runtimeConfig.ips");
      // "10.88.0.5/16" or "10.88.0.5": the prefix is the network's anyway.
      auto ip = addr::IpAddress::parse(text.substr(0, text.find('/')));
      if (!ip) throw bad("runtimeConfig.ips: \"" + base::printable(text) + "\" is not an IP address");
      c.ips.push_back(*ip);
    }
  }
  if (const auto* mac = find(rc, "mac")) c.mac = parse_mac(string_of(*mac, "runtimeConfig.mac"), "runtimeConfig.mac", kInvalidConfig);
}

std::vector<Attachment> attachments(const nlohmann::json& list, const std::string& key) {
  if (list.is_null()) return {};
  if (!list.is_array()) throw bad("\"" + key + "\" is not a list");
  std::vector<Attachment> out;
  for (const auto& a : list) {
    if (!a.is_object()) throw bad("an item of \"" + key + "\" is not an object");
    const auto* id = find(a, "containerID");
    const auto* ifname = find(a, "ifname");
    if (!id || !ifname) throw bad("an item of \"" + key + "\" lacks \"containerID\" or \"ifname\"");
    out.push_back({string_of(*id, key + ": containerID"), string_of(*ifname, key + ": ifname")});
  }
  return out;
}

// The network a configuration describes, in the networks' own format and
// through their own parser (net::from_json): "ipMasq" is "masquerade", the
// bridge defaults as for `network create`, and of a subnet only "subnet"
// and "gateway" are read (CNI IPAM ranges may carry more).
net::Network network_of(const nlohmann::json& j) {
  const auto* name = find(j, "name");
  if (!name) throw bad("\"name\" is missing");
  const std::string network = string_of(*name, "name");
  if (network == net::kDefaultNetwork)
    throw bad("the name default is the OCI hook's network that its options describe; give the CNI network another name");
  const auto* subnets = find(j, "subnets");
  if (!subnets) throw bad("\"subnets\" is missing (e.g. [{\"subnet\": \"10.89.0.0/24\"}])");
  try {
    net::validate_network_name(network, "network name");
    nlohmann::json def = {{"name", network}, {"subnets", nlohmann::json::array()}};
    const auto* bridge = find(j, "bridge");
    def["bridge"] = bridge ? *bridge : nlohmann::json(net::default_bridge_name(network));
    if (!subnets->is_array()) def["subnets"] = *subnets;  // refused by the parser, naming it
    else
      for (const auto& item : *subnets) {
        nlohmann::json kept = item.is_object() ? nlohmann::json::object() : item;
        for (const char* key : {"subnet", "gateway"})
          if (const auto* v = item.is_object() ? find(item, key) : nullptr) kept[key] = *v;
        def["subnets"].push_back(kept);
      }
    for (const char* key : {"mtu", "isolate", "internal"})
      if (const auto* v = find(j, key)) def[key] = *v;
    if (const auto* v = find(j, "ipMasq")) def["masquerade"] = bool_of(*v, "ipMasq");  // named as the user wrote it
    return net::from_json(def, "network configuration");
  } catch (const base::Error& e) {
    throw Failure(kInvalidConfig, e);
  }
}


}  // namespace

std::string requested_version(const std::string& text) {
  try {
    auto j = nlohmann::json::parse(text);
    if (j.is_object())
      if (auto v = j.find("cniVersion"); v != j.end() && v->is_string()) return v->get<std::string>();
  } catch (const nlohmann::json::exception&) {
  }
  return "";
}

NetConf parse_config(const std::string& text) {
  const nlohmann::json j = parse_json(text);
  NetConf c;
  const auto* version = find(j, "cniVersion");
  if (!version) throw bad("\"cniVersion\" is missing");
  c.cni_version = string_of(*version, "cniVersion");
  if (!is_supported(c.cni_version)) {
    std::string list;
    for (const auto& v : supported_versions()) list += (list.empty() ? "" : ", ") + v;
    throw Failure(kIncompatibleVersion, "use cniVersion \"" + base::printable(c.cni_version) + "\"",
                  "the plugin speaks " + list);
  }
  c.network = network_of(j);
  if (const auto* v = find(j, "stateDir")) c.state_dir = absolute_path(*v, "stateDir");
  if (const auto* v = find(j, "networksDir")) c.networks_dir = absolute_path(*v, "networksDir");
  if (const auto* v = find(j, "firewall")) {
    c.firewall = string_of(*v, "firewall");
    if (c.firewall != "auto" && c.firewall != "iptables" && c.firewall != "nftables" && c.firewall != "none")
      throw bad("\"firewall\" \"" + base::printable(c.firewall) + "\" is not auto, iptables, nftables or none");
  }
  if (const auto* rc = find(j, "runtimeConfig")) read_runtime_config(*rc, c);
  try {
    input::check_ports(c.ports, c.network.internal ? nullptr : &c.network, c.firewall, "runtimeConfig.portMappings");
  } catch (const base::Error& e) {
    throw Failure(kInvalidConfig, e.with_context("invalid network configuration"));
  }
  if (const auto* prev = find(j, "prevResult")) {
    if (!prev->is_object()) throw bad("\"prevResult\" is not an object");
    c.prev_result = *prev;
  }
  if (const auto* dns = find(j, "dns")) {
    if (!dns->is_object()) throw bad("\"dns\" is not an object");
    c.dns = *dns;
  }
  // Present but null counts: it is how Go writes an empty list.
  if (auto v = j.find("cni.dev/valid-attachments"); v != j.end()) c.valid_attachments = attachments(*v, "cni.dev/valid-attachments");
  else if (auto old = j.find("cni.dev/attachments"); old != j.end()) c.valid_attachments = attachments(*old, "cni.dev/attachments");
  return c;
}

}  // namespace nh::cni
