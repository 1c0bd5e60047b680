#include "lib/ipam/port_index.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "lib/base/error.hpp"
#include "lib/base/fs.hpp"

namespace nh::ipam {

using addr::PortMapping;
using base::Error;

namespace {
std::string port_key(const PortMapping& m) { return m.protocol + "-" + std::to_string(m.host_port); }
}  // namespace

std::vector<PortIndex::Holder> PortIndex::read(const std::string& key) const {
  std::vector<Holder> out;
  auto text = base::read_file_at(dir_, key);
  if (!text) return out;
  try {
    for (const auto& h : nlohmann::json::parse(*text)) {
      std::string ip = h.at("host_ip").get<std::string>();
      out.push_back({ip.empty() ? std::nullopt : addr::IpAddress::parse(ip), h.at("id").get<std::string>()});
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error::input("read port index ports/" + key, std::string("corrupt: ") + e.what());
  }
  return out;
}

void PortIndex::write(const std::string& key, const std::vector<Holder>& holders) {
  if (holders.empty()) {
    base::remove_at(dir_, key);
    return;
  }
  auto arr = nlohmann::json::array();
  for (const auto& h : holders) arr.push_back({{"host_ip", h.host_ip ? h.host_ip->str() : ""}, {"id", h.id}});
  base::write_file_atomic(dir_, key, arr.dump() + "\n");
}

void PortIndex::check_free(const std::vector<PortMapping>& ports,
                           const std::function<bool(const std::string&, const PortMapping&)>& holds) const {
  for (const auto& m : ports) {
    for (const auto& h : read(port_key(m))) {
      PortMapping theirs = m;
      theirs.host_ip = h.host_ip;
      if (!m.conflicts_with(theirs) || !holds(h.id, theirs)) continue;
      throw Error::input("publish " + m.str(), "host port " + std::to_string(m.host_port) + "/" + m.protocol +
                                                   (h.host_ip ? " on " + h.host_ip->str() : "") +
                                                   " is already published by container " + h.id);
    }
  }
}

void PortIndex::add(const std::string& id, const std::vector<PortMapping>& ports) {
  for (const auto& m : ports) {
    auto holders = read(port_key(m));
    holders.push_back({m.host_ip, id});
    write(port_key(m), holders);
  }
}

void PortIndex::remove(const std::string& id, const std::vector<PortMapping>& ports) {
  for (const auto& m : ports) {
    auto holders = read(port_key(m));
    std::erase_if(holders, [&](const Holder& h) { return h.id == id && h.host_ip == m.host_ip; });
    write(port_key(m), holders);
  }
}

}  // namespace nh::ipam
