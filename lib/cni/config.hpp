#pragma once
// The network configuration a CNI client passes on stdin, as the plugin
// reads it: the network (the same definition a network file holds), where
// the state and the rules go, and what the runtime asks for (runtimeConfig,
// prevResult, the valid attachments of a GC). Keys the plugin does not know
// are ignored, as CNI expects; a known key with a bad value is a Failure with
// code 7, JSON that does not parse code 6, an unsupported version code 1.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/addr/ip_address.hpp"
#include "lib/addr/port_mapping.hpp"
#include "lib/net/network.hpp"

namespace nh::cni {

struct Attachment {
  std::string container_id;
  std::string ifname;
  friend bool operator==(const Attachment&, const Attachment&) = default;
};

struct NetConf {
  std::string cni_version;
  net::Network network;              // name, bridge, subnets, mtu, ipMasq, isolate, internal
  std::string state_dir = "/run/netns-hook";
  std::string networks_dir = "/etc/netns-hook/networks";
  std::string firewall = "auto";
  // runtimeConfig (capabilities portMappings, ips, mac)
  std::vector<addr::PortMapping> ports;
  std::vector<addr::IpAddress> ips;
  std::string mac;
  std::optional<nlohmann::json> prev_result;
  nlohmann::json dns;                // passed through to the result, as the specification has it
  // GC: cni.dev/valid-attachments (or cni.dev/attachments); none when the
  // configuration has neither key, which is not the same as an empty list.
  std::optional<std::vector<Attachment>> valid_attachments;
};

// Only what VERSION needs, and what an error is written in: the version
// asked for, "" when there is none or the input is not JSON.
std::string requested_version(const std::string& text);

// The whole configuration, checked.
NetConf parse_config(const std::string& text);

}  // namespace nh::cni
