#include "lib/firewall/iptables/table.hpp"

// libip6tc.h, unlike libiptc.h, has no extern "C" of its own.
extern "C" {
#include <libiptc/libip6tc.h>
}
#include <libiptc/libiptc.h>
#include <linux/netfilter/xt_comment.h>

#include <algorithm>
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

// libiptc and libip6tc: the same calls under two prefixes, on ipt_entry and
// ip6t_entry. The rest of this file is written once against these.
struct V4 {
  using entry_t = ipt_entry;
  static constexpr const char* kTool = "iptables";
  static xtc_handle* init(const char* t) { return iptc_init(t); }
  static void free(xtc_handle* h) { iptc_free(h); }
  static int commit(xtc_handle* h) { return iptc_commit(h); }
  static const char* strerror(int e) { return iptc_strerror(e); }
  static int is_chain(const char* c, xtc_handle* h) { return iptc_is_chain(c, h); }
  static int builtin(const char* c, xtc_handle* h) { return iptc_builtin(c, h); }
  static int create_chain(const char* c, xtc_handle* h) { return iptc_create_chain(c, h); }
  static int check(const char* c, void* e, unsigned char* m, xtc_handle* h) {
    return iptc_check_entry(c, static_cast<entry_t*>(e), m, h);
  }
  static int del(const char* c, void* e, unsigned char* m, xtc_handle* h) {
    return iptc_delete_entry(c, static_cast<entry_t*>(e), m, h);
  }
  static int insert(const char* c, void* e, unsigned n, xtc_handle* h) {
    return iptc_insert_entry(c, static_cast<entry_t*>(e), n, h);
  }
  static int append(const char* c, void* e, xtc_handle* h) { return iptc_append_entry(c, static_cast<entry_t*>(e), h); }
  static int delete_num(const char* c, unsigned n, xtc_handle* h) { return iptc_delete_num_entry(c, n, h); }
  static const entry_t* first(const char* c, xtc_handle* h) { return iptc_first_rule(c, h); }
  static const entry_t* next(const entry_t* e, xtc_handle* h) { return iptc_next_rule(e, h); }
  static const char* policy(const char* c, xt_counters* n, xtc_handle* h) { return iptc_get_policy(c, n, h); }
};

struct V6 {
  using entry_t = ip6t_entry;
  static constexpr const char* kTool = "ip6tables";
  static xtc_handle* init(const char* t) { return ip6tc_init(t); }
  static void free(xtc_handle* h) { ip6tc_free(h); }
  static int commit(xtc_handle* h) { return ip6tc_commit(h); }
  static const char* strerror(int e) { return ip6tc_strerror(e); }
  static int is_chain(const char* c, xtc_handle* h) { return ip6tc_is_chain(c, h); }
  static int builtin(const char* c, xtc_handle* h) { return ip6tc_builtin(c, h); }
  static int create_chain(const char* c, xtc_handle* h) { return ip6tc_create_chain(c, h); }
  static int check(const char* c, void* e, unsigned char* m, xtc_handle* h) {
    return ip6tc_check_entry(c, static_cast<entry_t*>(e), m, h);
  }
  static int del(const char* c, void* e, unsigned char* m, xtc_handle* h) {
    return ip6tc_delete_entry(c, static_cast<entry_t*>(e), m, h);
  }
  static int insert(const char* c, void* e, unsigned n, xtc_handle* h) {
    return ip6tc_insert_entry(c, static_cast<entry_t*>(e), n, h);
  }
  static int append(const char* c, void* e, xtc_handle* h) { return ip6tc_append_entry(c, static_cast<entry_t*>(e), h); }
  static int delete_num(const char* c, unsigned n, xtc_handle* h) { return ip6tc_delete_num_entry(c, n, h); }
  static const entry_t* first(const char* c, xtc_handle* h) { return ip6tc_first_rule(c, h); }
  static const entry_t* next(const entry_t* e, xtc_handle* h) { return ip6tc_next_rule(e, h); }
  static const char* policy(const char* c, xt_counters* n, xtc_handle* h) { return ip6tc_get_policy(c, n, h); }
};

