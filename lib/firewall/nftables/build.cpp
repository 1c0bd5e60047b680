#include "lib/firewall/nftables/build.hpp"

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <cstring>
#include <memory>
#include <optional>

#include "lib/base/c_handle.hpp"
#include "lib/base/error.hpp"

namespace nh::firewall::nftables {

namespace {

using TablePtr = base::CHandle<nftnl_table, nftnl_table_free>;
using ChainPtr = base::CHandle<nftnl_chain, nftnl_chain_free>;
using RulePtr = base::CHandle<nftnl_rule, nftnl_rule_free>;
using SetPtr = base::CHandle<nftnl_set, nftnl_set_free>;
using UdataPtr = base::CHandle<nftnl_udata_buf, nftnl_udata_buf_free>;

template <class T>
T* must(T* p) {
  if (!p) throw base::Error::from_errno("allocate an nftables object", ENOMEM);
  return p;
}

constexpr std::uint16_t kFamily = NFPROTO_INET;

// --- expressions ---------------------------------------------------------

nftnl_expr* expr(const char* name) { return must(nftnl_expr_alloc(name)); }

void meta(nftnl_rule* r, std::uint32_t key, std::uint32_t dreg) {
  auto* e = expr("meta");
  nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
  nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
  nftnl_rule_add_expr(r, e);
}

void cmp(nftnl_rule* r, std::uint32_t op, const void* data, std::uint32_t len) {
  auto* e = expr("cmp");
  nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
  nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
  nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
  nftnl_rule_add_expr(r, e);
}

void payload(nftnl_rule* r, std::uint32_t base, std::uint32_t offset, std::uint32_t len, std::uint32_t dreg) {
  auto* e = expr("payload");
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
  nftnl_rule_add_expr(r, e);
}

// reg 1 = reg 1 & mask
void bitwise(nftnl_rule* r, const void* mask, std::uint32_t len) {
  std::vector<std::uint8_t> zero(len, 0);
  auto* e = expr("bitwise");
  nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
  nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
  nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
  nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
  nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero.data(), len);
  nftnl_rule_add_expr(r, e);
}

void nfproto(nftnl_rule* r, int family) {
  std::uint8_t proto = family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
  meta(r, NFT_META_NFPROTO, NFT_REG_1);
  cmp(r, NFT_CMP_EQ, &proto, 1);
}

void ifname(nftnl_rule* r, std::uint32_t key, const std::string& name, bool negated) {
  char buf[IFNAMSIZ] = {};
  std::strncpy(buf, name.c_str(), IFNAMSIZ - 1);
  meta(r, key, NFT_REG_1);
  cmp(r, negated ? NFT_CMP_NEQ : NFT_CMP_EQ, buf, IFNAMSIZ);
}

void prefix(nftnl_rule* r, const addr::Cidr& c, bool source) {
  const bool v6 = c.address().is_v6();
  nfproto(r, c.family());
  const std::uint32_t offset = v6 ? (source ? 8 : 24) : (source ? 12 : 16);
  const std::uint32_t len = static_cast<std::uint32_t>(c.address().size());
  payload(r, NFT_PAYLOAD_NETWORK_HEADER, offset, len, NFT_REG_1);
  auto mask = addr::IpAddress::any(c.family()).masked(0, true).masked(c.prefix());
  bitwise(r, mask.data(), len);
  cmp(r, NFT_CMP_EQ, c.network().data(), len);
}

void fib_local(nftnl_rule* r, bool daddr) {
  auto* e = expr("fib");
  nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, daddr ? NFTA_FIB_F_DADDR : NFTA_FIB_F_SADDR);
  nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
  nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
  nftnl_rule_add_expr(r, e);
  std::uint32_t local = RTN_LOCAL;
  cmp(r, NFT_CMP_EQ, &local, sizeof local);
}

// ct KEY & bits != 0 (has one of them), or == 0 (has none).
void ct_bits(nftnl_rule* r, std::uint32_t key, std::uint32_t bits, bool none) {
  auto* e = expr("ct");
  nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
  nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
  nftnl_rule_add_expr(r, e);
  bitwise(r, &bits, sizeof bits);
  std::uint32_t zero = 0;
  cmp(r, none ? NFT_CMP_EQ : NFT_CMP_NEQ, &zero, sizeof zero);
}

