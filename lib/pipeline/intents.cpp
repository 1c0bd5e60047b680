#include "lib/pipeline/intents.hpp"

namespace nh::pipeline {

std::vector<net::Network> networks_of(const ipam::Sandbox& s) {
  std::vector<net::Network> out;
  for (const auto& a : s.attachments)
    if (!a.releasing) out.push_back(a.network);
  return out;
}

firewall::ContainerPorts ports_of(const ipam::Sandbox& s, const ipam::Member& m) {
  firewall::ContainerPorts p;
  p.id = m.id;
  const ipam::Attachment* a = s.ports_attachment(m);
  if (!a || m.ports.empty()) return p;
  p.bridge = a->network.bridge;
  for (const auto& ad : a->addresses) p.targets.push_back(ad.cidr.address());
  p.ports = m.ports;
  return p;
}

firewall::Change intents_of(const ipam::Sandbox& s) {
  firewall::Change c;
  c.ensure_networks = networks_of(s);
  for (const auto& m : s.members)
    if (auto ports = ports_of(s, m); !ports.ports.empty()) c.add_ports.push_back(std::move(ports));
  return c;
}

}  // namespace nh::pipeline
