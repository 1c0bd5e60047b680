// The libiptc firewall backend: the legacy xtables kernel interface, as
// iptables-legacy uses it. Rules are built as ipt_entry blobs from nh::Rule
// values; presence is tested with iptc_check_entry, so a run that finds every
// rule in place reads each table once and commits nothing.
#include <fcntl.h>
#include <libiptc/libiptc.h>
#include <linux/netfilter/nf_nat.h>
#include <arpa/inet.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <netinet/in.h>
// xt_sctp.h is written for C only: it uses _Bool and defines a macro named "bytes".
#define _Bool bool
#include <linux/netfilter/xt_sctp.h>
#undef _Bool
#undef bytes
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter_ipv4/ip_tables.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>

#include "lib/error.hpp"
#include "lib/fd.hpp"
#include "lib/firewall.hpp"
#include "lib/log.hpp"
#include "lib/text.hpp"

namespace nh {

namespace {

constexpr std::chrono::milliseconds kXtablesLockTimeout{10000};
constexpr int kCommitAttempts = 5;

// Owns an iptc handle for one table.
class IptcHandle {
 public:
  static IptcHandle open(const std::string& table) {
    xtc_handle* h = iptc_init(table.c_str());
    if (!h) {
      int err = errno;
      throw Error("read iptables table " + table, iptc_strerror(err), Error::Kind::kIptc, err);
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

 private:
  explicit IptcHandle(xtc_handle* h) : h_(h) {}
  xtc_handle* h_;
};

bool is_builtin_target(const std::string& t) {
  return t == "ACCEPT" || t == "DROP" || t == "RETURN" || t == "MASQUERADE" || t == "DNAT";
}

std::uint16_t protocol_number(const std::string& p) {
  if (p == "tcp") return IPPROTO_TCP;
  if (p == "udp") return IPPROTO_UDP;
  if (p == "sctp") return IPPROTO_SCTP;
  return 0;
}

unsigned ctstate_mask(const std::string& states) {
  unsigned mask = 0;
  for (std::string_view s : split(states, ',')) {
    if (s == "ESTABLISHED") mask |= XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED);
    else if (s == "RELATED") mask |= XT_CONNTRACK_STATE_BIT(IP_CT_RELATED);
    else if (s == "NEW") mask |= XT_CONNTRACK_STATE_BIT(IP_CT_NEW);
    else if (s == "DNAT") mask |= XT_CONNTRACK_STATE_DNAT;
    else throw Error("build iptables rule", "unknown conntrack state " + std::string(s));
  }
  return mask;
}

// An ipt_entry with its matches and target, in one suitably aligned buffer,
// laid out as iptables itself lays it out, matches in the order
// to_iptables_save prints them.
class Entry {
 public:
  explicit Entry(const Rule& r) {
    std::size_t size = sizeof(ipt_entry) + target_size(r);
    if (r.dport) size += match_size(proto_match_size(r.protocol));
    if (r.src_type_local || r.dst_type_local) size += match_size(sizeof(xt_addrtype_info_v1));
    if (!r.ctstate.empty()) size += match_size(sizeof(xt_conntrack_mtinfo3));
    if (!r.comment.empty()) size += match_size(sizeof(xt_comment_info));
    buf_.assign((size + 7) / 8, 0);

    ipt_entry* e = entry();
    if (r.source) set_net(*r.source, &e->ip.src, &e->ip.smsk);
    if (r.destination) set_net(*r.destination, &e->ip.dst, &e->ip.dmsk);
    set_iface(r.in_iface, e->ip.iniface, e->ip.iniface_mask);
    set_iface(r.out_iface, e->ip.outiface, e->ip.outiface_mask);
    if (r.in_negated) e->ip.invflags |= IPT_INV_VIA_IN;
    if (r.out_negated) e->ip.invflags |= IPT_INV_VIA_OUT;
    e->ip.proto = protocol_number(r.protocol);

    std::size_t off = sizeof(ipt_entry);
    if (r.dport) add_port_match(off, r.protocol, r.dport);
    if (r.src_type_local || r.dst_type_local) {
      auto* info = static_cast<xt_addrtype_info_v1*>(add_match(off, "addrtype", 1, sizeof(xt_addrtype_info_v1)));
      if (r.src_type_local) info->source = XT_ADDRTYPE_LOCAL;
      if (r.dst_type_local) info->dest = XT_ADDRTYPE_LOCAL;
    }
    if (!r.ctstate.empty()) {
      auto* info = static_cast<xt_conntrack_mtinfo3*>(add_match(off, "conntrack", 3, sizeof(xt_conntrack_mtinfo3)));
      info->match_flags = XT_CONNTRACK_STATE;
      info->state_mask = static_cast<std::uint16_t>(ctstate_mask(r.ctstate));
      if (r.ctstate_negated) info->invert_flags = XT_CONNTRACK_STATE;
    }
    if (!r.comment.empty()) {
      auto* info = static_cast<xt_comment_info*>(add_match(off, "comment", 0, sizeof(xt_comment_info)));
      std::strncpy(info->comment, r.comment.c_str(), XT_MAX_COMMENT_LEN - 1);
    }
    e->target_offset = static_cast<std::uint16_t>(off);
    e->next_offset = static_cast<std::uint16_t>(size);
    auto* t = reinterpret_cast<xt_entry_target*>(bytes() + off);
    t->u.user.target_size = static_cast<std::uint16_t>(target_size(r));
    std::strncpy(t->u.user.name, r.target.c_str(), sizeof t->u.user.name - 1);
    if (r.target == "MASQUERADE") {
      reinterpret_cast<nf_nat_ipv4_multi_range_compat*>(t->data)->rangesize = 1;
    } else if (r.target == "DNAT") {
      // Revision 2, the one iptables 1.8 writes and iptables-save can print.
      t->u.user.revision = 2;
      auto* range = reinterpret_cast<nf_nat_range2*>(t->data);
      range->flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
      std::memcpy(&range->min_addr.ip, r.to_address->data(), 4);
      range->max_addr = range->min_addr;
      range->min_proto.all = htons(r.to_port);
      range->max_proto = range->min_proto;
    }
    // ACCEPT, DROP and chain names: libiptc maps them to verdicts and jumps.
  }

