#pragma once
// A Rule as the kernel's ipt_entry (IPv4) or ip6t_entry (IPv6): the entry,
// its matches and its target in one aligned buffer, laid out as iptables
// itself lays it out (matches in the order to_iptables_save prints them), so
// iptc_check_entry finds rules iptables wrote and iptables-save prints ours.
#include <cstdint>
#include <vector>

#include "lib/firewall/iptables/rule.hpp"

namespace nh::firewall::iptables {

class Entry {
 public:
  explicit Entry(const Rule& r);
  // An ipt_entry* for an IPv4 rule, an ip6t_entry* for an IPv6 one.
  void* entry() { return buf_.data(); }
  std::size_t size() const { return size_; }
  // iptc_check_entry/iptc_delete_entry compare the bytes under this mask: all of them.
  std::vector<unsigned char> full_mask() const { return std::vector<unsigned char>(size_, 0xff); }

 private:
  unsigned char* bytes() { return reinterpret_cast<unsigned char*>(buf_.data()); }
  void* add_match(std::size_t& off, const char* name, std::uint8_t revision, std::size_t data);
  void add_port_match(std::size_t& off, const std::string& proto, std::uint16_t port);
  void add_target(std::size_t off, const Rule& r);
  std::vector<std::uint64_t> buf_;
  std::size_t size_ = 0;
};

// Whether `target` is one the kernel knows (not a user chain to create).
bool is_builtin_target(const std::string& target);

}  // namespace nh::firewall::iptables