void verdict(nftnl_rule* r, int code, const std::string& chain = "") {
  auto* e = expr("immediate");
  nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
  nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, static_cast<std::uint32_t>(code));
  if (!chain.empty()) nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain.c_str());
  nftnl_rule_add_expr(r, e);
}

// The DNAT through a port map, as nft encodes it: the key's fields in
// consecutive 32-bit registers from reg 1, the data back into them.
void dnat_map(nftnl_rule* r, const PortMap& m) {
  const bool v6 = m.family == AF_INET6;
  nfproto(r, m.family);
  std::uint32_t next = NFT_REG32_00;
  if (m.by_address) {
    payload(r, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 24 : 16, v6 ? 16 : 4, NFT_REG_1);
    next += v6 ? 4 : 1;
  }
  meta(r, NFT_META_L4PROTO, next);
  payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, next + 1);
  auto* look = expr("lookup");
  nftnl_expr_set_u32(look, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
  nftnl_expr_set_u32(look, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_1);
  nftnl_expr_set_str(look, NFTNL_EXPR_LOOKUP_SET, m.name.c_str());
  nftnl_rule_add_expr(r, look);
  auto* nat = expr("nat");
  nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
  nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_FAMILY, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
  nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
  // The data: the address's registers, then the port in the next one.
  nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG32_00 + (v6 ? 4 : 1));
  nftnl_rule_add_expr(r, nat);
}

const PortMap& port_map(const std::string& name) {
  for (const auto& m : port_maps())
    if (m.name == name) return m;
  throw base::Error("build an nftables rule", "no port map " + name);
}

RulePtr make_rule(const std::string& chain) {
  RulePtr r(must(nftnl_rule_alloc()));
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kTable);
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain.c_str());
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, kFamily);
  return r;
}

std::string comment_from(const void* data, std::uint32_t len, std::uint8_t type) {
  struct Ctx {
    std::uint8_t type;
    std::string out;
  } ctx{type, {}};
  nftnl_udata_parse(
      data, len,
      [](const nftnl_udata* attr, void* arg) -> int {
        auto* c = static_cast<Ctx*>(arg);
        if (nftnl_udata_type(attr) == c->type) {
          const char* s = static_cast<const char*>(nftnl_udata_get(attr));
          c->out.assign(s, strnlen(s, nftnl_udata_len(attr)));
        }
        return 0;
      },
      &ctx);
  return ctx.out;
}

UdataPtr comment_udata(std::uint8_t type, const std::string& text) {
  UdataPtr u(must(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN)));
  nftnl_udata_put_strz(u.get(), type, text.c_str());
  return u;
}

SetPtr make_set(const std::string& name) {
  SetPtr s(must(nftnl_set_alloc()));
  nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, kTable);
  nftnl_set_set_str(s.get(), NFTNL_SET_NAME, name.c_str());
  nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, kFamily);
  return s;
}

// At most this many elements per message: the batch sends them together anyway.
constexpr std::size_t kElementsPerMessage = 128;

void elements(NftSocket::Batch& b, std::uint16_t type, const std::string& map, const std::vector<const Element*>& all) {
  for (std::size_t from = 0; from < all.size(); from += kElementsPerMessage) {
    SetPtr s = make_set(map);
    for (std::size_t i = from; i < all.size() && i < from + kElementsPerMessage; ++i) {
      const Element& e = *all[i];
      nftnl_set_elem* el = must(nftnl_set_elem_alloc());
      nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, e.key.data(), static_cast<std::uint32_t>(e.key.size()));
      if (type == NFT_MSG_NEWSETELEM) {
        nftnl_set_elem_set(el, NFTNL_SET_ELEM_DATA, e.data.data(), static_cast<std::uint32_t>(e.data.size()));
        auto u = comment_udata(NFTNL_UDATA_SET_ELEM_COMMENT, e.comment);
        nftnl_set_elem_set(el, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(u.get()), nftnl_udata_buf_len(u.get()));
      }
      nftnl_set_elem_add(s.get(), el);
    }
    b.add([&](char* buf, std::uint32_t seq) {
      auto* nlh = message(buf, type, kFamily, type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0, seq);
      nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
      return nlh;
    });
  }
}

}  // namespace

