#pragma once
// What the state directory records about a set-up network namespace (a
// "sandbox"): the containers in it, and one attachment per network it is on.
// Pure data and its JSON; the files are the Pool's business.
#include <cstdint>
#include <string>
#include <vector>

#include "lib/addr/cidr.hpp"
#include "lib/addr/port_mapping.hpp"
#include "lib/net/network.hpp"

namespace nh::ipam {

struct Address {
  addr::Cidr cidr;            // the container's address, with its subnet's prefix
  addr::IpAddress gateway;    // the bridge's address in that subnet
  friend bool operator==(const Address&, const Address&) = default;
};

// The container's interface on one network: container x network, with one
// address per family of the network.
struct Attachment {
  net::Network network;       // the definition when attached: rules are rebuilt from it
  std::string container;      // the id that made it (a CNI DEL removes only its own)
  std::string iface;          // inside the container
  std::string host_veth;
  int host_ifindex = 0;       // the host veth's index once built: teardown deletes that link, not a namesake
  std::string mac;            // the container end's MAC when one was asked for (CNI), else ""
  std::string host_mac;       // the host veth's MAC once built (a CNI result names both)
  std::vector<Address> addresses;
  bool default_route = false;
  std::int64_t created_us = 0;  // when it was leased: tells it from one re-added since on the same interface
  int building_pid = 0;       // the hook run building it; 0 once built
  bool releasing = false;     // its teardown began: the veth goes first, then the addresses
};

// A container in the namespace.
struct Member {
  std::string id;
  int pid = 0;                          // 0 when not known (CNI)
  std::string netns_link;               // where its `ip netns` name is bound, "" for none
  std::vector<addr::PortMapping> ports; // published
  std::string ports_network;            // the network the ports lead into
};

struct Sandbox {
  std::string key;                 // "<dev>-<inode>" of the namespace
  std::uint64_t netns_dev = 0;
  std::uint64_t netns_inode = 0;
  std::string netns_path;          // the namespace file a CNI client gave, "" for /proc/PID/ns/net
  std::vector<Member> members;     // the first set it up
  std::vector<std::string> leaving;  // ids torn down whose index goes once their attachments are released
  std::vector<Attachment> attachments;
  std::string firewall;            // the backend that holds its rules
  std::int64_t created_us = 0;     // microseconds since the epoch: with the key, identifies it

  Member* member(const std::string& id);
  const Member* member(const std::string& id) const;
  const Attachment* attachment(const std::string& iface) const;
  // Every attachment built (none being built, none released): other
  // containers of the namespace may join it.
  bool built() const;
  // The hook run building an attachment, 0 when none is being built.
  int building_pid() const;
  // The attachment that carries `member`'s published ports, or nullptr.
  const Attachment* ports_attachment(const Member& m) const;
};

std::string sandbox_key(std::uint64_t dev, std::uint64_t inode);
// What a lease file holds: the key and the creation time of the sandbox that
// holds the address. Namespace inodes are reused, so the key alone would let
// a rollback of an old sandbox free a lease of a new one with the same key.
std::string lease_owner(const Sandbox& s);
// The sandbox key in a lease file's text.
std::string lease_owner_key(const std::string& text);

std::string to_json(const Sandbox& s);
Sandbox sandbox_from_json(const std::string& text, const std::string& source);

// Whether the namespace is still there: its path (CNI) or any member's
// /proc/PID/ns/net still names it. A dead process or a recycled pid counts as gone.
bool namespace_alive(const Sandbox& s);
// The same sandbox, not merely one for the same namespace or id: gc acts on
// the one it judged dead, never on one a restart made since.
bool same_sandbox(const Sandbox& a, const Sandbox& b);

}  // namespace nh::ipam
