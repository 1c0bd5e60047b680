#include "lib/ipam/records.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "lib/base/error.hpp"
#include "lib/netlink/netns.hpp"

namespace nh::ipam {

using base::Error;

Member* Sandbox::member(const std::string& id) {
  auto it = std::find_if(members.begin(), members.end(), [&](const Member& m) { return m.id == id; });
  return it == members.end() ? nullptr : &*it;
}

const Member* Sandbox::member(const std::string& id) const { return const_cast<Sandbox*>(this)->member(id); }

const Attachment* Sandbox::attachment(const std::string& iface) const {
  for (const auto& a : attachments)
    if (a.iface == iface) return &a;
  return nullptr;
}

bool Sandbox::built() const {
  if (attachments.empty()) return false;
  for (const auto& a : attachments)
    if (a.building_pid != 0 || a.releasing) return false;
  return true;
}

int Sandbox::building_pid() const {
  for (const auto& a : attachments)
    if (a.building_pid != 0) return a.building_pid;
  return 0;
}

const Attachment* Sandbox::ports_attachment(const Member& m) const {
  for (const auto& a : attachments)
    if (a.network.name == m.ports_network) return &a;
  return nullptr;
}

std::string sandbox_key(std::uint64_t dev, std::uint64_t inode) {
  return std::to_string(dev) + "-" + std::to_string(inode);
}

std::string lease_owner(const Sandbox& s) { return s.key + " " + std::to_string(s.created_us); }

std::string lease_owner_key(const std::string& text) {
  auto end = text.find_first_of(" \n");
  return text.substr(0, end);
}

namespace {

nlohmann::json address_json(const Address& a) { return {{"address", a.cidr.str()}, {"gateway", a.gateway.str()}}; }

Address address_from(const nlohmann::json& j, const std::string& source) {
  auto gw = addr::IpAddress::parse(j.at("gateway").get<std::string>());
  if (!gw) throw Error::input(source, "corrupt gateway address");
  return {addr::Cidr::parse(j.at("address").get<std::string>()), *gw};
}

}  // namespace

std::string to_json(const Sandbox& s) {
  auto members = nlohmann::json::array();
  for (const auto& m : s.members) {
    auto ports = nlohmann::json::array();
    for (const auto& p : m.ports) ports.push_back(p.str());
    nlohmann::json jm = {{"id", m.id}, {"pid", m.pid}, {"ports", ports}};
    if (!m.netns_link.empty()) jm["netns_link"] = m.netns_link;
    if (!m.ports_network.empty()) jm["ports_network"] = m.ports_network;
    members.push_back(std::move(jm));
  }
  auto atts = nlohmann::json::array();
  for (const auto& a : s.attachments) {
    auto addrs = nlohmann::json::array();
    for (const auto& ad : a.addresses) addrs.push_back(address_json(ad));
    atts.push_back({{"network", net::to_json(a.network)},
                    {"container", a.container},
                    {"iface", a.iface},
                    {"host_veth", a.host_veth},
                    {"host_ifindex", a.host_ifindex},
                    {"mac", a.mac},
                    {"host_mac", a.host_mac},
                    {"addresses", addrs},
                    {"created_us", a.created_us},
                    {"default_route", a.default_route},
                    {"building_pid", a.building_pid},
                    {"releasing", a.releasing}});
  }
  nlohmann::json j = {{"key", s.key},
                      {"netns_dev", s.netns_dev},
                      {"netns_inode", s.netns_inode},
                      {"members", members},
                      {"leaving", s.leaving},
                      {"attachments", atts},
                      {"firewall", s.firewall},
                      {"created_us", s.created_us}};
  if (!s.netns_path.empty()) j["netns_path"] = s.netns_path;
  return j.dump() + "\n";
}

Sandbox sandbox_from_json(const std::string& text, const std::string& source) {
  const std::string what = "read " + source;
  try {
    auto j = nlohmann::json::parse(text);
    Sandbox s;
    s.key = j.at("key").get<std::string>();
    s.netns_dev = j.at("netns_dev").get<std::uint64_t>();
    s.netns_inode = j.at("netns_inode").get<std::uint64_t>();
    s.netns_path = j.value("netns_path", "");
    for (const auto& jm : j.at("members")) {
      Member m;
      m.id = jm.at("id").get<std::string>();
      m.pid = jm.at("pid").get<int>();
      m.netns_link = jm.value("netns_link", "");
      m.ports_network = jm.value("ports_network", "");
      for (const auto& p : jm.at("ports")) {
        auto parsed = base::wrap(what, [&] { return addr::parse_ports(p.get<std::string>()); });
        if (parsed.size() != 1) throw Error::input(what, "corrupt port entry");
        m.ports.push_back(parsed.front());
      }
      s.members.push_back(std::move(m));
    }
    s.leaving = j.at("leaving").get<std::vector<std::string>>();
    for (const auto& ja : j.at("attachments")) {
      Attachment a;
      a.network = net::from_json(ja.at("network"), what);
      a.container = ja.at("container").get<std::string>();
      a.iface = ja.at("iface").get<std::string>();
      a.host_veth = ja.at("host_veth").get<std::string>();
      a.host_ifindex = ja.at("host_ifindex").get<int>();
      a.mac = ja.value("mac", "");
      a.host_mac = ja.value("host_mac", "");
      a.created_us = ja.at("created_us").get<std::int64_t>();
      for (const auto& ad : ja.at("addresses")) a.addresses.push_back(address_from(ad, what));
      a.default_route = ja.at("default_route").get<bool>();
      a.building_pid = ja.at("building_pid").get<int>();
      a.releasing = ja.at("releasing").get<bool>();
      s.attachments.push_back(std::move(a));
    }
    s.firewall = j.at("firewall").get<std::string>();
    s.created_us = j.at("created_us").get<std::int64_t>();
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw Error::input(what, std::string("corrupt state file: ") + e.what());
  }
}

bool namespace_alive(const Sandbox& s) {
  if (!s.netns_path.empty() && netlink::netns_path_is(s.netns_path, s.netns_dev, s.netns_inode)) return true;
  for (const auto& m : s.members)
    if (m.pid > 0 &&
        netlink::netns_path_is("/proc/" + std::to_string(m.pid) + "/ns/net", s.netns_dev, s.netns_inode))
      return true;
  return false;
}

bool same_sandbox(const Sandbox& a, const Sandbox& b) { return a.key == b.key && a.created_us == b.created_us; }

}  // namespace nh::ipam
