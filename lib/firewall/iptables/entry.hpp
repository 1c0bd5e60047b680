#pragma once
// A Rule as the kernel's ipt_entry: the entry, its matches and its target in
// one aligned buffer, laid out as iptables itself lays it out (matches in the
// order to_iptables_save prints them), so iptc_check_entry finds rules
// iptables wrote and iptables-save prints ours.
#include <cstdint>
#include <vector>

#include "lib/firewall/iptables/rule.hpp"

struct ipt_entry;

namespace nh::firewall::iptables {

class Entry {
 public:
  explicit Entry(const Rule& r);
  ipt_entry* entry() { return reinterpret_cast<ipt_entry*>(buf_.data()); }
  std::size_t size();
  // iptc_check_entry/iptc_delete_entry compare the bytes under this mask: all of them.
  std::vector<unsigned char> full_mask() { return std::vector<unsigned char>(size(), 0xff); }

 private:
  unsigned char* bytes() { return reinterpret_cast<unsigned char*>(buf_.data()); }
  void* add_match(std::size_t& off, const char* name, std::uint8_t revision, std::size_t data);
  void add_port_match(std::size_t& off, const std::string& proto, std::uint16_t port);
  std::vector<std::uint64_t> buf_;
};

// Whether `target` is one the kernel knows (not a user chain to create).
bool is_builtin_target(const std::string& target);

}  // namespace nh::firewall::iptables
