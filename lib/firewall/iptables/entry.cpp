#include "lib/firewall/iptables/entry.hpp"

#include <arpa/inet.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <netinet/in.h>
// xt_sctp.h is written for C only: it uses _Bool and defines a macro named "bytes".
#define _Bool bool
#include <linux/netfilter/xt_sctp.h>
#undef _Bool
#undef bytes
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include <cstring>

#include "lib/base/error.hpp"
#include "lib/base/text.hpp"

namespace nh::firewall::iptables {

namespace {

std::uint16_t protocol_number(const std::string& p) {
  if (p == "tcp") return IPPROTO_TCP;
  if (p == "udp") return IPPROTO_UDP;
  if (p == "sctp") return IPPROTO_SCTP;
  return 0;
}

unsigned ctstate_mask(const std::string& states) {
  unsigned mask = 0;
  for (std::string_view s : base::split(states, ',')) {
    if (s == "ESTABLISHED") mask |= XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED);
    else if (s == "RELATED") mask |= XT_CONNTRACK_STATE_BIT(IP_CT_RELATED);
    else if (s == "NEW") mask |= XT_CONNTRACK_STATE_BIT(IP_CT_NEW);
    else if (s == "DNAT") mask |= XT_CONNTRACK_STATE_DNAT;
    else throw base::Error("build iptables rule", "unknown conntrack state " + std::string(s));
  }
  return mask;
}

std::size_t match_size(std::size_t data) { return XT_ALIGN(sizeof(xt_entry_match) + data); }

std::size_t proto_match_size(const std::string& p) {
  if (p == "tcp") return sizeof(xt_tcp);
  if (p == "udp") return sizeof(xt_udp);
  return sizeof(xt_sctp_info);
}

// What ip(6)tables itself gives each target: MASQUERADE's data is
// nf_nat_ipv4_multi_range_compat for IPv4 and nf_nat_range for IPv6.
std::size_t target_size(const Rule& r) {
  const bool v6 = r.family == AF_INET6;
  if (r.target == "MASQUERADE")
    return XT_ALIGN(sizeof(xt_entry_target) + (v6 ? sizeof(nf_nat_range) : sizeof(nf_nat_ipv4_multi_range_compat)));
  if (r.target == "DNAT") return XT_ALIGN(sizeof(xt_entry_target) + sizeof(nf_nat_range2));
  return XT_ALIGN(sizeof(xt_standard_target));
}

void set_iface(const std::string& name, char* out, unsigned char* mask) {
  if (name.empty()) return;
  std::strncpy(out, name.c_str(), IFNAMSIZ - 1);
  std::memset(mask, 0xff, name.size() + 1);  // exact name, terminator included
}

// An address and its mask: the first `prefix` bits.
void set_net(const addr::Cidr& c, void* a, void* mask) {
  const auto size = c.address().size();
  std::memcpy(a, c.network().data(), size);
  std::memcpy(mask, addr::IpAddress::any(c.family()).masked(0, true).masked(c.prefix()).data(), size);
}

// The header both families share in substance: addresses, interfaces,
// inversions and protocol; `ip` is ipt_ip or ip6t_ip6.
template <class Ip>
void fill_header(Ip& ip, const Rule& r, std::uint8_t inv_in, std::uint8_t inv_out) {
  if (r.source) set_net(*r.source, &ip.src, &ip.smsk);
  if (r.destination) set_net(*r.destination, &ip.dst, &ip.dmsk);
  set_iface(r.in_iface, ip.iniface, ip.iniface_mask);
  set_iface(r.out_iface, ip.outiface, ip.outiface_mask);
  if (r.in_negated) ip.invflags |= inv_in;
  if (r.out_negated) ip.invflags |= inv_out;
  ip.proto = protocol_number(r.protocol);
}

}  // namespace

bool is_builtin_target(const std::string& t) {
  return t == "ACCEPT" || t == "DROP" || t == "RETURN" || t == "MASQUERADE" || t == "DNAT";
}

Entry::Entry(const Rule& r) {
  const bool v6 = r.family == AF_INET6;
  const std::size_t header = v6 ? sizeof(ip6t_entry) : sizeof(ipt_entry);
  std::size_t size = header + target_size(r);
  if (r.dport) size += match_size(proto_match_size(r.protocol));
  if (r.src_type_local || r.dst_type_local) size += match_size(sizeof(xt_addrtype_info_v1));
  if (!r.ctstate.empty()) size += match_size(sizeof(xt_conntrack_mtinfo3));
  if (!r.comment.empty()) size += match_size(sizeof(xt_comment_info));
  buf_.assign((size + 7) / 8, 0);
  size_ = size;

  std::size_t off = header;
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
  if (v6) {
    auto* e = static_cast<ip6t_entry*>(entry());
    fill_header(e->ipv6, r, IP6T_INV_VIA_IN, IP6T_INV_VIA_OUT);
    if (e->ipv6.proto) e->ipv6.flags |= IP6T_F_PROTO;  // ip6tables matches the protocol only with this flag
    e->target_offset = static_cast<std::uint16_t>(off);
    e->next_offset = static_cast<std::uint16_t>(size);
  } else {
    auto* e = static_cast<ipt_entry*>(entry());
    fill_header(e->ip, r, IPT_INV_VIA_IN, IPT_INV_VIA_OUT);
    e->target_offset = static_cast<std::uint16_t>(off);
    e->next_offset = static_cast<std::uint16_t>(size);
  }
  add_target(off, r);
}

void Entry::add_target(std::size_t off, const Rule& r) {
  auto* t = reinterpret_cast<xt_entry_target*>(bytes() + off);
  t->u.user.target_size = static_cast<std::uint16_t>(target_size(r));
  std::strncpy(t->u.user.name, r.target.c_str(), sizeof t->u.user.name - 1);
  if (r.target == "MASQUERADE") {
    if (r.family == AF_INET) reinterpret_cast<nf_nat_ipv4_multi_range_compat*>(t->data)->rangesize = 1;
  } else if (r.target == "DNAT") {
    // Revision 2, the one ip(6)tables 1.8 writes and ip(6)tables-save can print.
    t->u.user.revision = 2;
    auto* range = reinterpret_cast<nf_nat_range2*>(t->data);
    range->flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
    std::memcpy(&range->min_addr, r.to_address->data(), r.to_address->size());
    range->max_addr = range->min_addr;
    range->min_proto.all = htons(r.to_port);
    range->max_proto = range->min_proto;
  }
  // ACCEPT, DROP and chain names: libiptc maps them to verdicts and jumps.
}

void* Entry::add_match(std::size_t& off, const char* name, std::uint8_t revision, std::size_t data) {
  auto* m = reinterpret_cast<xt_entry_match*>(bytes() + off);
  m->u.user.match_size = static_cast<std::uint16_t>(match_size(data));
  std::strncpy(m->u.user.name, name, sizeof m->u.user.name - 1);
  m->u.user.revision = revision;
  off += match_size(data);
  return m->data;
}

void Entry::add_port_match(std::size_t& off, const std::string& proto, std::uint16_t port) {
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

}  // namespace nh::firewall::iptables
