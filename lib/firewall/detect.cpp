#include "lib/firewall/detect.hpp"

#include <libiptc/libiptc.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <linux/netfilter/nf_tables.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <map>
#include <optional>
#include <utility>

#include "lib/base/c_handle.hpp"
#include "lib/base/error.hpp"
#include "lib/base/log.hpp"
#include "lib/firewall/iptables/table.hpp"
#include "lib/firewall/nftables/netlink.hpp"
#include "lib/firewall/nftables/ruleset.hpp"

namespace nh::firewall {

namespace {

struct NftChain {
  std::string family, table, name;
  bool forward = false;       // a base chain on the forward hook
  bool forward_drop = false;  // ... whose policy is drop
  bool ends_in_drop = false;  // ... whose last rule drops or rejects whatever reaches it
};

const char* family_name(std::uint32_t f) {
  switch (f) {
    case NFPROTO_INET: return "inet";
    case NFPROTO_IPV4: return "ip";
    case NFPROTO_IPV6: return "ip6";
    case NFPROTO_BRIDGE: return "bridge";
    case NFPROTO_ARP: return "arp";
    case NFPROTO_NETDEV: return "netdev";
  }
  return "?";
}

// Every nftables table's name ("family name"); nullopt when nf_tables cannot be used.
std::optional<std::vector<std::string>> nft_tables(int attempts = 3) {
  try {
    auto sock = nftables::NftSocket::open();
    std::vector<std::string> out;
    sock.query([](char* buf, std::uint32_t seq) { return nftables::message(buf, NFT_MSG_GETTABLE, AF_UNSPEC, NLM_F_DUMP, seq); },
               [&](const nlmsghdr* n) {
                 base::CHandle<nftnl_table, nftnl_table_free> t(nftnl_table_alloc());
                 if (t && nftnl_table_nlmsg_parse(n, t.get()) == 0)
                   out.push_back(std::string(family_name(nftnl_table_get_u32(t.get(), NFTNL_TABLE_FAMILY))) + " " +
                                 nftnl_table_get_str(t.get(), NFTNL_TABLE_NAME));
               },
               "list the nftables tables");
    return out;
  } catch (const base::Error& e) {
    // A dump the ruleset changed under: look again.
    if (e.nftables_errno() == EINTR && attempts > 1) return nft_tables(attempts - 1);
    return std::nullopt;
  }
}

// Whether a rule drops or rejects every packet that reaches it: nothing but
// counters and logs before a reject or a drop verdict (firewalld ends its
// forward chain, whose policy is accept, with "reject with icmpx
// admin-prohibited").
bool unconditional_drop(nftnl_rule* r) {
  struct Walk {
    bool only_unconditional = true;
    bool last_drops = false;
  } walk;
  nftnl_expr_foreach(
      r,
      [](nftnl_expr* e, void* data) {
        auto& w = *static_cast<Walk*>(data);
        const std::string name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
        w.last_drops = name == "reject" ||
                       (name == "immediate" && nftnl_expr_is_set(e, NFTNL_EXPR_IMM_VERDICT) &&
                        static_cast<int>(nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT)) == NF_DROP);
        if (name != "counter" && name != "log" && !w.last_drops) w.only_unconditional = false;
        return 0;
      },
      &walk);
  return walk.only_unconditional && walk.last_drops;
}

// Sets ends_in_drop on the forward base chains of `chains` (a dump of every
// rule: the kernel lists each chain's rules in order, so the last one seen wins).
void mark_final_drops(nftables::NftSocket& sock, std::vector<NftChain>& chains) {
  std::map<std::string, bool> last;  // "family table chain" -> its last rule drops everything
  sock.query([](char* buf, std::uint32_t seq) { return nftables::message(buf, NFT_MSG_GETRULE, AF_UNSPEC, NLM_F_DUMP, seq); },
             [&](const nlmsghdr* n) {
               base::CHandle<nftnl_rule, nftnl_rule_free> r(nftnl_rule_alloc());
               if (!r || nftnl_rule_nlmsg_parse(n, r.get()) != 0) return;
               const std::string key = std::string(family_name(nftnl_rule_get_u32(r.get(), NFTNL_RULE_FAMILY))) + " " +
                                       nftnl_rule_get_str(r.get(), NFTNL_RULE_TABLE) + " " +
                                       nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN);
               last[key] = unconditional_drop(r.get());
             },
             "list the nftables rules");
  for (auto& c : chains)
    if (c.forward) {
      auto it = last.find(c.family + " " + c.table + " " + c.name);
      c.ends_in_drop = it != last.end() && it->second;
    }
}

// Every nftables chain; `*error` says why they could not be read, unless
// the kernel simply has no nf_tables (then there are none).
std::vector<NftChain> nft_chains(std::string* error) {
  std::vector<NftChain> out;
  try {
    auto sock = nftables::NftSocket::open();
    sock.query([](char* buf, std::uint32_t seq) { return nftables::message(buf, NFT_MSG_GETCHAIN, AF_UNSPEC, NLM_F_DUMP, seq); },
               [&](const nlmsghdr* n) {
                 base::CHandle<nftnl_chain, nftnl_chain_free> c(nftnl_chain_alloc());
                 if (!c || nftnl_chain_nlmsg_parse(n, c.get()) != 0) return;
                 NftChain ch{family_name(nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_FAMILY)),
                             nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TABLE), nftnl_chain_get_str(c.get(), NFTNL_CHAIN_NAME)};
                 ch.forward = nftnl_chain_is_set(c.get(), NFTNL_CHAIN_HOOKNUM) &&
                              nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_HOOKNUM) == NF_INET_FORWARD;
                 ch.forward_drop = ch.forward && nftnl_chain_is_set(c.get(), NFTNL_CHAIN_POLICY) &&
                                   nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_POLICY) == NF_DROP;
                 out.push_back(std::move(ch));
               },
               "list the nftables chains");
    bool others = false;
    for (const auto& c : out) others = others || (c.forward && !c.forward_drop && c.table != nftables::kTable);
    if (others) mark_final_drops(sock, out);
  } catch (const base::Error& e) {
    const int err = e.nftables_errno().value_or(e.sys_errno().value_or(0));
    if (err != EPROTONOSUPPORT && err != EOPNOTSUPP && err != EAFNOSUPPORT) *error = e.what();
  }
  return out;
}