  ipt_entry* entry() { return reinterpret_cast<ipt_entry*>(buf_.data()); }
  std::size_t size() { return entry()->next_offset; }
  // iptc_check_entry/iptc_delete_entry compare the bytes under this mask: all of them.
  std::vector<unsigned char> full_mask() { return std::vector<unsigned char>(size(), 0xff); }

 private:
  static std::size_t match_size(std::size_t data) { return XT_ALIGN(sizeof(xt_entry_match) + data); }
  static std::size_t proto_match_size(const std::string& p) {
    if (p == "tcp") return sizeof(xt_tcp);
    if (p == "udp") return sizeof(xt_udp);
    return sizeof(xt_sctp_info);
  }
  static std::size_t target_size(const Rule& r) {
    if (r.target == "MASQUERADE") return XT_ALIGN(sizeof(xt_entry_target) + sizeof(nf_nat_ipv4_multi_range_compat));
    if (r.target == "DNAT") return XT_ALIGN(sizeof(xt_entry_target) + sizeof(nf_nat_range2));
    return XT_ALIGN(sizeof(xt_standard_target));
  }
  static void set_net(const Cidr& c, in_addr* addr, in_addr* mask) {
    std::memcpy(addr, c.network().data(), 4);
    std::memcpy(mask, IpAddress::v4(0xffffffffu).masked(c.prefix()).data(), 4);
  }
  static void set_iface(const std::string& name, char* out, unsigned char* mask) {
    if (name.empty()) return;
    std::strncpy(out, name.c_str(), IFNAMSIZ - 1);
    std::memset(mask, 0xff, name.size() + 1);  // exact name, terminator included
  }
  unsigned char* bytes() { return reinterpret_cast<unsigned char*>(buf_.data()); }
  void* add_match(std::size_t& off, const char* name, std::uint8_t revision, std::size_t data) {
    auto* m = reinterpret_cast<xt_entry_match*>(bytes() + off);
    m->u.user.match_size = static_cast<std::uint16_t>(match_size(data));
    std::strncpy(m->u.user.name, name, sizeof m->u.user.name - 1);
    m->u.user.revision = revision;
    off += match_size(data);
    return m->data;
  }
  void add_port_match(std::size_t& off, const std::string& proto, std::uint16_t port) {
    void* data = add_match(off, proto.c_str(), 0, proto_match_size(proto));
    if (proto == "tcp") {
      auto* m = static_cast<xt_tcp*>(data);
      m->spts[1] = 0xffff;
      m->dpts[0] = m->dpts[1] = port;
    } else if (proto == "udp") {
      auto* m = static_cast<xt_udp*>(data);
      m->spts[1] = 0xffff;
      m->dpts[0] = m->dpts[1] = port;
    } else {
      auto* m = static_cast<xt_sctp_info*>(data);
      m->spts[1] = 0xffff;
      m->dpts[0] = m->dpts[1] = port;
      m->flags = XT_SCTP_DEST_PORTS;
      m->chunk_match_type = SCTP_CHUNK_MATCH_ANY;
    }
  }

  std::vector<std::uint64_t> buf_;
};

// Serialises with iptables itself, which flocks the same file around every change.
FileLock xtables_lock() {
  const char* env = std::getenv("XTABLES_LOCKFILE");
  std::string path = env && *env ? env : "/run/xtables.lock";
  return FileLock::acquire(path, kXtablesLockTimeout);
}

class IptcFirewall final : public Firewall {
 public:
  std::size_t ensure(const std::vector<Rule>& rules) override { return apply(rules, true); }
  void remove(const std::vector<Rule>& rules) override { apply(rules, false); }

