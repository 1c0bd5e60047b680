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
    for (const auto& h : nlohmann::json::parse(*text))
      out.push_back({h.at("host").get<std::string>(), h.at("id").get<std::string>()});
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
  for (const auto& h : holders) arr.push_back({{"host", h.host}, {"id", h.id}});
  base::write_file_atomic(dir_, key, arr.dump() + "\n");
}

void PortIndex::check_free(const std::vector<PortMapping>& ports,
                           const std::function<bool(const std::string&, const PortMapping&)>& holds) const {
  for (const auto& m : ports) {
    for (const auto& h : read(port_key(m))) {
      PortMapping theirs = m;
      if (!set_host_text(theirs, h.host)) throw Error::input("read port index ports/" + port_key(m), "corrupt host " + h.host);
      if (!m.conflicts_with(theirs) || !holds(h.id, theirs)) continue;
      throw Error::input("publish " + m.str(), "host port " + std::to_string(m.host_port) + "/" + m.protocol +
                                                   (h.host.empty() ? "" : " on " + h.host) +
                                                   " is already published by container " + h.id);
    }
  }
}

void PortIndex::add(const std::string& id, const std::vector<PortMapping>& ports) {
  for (const auto& m : ports) {
    auto holders = read(port_key(m));
    holders.push_back({m.host_text(), id});
    write(port_key(m), holders);
  }
}

void PortIndex::remove(const std::string& id, const std::vector<PortMapping>& ports) {
  for (const auto& m : ports) {
    auto holders = read(port_key(m));
    std::erase_if(holders, [&](const Holder& h) { return h.id == id && h.host == m.host_text(); });
    write(port_key(m), holders);
  }
}

}  // namespace nh::ipam
