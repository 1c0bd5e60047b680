#pragma once
// Helpers shared by the pool tests: networks, and claim requests from fake or
// live namespaces.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "common/temp_dir.hpp"
#include "lib/addr/port_mapping.hpp"
#include "lib/base/error.hpp"
#include "lib/ipam/pool.hpp"

using nh::ipam::ClaimKind;
using nh::ipam::DropKind;

namespace pool_test {

inline nh::addr::IpAddress ip(const std::string& text) { return *nh::addr::IpAddress::parse(text); }

// A network named `name` with bridge "br-<name>" on `subnet`.
inline nh::net::Network network(const std::string& subnet = "172.19.0.0/16", const std::string& name = "default",
                                const std::string& gateway = "") {
  nh::net::Network n;
  n.name = name;
  n.bridge = "br-" + name;
  n.subnets = {nh::net::make_subnet(subnet, gateway, "subnet")};
  return n;
}

inline nh::ipam::AttachmentClaim on(const nh::net::Network& n, const std::string& iface = "eth0") {
  return {n, "", iface, "nh-" + iface + "-" + n.name, {}, "", true, ""};
}

// A request from a container whose namespace is fake (pid 0: never alive),
// on `net`. Each id gets its own fake dev/inode unless one is given.
inline nh::ipam::ClaimRequest request(const std::string& id, std::uint64_t inode = 0,
                                      const nh::net::Network& net = network()) {
  nh::ipam::ClaimRequest r;
  r.id = id;
  r.pid = 0;
  r.netns_dev = 4;
  r.netns_inode = inode ? inode : 4026530000u + std::hash<std::string>{}(id) % 100000;
  r.attachments = {on(net)};
  r.firewall = "none";
  return r;
}

// Points a request at the test process's own, live, network namespace.
inline void live_namespace(nh::ipam::ClaimRequest& r) {
  struct stat st {};
  REQUIRE(::stat("/proc/self/ns/net", &st) == 0);
  r.pid = ::getpid();
  r.netns_dev = st.st_dev;
  r.netns_inode = st.st_ino;
}

// A request from a container sharing the test process's live namespace.
inline nh::ipam::ClaimRequest live(const std::string& id) {
  auto r = request(id);
  live_namespace(r);
  return r;
}

inline std::vector<nh::addr::PortMapping> ports(const std::string& text) { return nh::addr::parse_ports(text); }

// `r`, asking to publish `ports` (the annotation's syntax) on its first network.
inline nh::ipam::ClaimRequest publishing(nh::ipam::ClaimRequest r, const std::string& spec) {
  r.ports = ports(spec);
  r.ports_network = r.attachments.front().network.name;
  return r;
}

inline nh::ipam::ClaimRequest static_request(const std::string& id, const std::string& addr) {
  auto r = request(id);
  r.attachments[0].requested = {ip(addr)};
  r.attachments[0].requested_source = "--static-ip";
  return r;
}

// The address a claim's n-th new attachment got.
inline std::string address(const nh::ipam::Claim& c, std::size_t n = 0) {
  REQUIRE(c.added.size() > n);
  return c.added[n].addresses.at(0).cidr.address().str();
}

// The address container `id` holds on its first attachment ("" when none).
inline std::string address_of(nh::ipam::Pool& pool, const std::string& id) {
  auto s = pool.find(id);
  if (!s || s->attachments.empty()) return "";
  return s->attachments[0].addresses.at(0).cidr.address().str();
}

inline std::vector<std::string> members(const nh::ipam::Sandbox& s) {
  std::vector<std::string> out;
  for (const auto& m : s.members) out.push_back(m.id);
  return out;
}

// Files in the state directory's port index.
inline std::set<std::string> port_index(const nh_test::TempDir& dir) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir / "ports")) out.insert(e.path().filename());
  return out;
}

// Finishes a drop the way teardown does: every veth to release is gone.
inline void finish(nh::ipam::Pool& pool, const nh::ipam::Drop& d, const std::string& id) {
  std::vector<std::string> ifaces;
  for (const auto& a : d.release) ifaces.push_back(a.iface);
  pool.forget(d.sandbox, ifaces);
  (void)id;
}

// Releases `id` the way teardown does.
inline void release(nh::ipam::Pool& pool, const std::string& id) {
  auto d = pool.drop(id);
  REQUIRE(d.kind == DropKind::kRelease);
  finish(pool, d, id);
}

inline mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace pool_test
