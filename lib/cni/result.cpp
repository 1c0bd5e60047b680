#include "lib/cni/result.hpp"

#include "lib/cni/version.hpp"

namespace nh::cni {

nlohmann::json add_result(const std::string& version, const ipam::Attachment& a, const std::string& netns_path,
                          const nlohmann::json& dns) {
  nlohmann::json host = {{"name", a.host_veth}};
  if (!a.host_mac.empty()) host["mac"] = a.host_mac;
  nlohmann::json inside = {{"name", a.iface}, {"sandbox", netns_path}};
  if (!a.mac.empty()) inside["mac"] = a.mac;
  auto ips = nlohmann::json::array();
  auto routes = nlohmann::json::array();
  for (const auto& ad : a.addresses) {
    nlohmann::json ip = {{"address", ad.cidr.str()}, {"gateway", ad.gateway.str()}, {"interface", 1}};
    if (ips_carry_version(version)) ip["version"] = ad.gateway.is_v6() ? "6" : "4";
    ips.push_back(std::move(ip));
    if (a.default_route) routes.push_back({{"dst", ad.gateway.is_v6() ? "::/0" : "0.0.0.0/0"}, {"gw", ad.gateway.str()}});
  }
  nlohmann::json r = {{"cniVersion", version}, {"interfaces", {host, inside}}, {"ips", ips}};
  if (!routes.empty()) r["routes"] = routes;
  r["dns"] = dns.is_object() ? dns : nlohmann::json::object();
  return r;
}

}  // namespace nh::cni
