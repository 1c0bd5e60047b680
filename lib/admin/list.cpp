#include "lib/admin/list.hpp"

#include <nlohmann/json.hpp>
#include <ostream>

#include "lib/admin/table.hpp"
#include "lib/ipam/pool.hpp"

namespace nh::admin {

namespace {

// "*:8080->80/tcp, 127.0.0.1:53->53/udp", as docker ps shows them, with "*"
// for every address of both families ("0.0.0.0" and "[::]" are one family
// each); for JSON, the annotation's own syntax.
std::string ports_text(const ipam::Member& m, bool arrows) {
  std::string out;
  for (const auto& p : m.ports) {
    if (!out.empty()) out += ", ";
    if (arrows)
      out += (p.host_text().empty() ? "*" : p.host_text()) + ":" + std::to_string(p.host_port) + "->" +
             std::to_string(p.container_port) + "/" + p.protocol;
    else
      out += p.str();
  }
  return out;
}

std::string addresses_text(const ipam::Attachment& a) {
  std::string out;
  for (const auto& ad : a.addresses) out += (out.empty() ? "" : ", ") + ad.cidr.str();
  return out;
}

}  // namespace

void list_attachments(const input::Settings& settings, bool json, std::ostream& out) {
  auto sandboxes = ipam::Pool::open(settings.state_dir).list();
  auto arr = nlohmann::json::array();
  TextTable table({"CONTAINER", "PID", "NETWORK", "IFACE", "ADDRESSES", "HOST VETH", "BRIDGE", "NETNS", "PORTS", "FIREWALL"});
  for (const auto& s : sandboxes) {
    const bool alive = ipam::namespace_alive(s);
    for (const auto& m : s.members) {
      for (const auto& a : s.attachments) {
        const bool carrier = a.network.name == m.ports_network;
        if (json) {
          auto addrs = nlohmann::json::array();
          for (const auto& ad : a.addresses) addrs.push_back(ad.cidr.str());
          arr.push_back({{"id", m.id},
                         {"pid", m.pid},
                         {"network", a.network.name},
                         {"interface", a.iface},
                         {"addresses", addrs},
                         {"host_veth", a.host_veth},
                         {"bridge", a.network.bridge},
                         {"netns_alive", alive},
                         {"shared_with", s.members.front().id == m.id ? "" : s.members.front().id},
                         {"ports", carrier ? ports_text(m, false) : ""},
                         {"netns_link", m.netns_link},
                         {"firewall", s.firewall}});
          continue;
        }
        // Ids are cut to 12 characters, as docker ps shows them (podman's are 64).
        table.add({m.id.substr(0, 12), std::to_string(m.pid), a.network.name, a.iface, addresses_text(a), a.host_veth,
                   a.network.bridge, alive ? "alive" : "gone", carrier ? ports_text(m, true) : "", s.firewall});
      }
    }
  }
  if (json) out << arr.dump(2) << "\n";
  else table.print(out);
}

}  // namespace nh::admin
