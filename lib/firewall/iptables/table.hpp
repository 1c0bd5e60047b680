#pragma once
// One iptables table through libiptc (AF_INET) or libip6tc (AF_INET6): read
// once, changed, committed once. Callers hold the xtables lock
// (xtables_lock()) around their calls.
#include <functional>
#include <string>
#include <vector>

#include "lib/base/lock.hpp"
#include "lib/firewall/iptables/rule.hpp"

namespace nh::firewall::iptables {

// The lock iptables itself takes around every change (/run/xtables.lock, or
// $XTABLES_LOCKFILE), waited for at most 10 s.
base::FileLock xtables_lock();

// Deletes the rows of `remove` that are present and adds those of `add` that
// are missing (creating the user chains they need), in one commit; commits
// nothing when nothing changes. Retried when another writer committed first.
// Returns how many rows it added or deleted.
std::size_t apply_table(int family, const std::string& table, const std::vector<const Rule*>& add,
                        const std::vector<const Rule*>& remove);

// The rows of `add` that are missing, as iptables-save lines (no change).
std::vector<std::string> missing_in_table(int family, const std::string& table, const std::vector<const Rule*>& add);

// Deletes, in one commit, the rules of TABLE CHAIN whose comment `stale`
// accepts; returns their comments. With dry_run only lists them. The
// predicate is asked while the lock is held, so a rule a setup adds after it
// answered cannot be in this snapshot.
std::vector<std::string> remove_stale(int family, const std::string& table, const std::string& chain,
                                      const std::function<bool(const std::string&)>& stale, bool dry_run);

// The policy of a built-in chain ("ACCEPT", "DROP"), "" for a user chain.
// Reading a table loads its module: callers check that it is loaded first.
std::string builtin_policy(int family, const std::string& table, const std::string& chain);

}  // namespace nh::firewall::iptables
