#include "lib/firewall/iptables/table.hpp"

#include <libiptc/libiptc.h>
#include <linux/netfilter/xt_comment.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "lib/base/error.hpp"
#include "lib/base/log.hpp"
#include "lib/firewall/iptables/entry.hpp"

namespace nh::firewall::iptables {

using base::Error;

namespace {

constexpr std::chrono::milliseconds kXtablesLockTimeout{10000};
constexpr int kCommitAttempts = 5;

Error iptc_error(const std::string& what, int err) { return Error(what, iptc_strerror(err), Error::Kind::kIptc, err); }

// Owns an iptc handle for one table.
class IptcHandle {
 public:
  static IptcHandle open(const std::string& table) {
    xtc_handle* h = iptc_init(table.c_str());
    if (!h) {
      const int err = errno;
      throw iptc_error("read iptables table " + table, err);
    }
    return IptcHandle(h);
  }
  IptcHandle(IptcHandle&& o) noexcept : h_(o.h_) { o.h_ = nullptr; }
  IptcHandle& operator=(IptcHandle&&) = delete;
  IptcHandle(const IptcHandle&) = delete;
  ~IptcHandle() {
    if (h_) iptc_free(h_);
  }
  xtc_handle* get() const noexcept { return h_; }
  void commit(const std::string& table) {
    if (!iptc_commit(h_)) {
      const int err = errno;
      throw iptc_error("commit iptables table " + table, err);
    }
  }

 private:
  explicit IptcHandle(xtc_handle* h) : h_(h) {}
  xtc_handle* h_;
};

// The kernel refuses a commit made against a table that changed since it
// was read (EAGAIN): read again and retry, a bounded number of times.
template <typename F>
auto with_retry(const std::string& table, F&& once) -> decltype(once()) {
  for (int attempt = 1;; ++attempt) {
    try {
      return once();
    } catch (const Error& e) {
      if (e.iptc_errno() != EAGAIN || attempt == kCommitAttempts) throw;
      base::log_debug("iptables table " + table + " changed under us; retrying");
    }
  }
}

bool present(const Rule& r, xtc_handle* h) {
  if (!iptc_is_chain(r.chain.c_str(), h)) return false;
  Entry e(r);
  auto mask = e.full_mask();
  return iptc_check_entry(r.chain.c_str(), e.entry(), mask.data(), h);
}

// The user chains `rules` live in or jump to, that do not exist yet.
std::vector<std::string> missing_chains(const std::vector<const Rule*>& rules, xtc_handle* h) {
  std::vector<std::string> out;
  for (const Rule* r : rules) {
    for (const std::string* c : {&r->chain, &r->target}) {
      if (c == &r->target && is_builtin_target(*c)) continue;
      if (iptc_builtin(c->c_str(), h) || iptc_is_chain(c->c_str(), h)) continue;
      if (std::find(out.begin(), out.end(), *c) == out.end()) out.push_back(*c);
    }
  }
  return out;
}

std::size_t apply_once(const std::string& table, const std::vector<const Rule*>& add,
                       const std::vector<const Rule*>& remove) {
  auto h = IptcHandle::open(table);
  bool changed = false;
  std::size_t count = 0;
  for (const Rule* r : remove) {
    if (!present(*r, h.get())) continue;
    Entry e(*r);
    auto mask = e.full_mask();
    if (!iptc_delete_entry(r->chain.c_str(), e.entry(), mask.data(), h.get())) {
      const int err = errno;
      throw iptc_error("delete iptables rule -t " + table + " " + to_iptables_save(*r), err);
    }
    changed = true;
    ++count;
  }
  for (const auto& chain : missing_chains(add, h.get())) {
    if (!iptc_create_chain(chain.c_str(), h.get())) {
      const int err = errno;
      throw iptc_error("create iptables chain -t " + table + " " + chain, err);
    }
    changed = true;
  }
  for (const Rule* r : add) {
    if (present(*r, h.get())) continue;
    Entry e(*r);
    int ok = r->insert_first ? iptc_insert_entry(r->chain.c_str(), e.entry(), 0, h.get())
                             : iptc_append_entry(r->chain.c_str(), e.entry(), h.get());
    if (!ok) {
      const int err = errno;
      throw iptc_error("add iptables rule -t " + table + " " + to_iptables_save(*r), err);
    }
    changed = true;
    ++count;
  }
  if (changed) h.commit(table);
  return count;
}

// The comment of a rule, or "" when it has none.
std::string comment_of(const ipt_entry* e) {
  const auto* base = reinterpret_cast<const unsigned char*>(e);
  for (std::size_t off = sizeof(ipt_entry); off < e->target_offset;) {
    const auto* m = reinterpret_cast<const xt_entry_match*>(base + off);
    if (m->u.match_size == 0) break;
    if (std::strcmp(m->u.user.name, "comment") == 0) {
      const auto* info = reinterpret_cast<const xt_comment_info*>(m->data);
      return std::string(info->comment, strnlen(info->comment, XT_MAX_COMMENT_LEN));
    }
    off += m->u.match_size;
  }
  return "";
}

// One read of the table, the chain scanned for stale tags, the stale rules
// deleted by position (last first, so earlier positions hold) in one commit.
std::vector<std::string> remove_stale_once(const std::string& table, const std::string& chain,
                                           const std::function<bool(const std::string&)>& stale, bool dry_run) {
  auto h = IptcHandle::open(table);
  std::vector<std::string> removed;
  if (!iptc_is_chain(chain.c_str(), h.get())) return removed;
  std::vector<unsigned> positions;
  unsigned n = 0;
  for (const ipt_entry* e = iptc_first_rule(chain.c_str(), h.get()); e; e = iptc_next_rule(e, h.get()), ++n) {
    std::string c = comment_of(e);
    if (c.empty() || !stale(c)) continue;
    positions.push_back(n);
    removed.push_back(c);
  }
  if (dry_run || positions.empty()) return removed;
  for (auto it = positions.rbegin(); it != positions.rend(); ++it) {
    if (!iptc_delete_num_entry(chain.c_str(), *it, h.get())) {
      const int err = errno;
      throw iptc_error("delete iptables rule -t " + table + " " + chain + " #" + std::to_string(*it + 1), err);
    }
  }
  h.commit(table);
  return removed;
}

}  // namespace

base::FileLock xtables_lock() {
  const char* env = std::getenv("XTABLES_LOCKFILE");
  std::string path = env && *env ? env : "/run/xtables.lock";
  return base::FileLock::acquire(path, kXtablesLockTimeout);
}

std::size_t apply_table(const std::string& table, const std::vector<const Rule*>& add,
                        const std::vector<const Rule*>& remove) {
  return with_retry(table, [&] { return apply_once(table, add, remove); });
}

std::vector<std::string> missing_in_table(const std::string& table, const std::vector<const Rule*>& add) {
  auto h = IptcHandle::open(table);
  std::vector<std::string> out;
  for (const auto& chain : missing_chains(add, h.get())) out.push_back("-t " + table + " -N " + chain);
  for (const Rule* r : add)
    if (!present(*r, h.get())) out.push_back("-t " + table + " " + to_iptables_save(*r));
  return out;
}

std::vector<std::string> remove_stale(const std::string& table, const std::string& chain,
                                      const std::function<bool(const std::string&)>& stale, bool dry_run) {
  return with_retry(table, [&] { return remove_stale_once(table, chain, stale, dry_run); });
}

}  // namespace nh::firewall::iptables
