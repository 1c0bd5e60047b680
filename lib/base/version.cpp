#include "lib/base/version.hpp"

#include <netlink/version.h>

#include <nlohmann/json.hpp>

namespace nh::base {

std::string version_text() {
  std::string out = std::string("netns-hook ") + NETNS_HOOK_VERSION + "\n";
  // libnl's runtime version: it may be linked in statically or shared.
  out += "libnl " + std::to_string(nl_ver_maj) + "." + std::to_string(nl_ver_min) + "." + std::to_string(nl_ver_mic) +
         " (built against " LIBNL_VERSION ")\n";
  // libiptc has no version call; this is the iptables release it was built against.
  out += "libiptc (iptables) " NETNS_HOOK_LIBIPTC_VERSION "\n";
  // Nor do libnftnl and libmnl: the releases built against.
  out += "libnftnl " NETNS_HOOK_LIBNFTNL_VERSION ", libmnl " NETNS_HOOK_LIBMNL_VERSION "\n";
  out += "nlohmann/json " + std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
         std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." + std::to_string(NLOHMANN_JSON_VERSION_PATCH) + "\n";
  return out;
}

}  // namespace nh::base
