// `netns-hook ls`: what the pool holds and whether each namespace still exists.

#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>

#include "lib/hook_ops.hpp"

namespace nh {

namespace {


// "0.0.0.0:8080->80/tcp, 127.0.0.1:53->53/udp", as docker ps shows them.
std::string ports_text(const Lease& l, const std::string& id, bool arrows) {
  std::string out;
  for (const auto& m : l.ports_of(id)) {
    if (!out.empty()) out += ", ";
    if (arrows)
      out += (m.host_ip ? m.host_ip->str() : "0.0.0.0") + ":" + std::to_string(m.host_port) + "->" +
             std::to_string(m.container_port) + "/" + m.protocol;
    else
      out += m.str();
  }
  return out;
}

// Each container's own pid; leases written before pids were kept per
// container only have the first one's.
int pid_of(const Lease& l, const std::string& id) {
  auto it = l.pids.find(id);
  return it != l.pids.end() ? it->second : l.pid;
}

}  // namespace

void list_leases(const Settings& settings, bool json, std::ostream& out) {
  auto leases = Pool::open(settings.state_dir).list();
  if (json) {
    auto arr = nlohmann::json::array();
    for (const auto& l : leases) {
      for (const auto& id : l.containers) {
        arr.push_back({{"id", id},
                       {"pid", pid_of(l, id)},
                       {"address", l.address.str() + "/" + std::to_string(l.prefix)},
                       {"bridge", l.bridge},
                       {"host_veth", l.host_veth},
                       {"netns_alive", namespace_alive(l)},
                       {"shared_with", l.containers.front() == id ? "" : l.containers.front()},
                       {"ports", ports_text(l, id, false)},
                       {"netns_link", l.netns_links.count(id) ? l.netns_links.at(id) : ""}});
      }
    }
    out << arr.dump(2) << "\n";
    return;
  }
  out << std::left << std::setw(14) << "CONTAINER" << std::setw(9) << "PID" << std::setw(20) << "ADDRESS"
      << std::setw(16) << "HOST VETH" << std::setw(11) << "BRIDGE" << std::setw(7) << "NETNS" << "PORTS\n";
  for (const auto& l : leases) {
    for (const auto& id : l.containers) {
      out << std::setw(14) << id.substr(0, 12) << std::setw(9) << pid_of(l, id) << std::setw(20)
          << (l.address.str() + "/" + std::to_string(l.prefix)) << std::setw(16) << l.host_veth << std::setw(11)
          << l.bridge << std::setw(7) << (namespace_alive(l) ? "alive" : "gone") << ports_text(l, id, true) << "\n";
    }
  }
}

}  // namespace nh