void add_table(NftSocket::Batch& b) {
  TablePtr t(must(nftnl_table_alloc()));
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, kTable);
  nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, kFamily);
  b.add([&](char* buf, std::uint32_t seq) {
    auto* nlh = message(buf, NFT_MSG_NEWTABLE, kFamily, NLM_F_CREATE, seq);
    nftnl_table_nlmsg_build_payload(nlh, t.get());
    return nlh;
  });
}

void add_chain(NftSocket::Batch& b, const Chain& c) {
  ChainPtr ch(must(nftnl_chain_alloc()));
  nftnl_chain_set_str(ch.get(), NFTNL_CHAIN_TABLE, kTable);
  nftnl_chain_set_str(ch.get(), NFTNL_CHAIN_NAME, c.name.c_str());
  nftnl_chain_set_u32(ch.get(), NFTNL_CHAIN_FAMILY, kFamily);
  if (!c.type.empty()) {
    static const std::map<std::string, std::uint32_t> hooks = {{"prerouting", NF_INET_PRE_ROUTING},
                                                               {"input", NF_INET_LOCAL_IN},
                                                               {"forward", NF_INET_FORWARD},
                                                               {"output", NF_INET_LOCAL_OUT},
                                                               {"postrouting", NF_INET_POST_ROUTING}};
    nftnl_chain_set_u32(ch.get(), NFTNL_CHAIN_HOOKNUM, hooks.at(c.hook));
    nftnl_chain_set_s32(ch.get(), NFTNL_CHAIN_PRIO, c.priority);
    nftnl_chain_set_str(ch.get(), NFTNL_CHAIN_TYPE, c.type.c_str());
    // Accept by policy: the table never drops what it does not own.
    nftnl_chain_set_u32(ch.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
  }
  b.add([&](char* buf, std::uint32_t seq) {
    auto* nlh = message(buf, NFT_MSG_NEWCHAIN, kFamily, NLM_F_CREATE, seq);
    nftnl_chain_nlmsg_build_payload(nlh, ch.get());
    return nlh;
  });
}

void add_map(NftSocket::Batch& b, const PortMap& m) {
  // nft's data type ids, concatenated 6 bits apart, so `nft list` names the
  // types: ipv4_addr 7, ipv6_addr 8, inet_proto 12, inet_service 13.
  const std::uint32_t addr_type = m.family == AF_INET6 ? 8 : 7;
  const std::uint32_t addr_len = m.family == AF_INET6 ? 16 : 4;
  const std::uint32_t key_type = m.by_address ? (addr_type << 12) | (12 << 6) | 13 : (12 << 6) | 13;
  const std::uint32_t key_len = (m.by_address ? addr_len : 0) + 4 + 4;
  SetPtr s = make_set(m.name);
  nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, NFT_SET_MAP);
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, key_type);
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, key_len);
  nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_TYPE, (addr_type << 6) | 13);
  nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_LEN, addr_len + 4);
  nftnl_set_set_u32(s.get(), NFTNL_SET_ID, static_cast<std::uint32_t>(b.messages() + 1));
  b.add([&](char* buf, std::uint32_t seq) {
    auto* nlh = message(buf, NFT_MSG_NEWSET, kFamily, NLM_F_CREATE, seq);
    nftnl_set_nlmsg_build_payload(nlh, s.get());
    return nlh;
  });
}

void add_rule(NftSocket::Batch& b, const Rule& rule) {
  RulePtr r = make_rule(rule.chain);
  nftnl_rule* raw = r.get();
  for (const auto& m : rule.matches) {
    switch (m.what) {
      case Match::What::kIifname: ifname(raw, NFT_META_IIFNAME, m.name, m.negated); break;
      case Match::What::kOifname: ifname(raw, NFT_META_OIFNAME, m.name, m.negated); break;
      case Match::What::kSaddr: prefix(raw, m.prefix, true); break;
      case Match::What::kDaddr: prefix(raw, m.prefix, false); break;
      case Match::What::kFibDaddrLocal: fib_local(raw, true); break;
      case Match::What::kFibSaddrLocal: fib_local(raw, false); break;
      case Match::What::kCtDnat: ct_bits(raw, NFT_CT_STATUS, IPS_DST_NAT, m.negated); break;
      case Match::What::kCtEstablished:
        ct_bits(raw, NFT_CT_STATE, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED), m.negated);
        break;
    }
  }
  switch (rule.action) {
    case Rule::Action::kAccept: verdict(raw, NF_ACCEPT); break;
    case Rule::Action::kDrop: verdict(raw, NF_DROP); break;
    case Rule::Action::kJump: verdict(raw, NFT_JUMP, rule.target); break;
    case Rule::Action::kMasquerade: nftnl_rule_add_expr(raw, expr("masq")); break;
    case Rule::Action::kDnatMap: dnat_map(raw, port_map(rule.target)); break;
  }
  auto u = comment_udata(NFTNL_UDATA_RULE_COMMENT, rule.comment);
  nftnl_rule_set_data(raw, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(u.get()), nftnl_udata_buf_len(u.get()));
  b.add([&](char* buf, std::uint32_t seq) {
    // Without NLM_F_APPEND a new rule goes first in its chain ("nft insert").
    auto* nlh = message(buf, NFT_MSG_NEWRULE, kFamily, NLM_F_CREATE | (rule.first ? 0 : NLM_F_APPEND), seq);
    nftnl_rule_nlmsg_build_payload(nlh, raw);
    return nlh;
  });
}