template <class F>
Error iptc_error(const std::string& what, int err) {
  return Error(what, F::strerror(err), Error::Kind::kIptc, err);
}

// Owns a handle of one table.
template <class F>
class Handle {
 public:
  static Handle open(const std::string& table) {
    xtc_handle* h = F::init(table.c_str());
    if (!h) {
      const int err = errno;
      throw iptc_error<F>(std::string("read ") + F::kTool + " table " + table, err);
    }
    return Handle(h);
  }
  Handle(Handle&& o) noexcept : h_(o.h_) { o.h_ = nullptr; }
  Handle& operator=(Handle&&) = delete;
  Handle(const Handle&) = delete;
  ~Handle() {
    if (h_) F::free(h_);
  }
  xtc_handle* get() const noexcept { return h_; }
  void commit(const std::string& table) {
    if (!F::commit(h_)) {
      const int err = errno;
      throw iptc_error<F>(std::string("commit ") + F::kTool + " table " + table, err);
    }
  }

 private:
  explicit Handle(xtc_handle* h) : h_(h) {}
  xtc_handle* h_;
};

// The kernel refuses a commit made against a table that changed since it
// was read (EAGAIN): read again and retry, a bounded number of times.
template <typename Fn>
auto with_retry(const std::string& table, Fn&& once) -> decltype(once()) {
  for (int attempt = 1;; ++attempt) {
    try {
      return once();
    } catch (const Error& e) {
      if (e.iptc_errno() != EAGAIN || attempt == kCommitAttempts) throw;
      base::log_debug("table " + table + " changed under us; retrying");
    }
  }
}

template <class F>
bool present(const Rule& r, xtc_handle* h) {
  if (!F::is_chain(r.chain.c_str(), h)) return false;
  Entry e(r);
  auto mask = e.full_mask();
  return F::check(r.chain.c_str(), e.entry(), mask.data(), h);
}

// The user chains `rules` live in or jump to, that do not exist yet.
template <class F>
std::vector<std::string> missing_chains(const std::vector<const Rule*>& rules, xtc_handle* h) {
  std::vector<std::string> out;
  for (const Rule* r : rules) {
    for (const std::string* c : {&r->chain, &r->target}) {
      if (c == &r->target && is_builtin_target(*c)) continue;
      if (F::builtin(c->c_str(), h) || F::is_chain(c->c_str(), h)) continue;
      if (std::find(out.begin(), out.end(), *c) == out.end()) out.push_back(*c);
    }
  }
  return out;
}

template <class F>
std::string describe(const std::string& table, const Rule& r) {
  return std::string(F::kTool) + " rule -t " + table + " " + to_iptables_save(r);
}

template <class F>
std::size_t apply_once(const std::string& table, const std::vector<const Rule*>& add,
                       const std::vector<const Rule*>& remove) {
  auto h = Handle<F>::open(table);
  bool changed = false;
  std::size_t count = 0;
  for (const Rule* r : remove) {
    if (!present<F>(*r, h.get())) continue;
    Entry e(*r);
    auto mask = e.full_mask();
    if (!F::del(r->chain.c_str(), e.entry(), mask.data(), h.get())) {
      const int err = errno;
      throw iptc_error<F>("delete " + describe<F>(table, *r), err);
    }
    changed = true;
    ++count;
  }
  for (const auto& chain : missing_chains<F>(add, h.get())) {
    if (!F::create_chain(chain.c_str(), h.get())) {
      const int err = errno;
      throw iptc_error<F>(std::string("create ") + F::kTool + " chain -t " + table + " " + chain, err);
    }
    changed = true;
  }
  for (const Rule* r : add) {
    if (present<F>(*r, h.get())) continue;
    Entry e(*r);
    int ok = r->insert_first ? F::insert(r->chain.c_str(), e.entry(), 0, h.get())
                             : F::append(r->chain.c_str(), e.entry(), h.get());
    if (!ok) {
      const int err = errno;
      throw iptc_error<F>("add " + describe<F>(table, *r), err);
    }
    changed = true;
    ++count;
  }
  if (changed) h.commit(table);
  return count;
}