// Whether the legacy table is loaded already (reading it otherwise would
// load its module just to look).
bool legacy_loaded(const std::string& table = "filter", int family = AF_INET) {
  std::ifstream names(family == AF_INET6 ? "/proc/net/ip6_tables_names" : "/proc/net/ip_tables_names");
  std::string line;
  while (std::getline(names, line))
    if (line == table) return true;
  return false;
}

// Whether the legacy x_tables interface answers (this may load its module).
bool legacy_available() {
  xtc_handle* h = iptc_init("filter");
  if (!h) return false;
  iptc_free(h);
  return true;
}

// Whether it would answer, judged without loading anything (doctor): its core
// is in the kernel, or its module is installed.
bool legacy_loadable() {
  if (::access("/proc/net/ip_tables_names", F_OK) == 0) return true;
  utsname u{};
  if (::uname(&u) != 0) return false;
  std::ifstream deps(std::string("/lib/modules/") + u.release + "/modules.dep");
  std::string line;
  while (std::getline(deps, line))
    if (line.find("/ip_tables.ko") != std::string::npos) return true;
  return false;
}

}  // namespace

Detection detect_backend(bool may_load) {
  auto tables = nft_tables();
  if (tables && !tables->empty()) {
    std::string names;
    for (std::size_t i = 0; i < tables->size() && i < 3; ++i) names += (i ? ", " : "") + (*tables)[i];
    if (tables->size() > 3) names += ", ...";
    return {"nftables", "the host's rules live in nftables (tables " + names + ")"};
  }
  if (may_load ? legacy_available() : legacy_loadable()) return {"iptables", "no nftables table exists and the legacy x_tables interface answers"};
  if (tables) return {"nftables", "the legacy x_tables interface is unavailable"};
  throw base::Error("choose a firewall backend", "neither nf_tables nor the legacy x_tables interface answers");
}

std::vector<std::string> foreign_forward_drops(const std::string& backend, const std::vector<std::string>& bridges) {
  std::string list;
  for (const auto& b : bridges) list += (list.empty() ? "" : ", ") + b;
  if (list.empty()) list = "netns-hook's bridges";
  std::vector<std::string> out;
  std::string unreadable;
  const auto chains = nft_chains(&unreadable);
  // Not "none": what could not be read is said (the reason goes last, where doctor puts the hint).
  if (!unreadable.empty())
    out.push_back("the nftables chains could not be read, so another framework's forward drops are unknown: " +
                  unreadable);
  for (const auto& c : chains)
    if ((c.forward_drop || c.ends_in_drop) && c.table != nftables::kTable)
      out.push_back("the nftables chain " + c.family + " " + c.table + " " + c.name +
                    (c.forward_drop ? " drops forwarded packets by policy"
                                    : " drops or rejects the forwarded packets that reach its last rule") +
                    ", and netns-hook's " + backend +
                    " rules cannot override it: accept the bridges there (" + list +
                    "; with firewalld: firewall-cmd --zone=trusted --add-interface=BRIDGE)" +
                    (backend == "iptables" ? ", or use --firewall nftables" : ""));
  if (backend != "nftables") return out;
  // Both families: an ip6tables-legacy FORWARD DROP stops dual-stack networks' IPv6.
  for (const auto& [family, tool] : {std::pair{AF_INET, "iptables"}, std::pair{AF_INET6, "ip6tables"}}) {
    if (!legacy_loaded("filter", family)) continue;
    std::string policy;
    try {
      policy = iptables::builtin_policy(family, "filter", "FORWARD");
    } catch (const base::Error&) {
      continue;  // unreadable: nothing to say about it
    }
    if (policy == "DROP")
      out.push_back(std::string("the legacy ") + tool +
                    " FORWARD policy is DROP, and netns-hook's nftables rules cannot override it: "
                    "accept the bridges there (" + tool + "-legacy -I FORWARD -i BRIDGE -j ACCEPT and -o BRIDGE, for " +
                    list + "), or use --firewall iptables");
  }
  return out;
}

std::string probe_interface(const std::string& backend) {
  if (backend == "nftables") {
    try {
      auto sock = nftables::NftSocket::open();
      sock.generation();
    } catch (const base::Error& e) {
      return e.what();
    }
    return "";
  }
  // Not loaded yet: reading it would load it, and doctor changes nothing.
  if (!legacy_loaded("nat"))
    return legacy_loadable() ? "" : "the legacy x_tables interface is not in this kernel (no ip_tables module)";
  xtc_handle* h = iptc_init("nat");
  if (!h) {
    const int err = errno;
    return std::string("libiptc: ") + iptc_strerror(err);
  }
  iptc_free(h);
  return "";
}

void warn_foreign_forward_drops(const std::string& backend, const std::vector<std::string>& bridges) {
  for (const auto& line : foreign_forward_drops(backend, bridges)) base::log_warning(line);
}

}  // namespace nh::firewall