void delete_rule(NftSocket::Batch& b, const std::string& chain, std::uint64_t handle) {
  RulePtr r = make_rule(chain);
  nftnl_rule_set_u64(r.get(), NFTNL_RULE_HANDLE, handle);
  b.add([&](char* buf, std::uint32_t seq) {
    auto* nlh = message(buf, NFT_MSG_DELRULE, kFamily, 0, seq);
    nftnl_rule_nlmsg_build_payload(nlh, r.get());
    return nlh;
  });
}

void add_elements(NftSocket::Batch& b, const std::string& map, const std::vector<const Element*>& all) {
  elements(b, NFT_MSG_NEWSETELEM, map, all);
}

void delete_elements(NftSocket::Batch& b, const std::string& map, const std::vector<const Element*>& all) {
  elements(b, NFT_MSG_DELSETELEM, map, all);
}

namespace {

void read_rules_into(NftSocket& sock, TableState& st) {
  RulePtr filter_rule(must(nftnl_rule_alloc()));
  nftnl_rule_set_str(filter_rule.get(), NFTNL_RULE_TABLE, kTable);
  sock.query(
      [&](char* buf, std::uint32_t seq) {
        auto* nlh = message(buf, NFT_MSG_GETRULE, kFamily, NLM_F_DUMP, seq);
        nftnl_rule_nlmsg_build_payload(nlh, filter_rule.get());
        return nlh;
      },
      [&](const nlmsghdr* n) {
        RulePtr r(must(nftnl_rule_alloc()));
        if (nftnl_rule_nlmsg_parse(n, r.get()) != 0 || std::strcmp(nftnl_rule_get_str(r.get(), NFTNL_RULE_TABLE), kTable) != 0)
          return;
        std::uint32_t len = 0;
        const void* ud = nftnl_rule_get_data(r.get(), NFTNL_RULE_USERDATA, &len);
        if (!ud) return;
        std::string comment = comment_from(ud, len, NFTNL_UDATA_RULE_COMMENT);
        if (!comment.empty())
          st.rules[comment] = {nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN), nftnl_rule_get_u64(r.get(), NFTNL_RULE_HANDLE)};
      },
      "list the rules of inet netns_hook");
}

}  // namespace

TableState read_rules(NftSocket& sock) {
  TableState st;
  read_rules_into(sock, st);
  // A rule stands only in a chain of a table that exists, and a jump or a
  // map lookup only to one that exists: what the rules name is there.
  st.exists = !st.rules.empty();
  for (const auto& [comment, found] : st.rules) st.chains.insert(found.chain);
  return st;
}

