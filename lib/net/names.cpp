#include "lib/net/names.hpp"

#include "lib/base/error.hpp"
#include "lib/base/fs.hpp"
#include "lib/base/hash.hpp"
#include "lib/base/text.hpp"

namespace nh::net {

using base::Error;
using base::printable;

void validate_ifname(const std::string& name, const std::string& what) {
  if (name.empty()) throw Error::input("invalid " + what + " \"\"", "interface name is empty");
  if (name.size() > 15)
    throw Error::input("invalid " + what + " \"" + printable(name) + "\"", "interface name is longer than 15 characters");
  if (name == "." || name == "..")
    throw Error::input("invalid " + what + " \"" + name + "\"", "not a valid interface name");
  for (char c : name) {
    if (c == '/' || c == ':' || c == ' ' || (c >= '\t' && c <= '\r') || static_cast<unsigned char>(c) < 0x20 ||
        static_cast<unsigned char>(c) == 0x7f)
      throw Error::input("invalid " + what + " \"" + printable(name) + "\"",
                         "interface name must not contain '/', ':', whitespace or control characters");
  }
}

void validate_network_name(std::string_view name, const std::string& what) {
  auto bad = [&](const std::string& why) {
    throw Error::input("invalid " + what + " \"" + printable(name) + "\"", why);
  };
  if (name.empty()) bad("a network name is empty");
  if (name.size() > kMaxNetworkName) bad("longer than " + std::to_string(kMaxNetworkName) + " characters");
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (!alnum(name[0])) bad("a network name starts with a letter or a digit");
  for (char c : name)
    if (!alnum(c) && c != '_' && c != '.' && c != '-')
      bad("a network name has only letters, digits, '_', '.' and '-'");
  if (name.find(base::kTempMarker) != std::string_view::npos)
    bad("\".tmp.\" is kept for the state directory's own files");
}

std::string host_veth_name(std::string_view container_id, std::string_view network, std::string_view iface) {
  std::string key(container_id);
  key += '\0';
  key += network;
  key += '\0';
  key += iface;
  return kVethPrefix + base::hex_hash(key, 12);
}

bool is_host_veth_name(std::string_view name) {
  const std::string_view prefix = kVethPrefix;
  if (name.size() != prefix.size() + 12 || name.substr(0, prefix.size()) != prefix) return false;
  return name.find_first_not_of("0123456789abcdef", prefix.size()) == std::string_view::npos;
}

std::string default_bridge_name(std::string_view network) {
  std::string name = "nh-" + std::string(network);
  if (name.size() <= 15) return name;
  // "nh-" + 6 characters of the name + "-" + 5 hex digits of its hash.
  return name.substr(0, 9) + "-" + base::hex_hash(network, 5);
}

}  // namespace nh::net
