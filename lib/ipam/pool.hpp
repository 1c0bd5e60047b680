#pragma once
// The state directory: which namespace has which addresses on which network,
// kept as small files and changed under flock() on a separate lock file, held
// only around each read-modify-write (never across netlink or firewall work).
//
// Layout (every file written atomically: tmp + fsync + rename):
//   lock                        the lock file (never renamed, so its inode is stable)
//   sandboxes/<dev>-<inode>     one JSON record per set-up namespace: the truth
//   containers/<id>             the key of the sandbox holding that container  (index)
//   pools/<network>/<address>   the key of the sandbox holding that address    (a lease)
//   next/<network>.<4|6>        the last address handed out there (next-fit)
//   ports/<proto>-<port>        who publishes that host port, on which host address
//   firewall                    the backend the first setup chose (`--firewall auto` keeps it)
// Each network has a pool of its own, so equal addresses on two networks
// never share a file. One file per lease keeps a setup's cost flat in the
// number of containers: nothing reads or rewrites the whole state.
//
// Crash safety: leases and indexes are written before the record that names
// them and removed after it, so a run killed at any moment leaves at worst
// a lease or index that names no record (an address skipped, never handed
// out twice), which gc removes.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lib/base/fd.hpp"
#include "lib/base/lock.hpp"
#include "lib/ipam/records.hpp"

namespace nh::ipam {

struct AttachmentClaim {
  net::Network network;
  std::string definition;    // the network's file, "" for `default`: it must still exist at the claim
  std::string iface;
  std::string host_veth;
  std::vector<addr::IpAddress> requested;  // checked against the network already
  std::string requested_source;            // for messages
  bool default_route = false;
  std::string mac;           // the container end's, "" for one the kernel picks
};

struct ClaimRequest {
  std::string id;
  int pid = 0;
  std::uint64_t netns_dev = 0;
  std::uint64_t netns_inode = 0;
  std::string netns_path;
  std::vector<AttachmentClaim> attachments;
  bool join_existing = true;  // see input::Request
  std::vector<addr::PortMapping> ports;  // refused if another container holds one
  std::string ports_network;
  std::string netns_link;
  std::string firewall;
};

enum class ClaimKind {
  kExisting,   // nothing to do: already set up
  kJoined,     // the id joined a sandbox that is already built
  kAllocated,  // addresses were leased: the caller builds `added`, then activate()
};

struct Claim {
  ClaimKind kind = ClaimKind::kExisting;
  Sandbox sandbox;                // as stored by the claim
  std::vector<Attachment> added;  // kAllocated: what to build, in order
  bool new_sandbox = false;
  bool new_member = false;
  // A member that existed (CNI: another attachment) and had its ports
  // replaced: what they were, for undo_claim.
  std::vector<addr::PortMapping> previous_ports;
  std::string previous_ports_network;
};

enum class DropKind {
  kUnknown,      // no such container (or attachment): nothing to do
  kStillShared,  // the container left; others keep the namespace's network
  kRelease,      // `release` must go: delete their veths, then forget() them
};

struct Drop {
  DropKind kind;
  Sandbox sandbox;
  std::vector<Attachment> release;
};

class Pool {
 public:
  static constexpr std::chrono::milliseconds kLockTimeout{10000};

  // Opens the state directory, creating it 0700 with its subdirectories.
  static Pool open(const std::string& state_dir);

  // One locked step: the existing setup, a join, or new leases.
  Claim claim(const ClaimRequest& req);
  // Marks the attachments a claim added as built, recording their host
  // veths' indexes (`added` as the caller completed it); once all are built,
  // other containers of the namespace may join it. Returns the sandbox as
  // stored now (the claim's when it is gone).
  Sandbox activate(const Claim& c);
  // Undoes a claim (setup rollback).
  void undo_claim(const Claim& c, const std::string& id);
  // Teardown, first half. Without `iface` (OCI): removes the container; when
  // it was the last of its namespace, every attachment is to be released.
  // With `iface` (CNI DEL): only the container's attachment on that
  // interface. Leases stay taken until forget(); calling drop() again after
  // a failure resumes. With `only`, does nothing unless the id's sandbox is
  // still that one (gc). With `network` too (CNI DEL), only if that
  // attachment is on that network: another network's interface of the same
  // name is not this request's.
  Drop drop(const std::string& id, const std::string& iface = "", const Sandbox* only = nullptr,
            const std::string& network = "");
  // Teardown, second half: frees the leases of the released attachments
  // whose veths are gone, and the records nobody needs any more. Only in the
  // sandbox drop() returned: one made since under the same key is not touched.
  void forget(const Sandbox& dropped, const std::vector<std::string>& released_ifaces);

  // The sandbox holding container `id` as a member (or, with `leaving`, one
  // whose teardown of `id` is unfinished). Reads without the lock.
  std::optional<Sandbox> find(const std::string& id, bool leaving = false);
  std::optional<Sandbox> load(const std::string& key);
  // Every sandbox, oldest first.
  std::vector<Sandbox> list();
  // Every container id the state indexes (gc).
  std::vector<std::string> ids();
  // Leases and indexes that name no record, as a killed run leaves them
  // (gc); returns their paths relative to the state directory.
  std::vector<std::string> remove_stale_entries(bool dry_run);
  // Temporary files of writes whose process is gone (name.tmp.PID); a live
  // PID's file is a write in progress and stays (gc).
  std::vector<std::string> remove_dead_temp_files(bool dry_run);
  // `network rm`: under the lock, refuses when an address of the network is
  // leased, else runs `remove_definition` (so no claim can attach to it
  // once this returns: claims check the definition still exists) and
  // removes the network's pool.
  void remove_network(const std::string& network, const std::function<void()>& remove_definition);
  // The firewall backend recorded for this state directory; on the first
  // call ever, `choose()` picks it (under the lock, so two first setups
  // agree) and `*chosen_now` says so.
  std::string firewall_backend(const std::function<std::string()>& choose, bool* chosen_now = nullptr);
  // How many addresses of `family` are leased on the network (CNI STATUS).
  std::size_t lease_count(const std::string& network, int family);
  // The recorded backend, if a setup recorded one; reads without the lock.
  std::optional<std::string> recorded_firewall_backend();
  // The same for a state directory that may not exist, creating nothing
  // (version, doctor).
  static std::optional<std::string> recorded_firewall_backend(const std::string& state_dir);
  const std::string& path() const { return path_; }

 private:
  Pool() = default;
  base::FileLock lock();
  void store(const Sandbox& s);
  // Leases addresses for one attachment (requested or next free).
  Claim join(const ClaimRequest& req, Sandbox sb);
  Attachment lease(const AttachmentClaim& a, const ClaimRequest& req, const Sandbox& sb);
  void release(const Attachment& a, const Sandbox& sb);
  bool lease_is_live(const std::string& network, const std::string& address, std::string* holder);
  void check_ports_free(const std::vector<addr::PortMapping>& ports);
  base::UniqueFd pool_dir(const std::string& network, bool create);

  std::string path_;
  base::UniqueFd dir_, sandboxes_, containers_, pools_, next_, ports_;
};

}  // namespace nh::ipam