TableState read_table(NftSocket& sock) {
  TableState st;
  TablePtr t(must(nftnl_table_alloc()));
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, kTable);
  st.exists = sock.query(
      [&](char* buf, std::uint32_t seq) {
        auto* nlh = message(buf, NFT_MSG_GETTABLE, kFamily, NLM_F_ACK, seq);
        nftnl_table_nlmsg_build_payload(nlh, t.get());
        return nlh;
      },
      [](const nlmsghdr*) {}, "read the nftables table inet netns_hook");
  if (!st.exists) return st;
  ChainPtr filter_chain(must(nftnl_chain_alloc()));
  nftnl_chain_set_str(filter_chain.get(), NFTNL_CHAIN_TABLE, kTable);
  sock.query(
      [&](char* buf, std::uint32_t seq) {
        auto* nlh = message(buf, NFT_MSG_GETCHAIN, kFamily, NLM_F_DUMP, seq);
        nftnl_chain_nlmsg_build_payload(nlh, filter_chain.get());
        return nlh;
      },
      [&](const nlmsghdr* n) {
        ChainPtr c(must(nftnl_chain_alloc()));
        if (nftnl_chain_nlmsg_parse(n, c.get()) == 0 &&
            std::strcmp(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TABLE), kTable) == 0)
          st.chains.insert(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_NAME));
      },
      "list the chains of inet netns_hook");
  SetPtr filter_set = make_set("");
  nftnl_set_unset(filter_set.get(), NFTNL_SET_NAME);
  sock.query(
      [&](char* buf, std::uint32_t seq) {
        auto* nlh = message(buf, NFT_MSG_GETSET, kFamily, NLM_F_DUMP, seq);
        nftnl_set_nlmsg_build_payload(nlh, filter_set.get());
        return nlh;
      },
      [&](const nlmsghdr* n) {
        SetPtr s(must(nftnl_set_alloc()));
        if (nftnl_set_nlmsg_parse(n, s.get()) == 0 && std::strcmp(nftnl_set_get_str(s.get(), NFTNL_SET_TABLE), kTable) == 0)
          st.maps.insert(nftnl_set_get_str(s.get(), NFTNL_SET_NAME));
      },
      "list the maps of inet netns_hook");
  read_rules_into(sock, st);
  return st;
}

namespace {

Element element_of(nftnl_set_elem* el, const std::string& map) {
  Element e;
  e.map = map;
  std::uint32_t len = 0;
  if (const void* k = nftnl_set_elem_get(el, NFTNL_SET_ELEM_KEY, &len)) {
    const auto* b = static_cast<const std::uint8_t*>(k);
    e.key.assign(b, b + len);
  }
  if (const void* d = nftnl_set_elem_get(el, NFTNL_SET_ELEM_DATA, &len)) {
    const auto* b = static_cast<const std::uint8_t*>(d);
    e.data.assign(b, b + len);
  }
  if (const void* u = nftnl_set_elem_get(el, NFTNL_SET_ELEM_USERDATA, &len))
    e.comment = comment_from(u, len, NFTNL_UDATA_SET_ELEM_COMMENT);
  return e;
}

void each_element(const nlmsghdr* n, const std::string& map, const std::function<void(Element)>& fn) {
  SetPtr s(must(nftnl_set_alloc()));
  if (nftnl_set_elems_nlmsg_parse(n, s.get()) != 0) return;
  base::CHandle<nftnl_set_elems_iter, nftnl_set_elems_iter_destroy> it(nftnl_set_elems_iter_create(s.get()));
  if (!it) return;
  for (nftnl_set_elem* el = nftnl_set_elems_iter_next(it.get()); el; el = nftnl_set_elems_iter_next(it.get()))
    fn(element_of(el, map));
}

}  // namespace

std::optional<Element> find_element(NftSocket& sock, const std::string& map, const std::vector<std::uint8_t>& key) {
  SetPtr s = make_set(map);
  nftnl_set_elem* el = must(nftnl_set_elem_alloc());
  nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, key.data(), static_cast<std::uint32_t>(key.size()));
  nftnl_set_elem_add(s.get(), el);
  std::optional<Element> found;
  sock.query(
      [&](char* buf, std::uint32_t seq) {
        auto* nlh = message(buf, NFT_MSG_GETSETELEM, kFamily, NLM_F_ACK, seq);
        nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
        return nlh;
      },
      [&](const nlmsghdr* n) { each_element(n, map, [&](Element e) { found = std::move(e); }); },
      "look up an element of the nftables map " + map);
  return found;
}

std::vector<Element> dump_elements(NftSocket& sock, const std::string& map) {
  SetPtr s = make_set(map);
  std::vector<Element> out;
  sock.query(
      [&](char* buf, std::uint32_t seq) {
        auto* nlh = message(buf, NFT_MSG_GETSETELEM, kFamily, NLM_F_DUMP, seq);
        nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
        return nlh;
      },
      [&](const nlmsghdr* n) { each_element(n, map, [&](Element e) { out.push_back(std::move(e)); }); },
      "list the elements of the nftables map " + map);
  return out;
}

}  // namespace nh::firewall::nftables