  std::vector<std::string> remove_stale(const std::string& table, const std::string& chain,
                                        const std::function<bool(const std::string&)>& stale,
                                        bool dry_run) override {
    auto lock = xtables_lock();
    return with_retry(table, [&] { return remove_stale_once(table, chain, stale, dry_run); });
  }

 private:
  // The kernel refuses a commit made against a table that changed since it
  // was read (EAGAIN): read again and retry, a bounded number of times.
  template <typename F>
  static auto with_retry(const std::string& table, F&& once) -> decltype(once()) {
    for (int attempt = 1;; ++attempt) {
      try {
        return once();
      } catch (const Error& e) {
        if (e.kind() != Error::Kind::kIptc || e.code() != EAGAIN || attempt == kCommitAttempts) throw;
        log_debug("iptables table " + table + " changed under us; retrying");
      }
    }
  }

  // Returns how many rules it added or deleted.
  std::size_t apply(const std::vector<Rule>& rules, bool install) {
    std::map<std::string, std::vector<const Rule*>> by_table;
    for (const auto& r : rules) by_table[r.table].push_back(&r);
    auto lock = xtables_lock();
    std::size_t changed = 0;
    for (const auto& [table, list] : by_table)
      // Captured by name: clang before 16 cannot capture a structured binding.
      changed += with_retry(table, [&, &table = table, &list = list] { return apply_table(table, list, install); });
    return changed;
  }

  // The comment of a rule, or "" when it has none.
  static std::string comment_of(const ipt_entry* e) {
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
  // The predicate is asked while the xtables lock is held, so a rule a setup
  // adds after it answered cannot be in this snapshot.
  static std::vector<std::string> remove_stale_once(const std::string& table, const std::string& chain,
                                                    const std::function<bool(const std::string&)>& stale,
                                                    bool dry_run) {
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
        int err = errno;
        throw Error("delete iptables rule -t " + table + " " + chain + " #" + std::to_string(*it + 1),
                    iptc_strerror(err), Error::Kind::kIptc, err);
      }
    }
    if (!iptc_commit(h.get())) {
      int err = errno;
      throw Error("commit iptables table " + table, iptc_strerror(err), Error::Kind::kIptc, err);
    }
    return removed;
  }

  static std::size_t apply_table(const std::string& table, const std::vector<const Rule*>& rules, bool install) {
    auto h = IptcHandle::open(table);
    bool changed = false;
    std::size_t count = 0;
    if (install) {
      // User chains the rules live in or jump to.
      for (const Rule* r : rules) {
        for (const std::string* c : {&r->chain, &r->target}) {
          if (c == &r->target && is_builtin_target(*c)) continue;
          if (iptc_builtin(c->c_str(), h.get()) || iptc_is_chain(c->c_str(), h.get())) continue;
          if (!iptc_create_chain(c->c_str(), h.get())) {
            int err = errno;
            throw Error("create iptables chain -t " + table + " " + *c, iptc_strerror(err), Error::Kind::kIptc, err);
          }
          changed = true;
        }
      }
    }
    for (const Rule* r : rules) {
      if (!iptc_is_chain(r->chain.c_str(), h.get())) continue;  // removing from a chain that is gone
      Entry e(*r);
      auto mask = e.full_mask();
      const std::string desc = "-t " + table + " " + to_iptables_save(*r);
      bool present = iptc_check_entry(r->chain.c_str(), e.entry(), mask.data(), h.get());
      if (install && !present) {
        int ok = r->insert_first ? iptc_insert_entry(r->chain.c_str(), e.entry(), 0, h.get())
                                 : iptc_append_entry(r->chain.c_str(), e.entry(), h.get());
        if (!ok) {
          int err = errno;
          throw Error("add iptables rule " + desc, iptc_strerror(err), Error::Kind::kIptc, err);
        }
        changed = true;
        ++count;
      } else if (!install && present) {
        if (!iptc_delete_entry(r->chain.c_str(), e.entry(), mask.data(), h.get())) {
          int err = errno;
          throw Error("delete iptables rule " + desc, iptc_strerror(err), Error::Kind::kIptc, err);
        }
        changed = true;
        ++count;
      }
    }
    if (!changed) return 0;
    if (!iptc_commit(h.get())) {
      int err = errno;
      throw Error("commit iptables table " + table, iptc_strerror(err), Error::Kind::kIptc, err);
    }
    return count;
  }
};

}  // namespace

std::unique_ptr<Firewall> make_iptc_firewall() { return std::make_unique<IptcFirewall>(); }

}  // namespace nh
