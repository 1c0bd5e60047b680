// A network file's text, as the networks directory's reader parses it
// (JSON, then net::from_json). Accepted networks must pass validation and
// read back from their own JSON unchanged; refusals are one line.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "invariant.hpp"
#include "lib/base/error.hpp"
#include "lib/net/network.hpp"

using nh::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(data, data + size);
  } catch (const nlohmann::json::exception&) {
    return 0;  // the store turns this into its own message (json_parse_reason)
  }
  nh::net::Network n;
  try {
    n = nh::net::from_json(j, "network file F");
  } catch (const nh::base::Error& e) {
    nh::fuzz::require_one_line(e);
    return 0;
  }
  try {
    nh::net::validate(n);
  } catch (const nh::base::Error& e) {
    nh::fuzz::broken(std::string("accepted a network that fails validation: ") + e.what());
  }
  require(!n.subnets.empty(), "accepted a network without a subnet");
  for (const auto& s : n.subnets) require(s.subnet.contains(s.gateway), "accepted a gateway outside its subnet");
  try {
    require(nh::net::from_json(nh::net::to_json(n), "again") == n, "a network read back from its JSON differs");
  } catch (const nh::base::Error& e) {
    nh::fuzz::broken(std::string("a network's own JSON is refused: ") + e.what());
  }
  return 0;
}
