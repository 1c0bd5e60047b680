#pragma once
// The address pool: leases kept as files in the state directory, guarded by
// flock() on a separate lock file held only around each read-modify-write.
//
// Layout (all files written atomically: tmp + fsync + rename):
//   lock                  the lock file (never renamed, so its inode is stable)
//   leases/<address>      one JSON lease per address: the source of truth
//   ids/<container-id>    the address leased to that container   (index)
//   netns/<dev>-<inode>   the address leased to that namespace    (index)
//   next/<bridge>         the last address allocated on that bridge (next-fit)
//   ports/<proto>-<port>  who publishes that host port, on which host address
// One file per lease keeps a setup's cost flat in the number of containers:
// nothing reads or rewrites the whole pool.
#include <chrono>
#include <map>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/config.hpp"
#include "lib/fd.hpp"
#include "lib/ip_address.hpp"
#include "lib/ports.hpp"

namespace nh {

// A host port published by one container of a lease.
struct PublishedPort {
  std::string id;
  PortMapping mapping;
};

struct Lease {
  IpAddress address;
  unsigned prefix = 0;
  IpAddress gateway;
  std::string bridge;
  std::vector<std::string> containers;  // ids sharing this namespace; first = the one that set it up
  int pid = 0;                       // of the container that set the namespace up
  std::map<std::string, int> pids;   // of every container on the lease, by id
  std::map<std::string, std::string> netns_links;  // by id: where its namespace is bound for `ip netns`
  std::uint64_t netns_dev = 0;
  std::uint64_t netns_inode = 0;
  std::string host_veth;
  std::string iface;
  std::int64_t created = 0;  // unix seconds
  std::vector<PublishedPort> ports;

  std::vector<PortMapping> ports_of(const std::string& id) const;
};

std::string lease_to_json(const Lease& l);
// Whether any container of the lease is still in the namespace it was made
// for (a dead process or a recycled pid both count as gone).
bool namespace_alive(const Lease& l);
// The same lease, not merely one at the same address or for the same id: gc
// acts on the lease it judged dead, never on one made since by a restart.
bool same_lease(const Lease& a, const Lease& b);
Lease lease_from_json(const std::string& text, const std::string& name);

struct ClaimRequest {
  std::string id;
  int pid = 0;                       // of the container that set the namespace up
  std::uint64_t netns_dev = 0;
  std::uint64_t netns_inode = 0;
  std::string host_veth;
  std::string netns_link;              // path to bind the namespace at, or "" for none
  std::optional<IpAddress> requested;  // must already be validated against the network
  std::string requested_source;        // "--static-ip" or the annotation, for messages
  std::vector<PortMapping> ports;      // to publish; refused if another container holds one
};

enum class ClaimKind {
  kExisting,   // this container already has a lease: nothing to do
  kJoined,     // the namespace already has a lease: the id was added to it
  kAllocated,  // a new address was leased: the caller now builds the network
};

struct Claim {
  ClaimKind kind;
  Lease lease;
};

enum class DropKind { kUnknown, kStillShared, kLast };

struct Drop {
  DropKind kind;
  Lease lease;
};

class Pool {
 public:
  static constexpr std::chrono::milliseconds kLockTimeout{10000};

  // Opens the state directory, creating it 0700 with its subdirectories.
  static Pool open(const std::string& state_dir);

  // One locked step: the existing lease, a join, or a new allocation.
  Claim claim(const Network& net, const ClaimRequest& req);
  // Makes a kAllocated lease joinable by other containers of its namespace;
  // called once its network is built, so nobody joins a lease whose setup
  // may still fail and be rolled back.
  void activate(const Lease& l);
  // Undoes a kAllocated claim (setup rollback) or a kJoined one.
  void undo_claim(const Claim& c, const std::string& id);
  // Teardown, first half: removes `id`. On kLast the lease stays (with no
  // containers, still indexed by `id`) so its address is not reused until
  // forget() after the veth is gone; calling drop() again resumes (kLast).
  // With `only`, drops nothing (kUnknown) unless `id`'s lease is still that one.
  Drop drop(const std::string& id, const Lease* only = nullptr);
  // Teardown, second half: releases the address of a lease drop() returned as kLast.
  void forget(const Lease& l, const std::string& id);

  std::optional<Lease> find(const std::string& id);
  // The container ids whose index points at `address` (gc only: scans ids/).
  std::vector<std::string> ids_of(const IpAddress& address);
  // Every container id the pool indexes (gc only: scans ids/).
  std::vector<std::string> ids();
  // Removes the temporary files of writes whose process is gone (name.tmp.PID,
  // left by a run killed mid-write); returns their paths relative to the state
  // directory. A live PID's file is a write in progress and stays. gc only.
  std::vector<std::string> remove_dead_temp_files(bool dry_run);
  std::vector<Lease> list();
  const std::string& path() const { return path_; }

 private:
  Pool() = default;
  FileLock lock();
  std::optional<Lease> load(const std::string& address);
  void store(const Lease& l);
  IpAddress next_free(const Network& net);
  static std::string netns_key(std::uint64_t dev, std::uint64_t ino);
  // Port index: refuse conflicts, then record / forget `id`'s ports.
  void check_ports_free(const std::vector<PortMapping>& ports);
  void publish(Lease& l, const std::string& id, const std::vector<PortMapping>& ports);
  void unpublish(Lease& l, const std::string& id);

  std::string path_;
  UniqueFd dir_, leases_, ids_, netns_, next_, ports_;
};

}  // namespace nh
