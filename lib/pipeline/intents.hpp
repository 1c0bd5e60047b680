#pragma once
// Records -> firewall intents: what setup, teardown, restore and gc ask of
// the firewall, derived from the same records so they always agree.
#include <vector>

#include "lib/firewall/firewall.hpp"
#include "lib/ipam/records.hpp"

namespace nh::pipeline {

// The networks a sandbox is on (those not being released).
std::vector<net::Network> networks_of(const ipam::Sandbox& s);
// A member's published ports and the addresses they lead to; no ports when
// it publishes none.
firewall::ContainerPorts ports_of(const ipam::Sandbox& s, const ipam::Member& m);
// Everything a sandbox needs of the firewall: its networks' rules and its
// members' ports (restore, doctor).
firewall::Change intents_of(const ipam::Sandbox& s);

}  // namespace nh::pipeline
