#pragma once
// Helpers shared by the pool tests: requests with fake or live namespaces.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "lib/config.hpp"
#include "lib/error.hpp"
#include "lib/ipam.hpp"
#include "lib/ports.hpp"
#include "common/temp_dir.hpp"

using nh::ClaimKind;
using nh::DropKind;

namespace pool_test {

inline nh::IpAddress ip(const std::string& text) { return *nh::IpAddress::parse(text); }

inline nh::Network network(const std::string& gateway = "172.19.0.1/16") {
  nh::Network n;
  n.gateway = nh::Cidr::parse(gateway);
  return n;
}

// A request from a container whose namespace is fake (pid 0: never alive).
// Each id gets its own fake dev/inode unless one is given.
inline nh::ClaimRequest request(const std::string& id, std::uint64_t inode = 0) {
  nh::ClaimRequest r;
  r.id = id;
  r.pid = 0;
  r.netns_dev = 4;
  r.netns_inode = inode ? inode : 4026530000u + std::hash<std::string>{}(id) % 100000;
  r.host_veth = "nh-" + id;
  return r;
}

// Points a request at the test process's own, live, network namespace.
inline void live_namespace(nh::ClaimRequest& r) {
  struct stat st {};
  REQUIRE(::stat("/proc/self/ns/net", &st) == 0);
  r.pid = ::getpid();
  r.netns_dev = st.st_dev;
  r.netns_inode = st.st_ino;
}

// A request from a container sharing the test process's live namespace.
inline nh::ClaimRequest live(const std::string& id) {
  auto r = request(id);
  live_namespace(r);
  return r;
}

// `r`, asking to publish `ports` (the annotation's syntax).
inline nh::ClaimRequest publishing(nh::ClaimRequest r, const std::string& ports) {
  r.ports = nh::parse_ports(ports);
  return r;
}

inline std::vector<nh::PortMapping> ports(const std::string& text) { return nh::parse_ports(text); }

// Files in the state directory's port index.
inline std::set<std::string> port_index(const nh_test::TempDir& dir) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir / "ports")) out.insert(e.path().filename());
  return out;
}

inline nh::ClaimRequest static_request(const std::string& id, const std::string& addr) {
  auto r = request(id);
  r.requested = ip(addr);
  r.requested_source = "--static-ip";
  return r;
}

// Releases `id` the way teardown does.
inline void release(nh::Pool& pool, const std::string& id) {
  auto d = pool.drop(id);
  REQUIRE(d.kind == DropKind::kLast);
  pool.forget(d.lease, id);
}

inline mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace pool_test