template <class F>
std::vector<std::string> missing_once(const std::string& table, const std::vector<const Rule*>& add) {
  auto h = Handle<F>::open(table);
  std::vector<std::string> out;
  for (const auto& chain : missing_chains<F>(add, h.get())) out.push_back(std::string(F::kTool) + " -t " + table + " -N " + chain);
  for (const Rule* r : add)
    if (!present<F>(*r, h.get())) out.push_back(std::string(F::kTool) + " -t " + table + " " + to_iptables_save(*r));
  return out;
}

// The comment of a rule, or "" when it has none.
template <class F>
std::string comment_of(const typename F::entry_t* e) {
  const auto* base = reinterpret_cast<const unsigned char*>(e);
  for (std::size_t off = sizeof(typename F::entry_t); off < e->target_offset;) {
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
template <class F>
std::vector<std::string> remove_stale_once(const std::string& table, const std::string& chain,
                                           const std::function<bool(const std::string&)>& stale, bool dry_run) {
  auto h = Handle<F>::open(table);
  std::vector<std::string> removed;
  if (!F::is_chain(chain.c_str(), h.get())) return removed;
  std::vector<unsigned> positions;
  unsigned n = 0;
  for (const auto* e = F::first(chain.c_str(), h.get()); e; e = F::next(e, h.get()), ++n) {
    std::string c = comment_of<F>(e);
    if (c.empty() || !stale(c)) continue;
    positions.push_back(n);
    removed.push_back(c);
  }
  if (dry_run || positions.empty()) return removed;
  for (auto it = positions.rbegin(); it != positions.rend(); ++it) {
    if (!F::delete_num(chain.c_str(), *it, h.get())) {
      const int err = errno;
      throw iptc_error<F>(std::string("delete ") + F::kTool + " rule -t " + table + " " + chain + " #" +
                              std::to_string(*it + 1),
                          err);
    }
  }
  h.commit(table);
  return removed;
}

// Runs fn.operator()<V4>() or <V6>(), by family.
template <class Fn>
auto by_family(int family, Fn&& fn) {
  return family == AF_INET6 ? fn.template operator()<V6>() : fn.template operator()<V4>();
}

}  // namespace

base::FileLock xtables_lock() {
  const char* env = std::getenv("XTABLES_LOCKFILE");
  std::string path = env && *env ? env : "/run/xtables.lock";
  return base::FileLock::acquire(path, kXtablesLockTimeout);
}

std::size_t apply_table(int family, const std::string& table, const std::vector<const Rule*>& add,
                        const std::vector<const Rule*>& remove) {
  return with_retry(table, [&] {
    return by_family(family, [&]<class F>() { return apply_once<F>(table, add, remove); });
  });
}

std::vector<std::string> missing_in_table(int family, const std::string& table, const std::vector<const Rule*>& add) {
  return by_family(family, [&]<class F>() { return missing_once<F>(table, add); });
}

std::vector<std::string> remove_stale(int family, const std::string& table, const std::string& chain,
                                      const std::function<bool(const std::string&)>& stale, bool dry_run) {
  return with_retry(table, [&] {
    return by_family(family, [&]<class F>() { return remove_stale_once<F>(table, chain, stale, dry_run); });
  });
}

std::string builtin_policy(int family, const std::string& table, const std::string& chain) {
  return by_family(family, [&]<class F>() {
    auto h = Handle<F>::open(table);
    xt_counters counters{};
    const char* policy = F::policy(chain.c_str(), &counters, h.get());
    return std::string(policy ? policy : "");
  });
}

}  // namespace nh::firewall::iptables
