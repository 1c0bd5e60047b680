// parse_state and validate_container_id on arbitrary bytes, then the
// annotations the hook reads from an accepted state, as setup would.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "invariant.hpp"
#include "lib/addr/cidr.hpp"
#include "lib/input/oci_state.hpp"
#include "lib/addr/port_mapping.hpp"

namespace {

using nh::fuzz::require;

// An accepted id names files in the state directory.
void require_file_name(std::string_view id) {
  require(!id.empty() && id.size() <= 255, "accepted id of length " + std::to_string(id.size()));
  require(id != "." && id != "..", "accepted id \"" + std::string(id) + "\"");
  require(id.find('/') == std::string_view::npos, "accepted id with '/': " + nh::base::printable(id));
  require(id.find('\0') == std::string_view::npos, "accepted id with NUL: " + nh::base::printable(id));
}

void check_id(std::string_view id) {
  try {
    nh::input::validate_container_id(id, "check", "the id");
    require_file_name(id);
  } catch (const nh::base::Error& e) {
    nh::fuzz::require_one_line(e);
  }
}

void check_state(std::string_view json) {
  nh::input::State s;
  try {
    s = nh::input::parse_state(json);
  } catch (const nh::base::Error& e) {
    nh::fuzz::require_one_line(e);
    return;
  }
  require(json.size() <= nh::input::kMaxStateBytes, "accepted a state over the size limit");
  require_file_name(s.id);
  check_id(s.id);  // what parse_state accepted, validate_container_id accepts
  if (s.pid) require(*s.pid > 0 && *s.pid <= 0x3fffffff, "accepted pid " + std::to_string(*s.pid));

  // Setup reads these two annotations; their parsers must hold up too.
  if (auto ports = nh::input::annotation(s, nh::input::kAnnotationPorts)) {
    try {
      nh::addr::parse_ports(*ports);
    } catch (const nh::base::Error& e) {
      nh::fuzz::require_one_line(e);
    }
  }
  if (auto ip = nh::input::annotation(s, "netns-hook.ip")) nh::addr::IpAddress::parse(*ip);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check_id(text);
  check_state(text);
  return 0;
}
