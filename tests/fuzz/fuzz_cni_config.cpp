// A CNI network configuration, as the plugin reads it from stdin
// (cni::parse_config): accepted ones carry a supported version and a network
// that passes validation; refusals carry one of the specification's codes
// for configuration problems (1, 6, 7) and one line; the error JSON written
// for them parses.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "invariant.hpp"
#include "lib/cni/config.hpp"
#include "lib/cni/error.hpp"
#include "lib/cni/version.hpp"

using nh::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  nh::cni::NetConf conf;
  try {
    conf = nh::cni::parse_config(text);
  } catch (const nh::cni::Failure& e) {
    nh::fuzz::require_one_line(e);
    require(e.code() == nh::cni::kIncompatibleVersion || e.code() == nh::cni::kDecodingFailure ||
                e.code() == nh::cni::kInvalidConfig || e.code() == nh::cni::kInvalidEnvironment,
            "a configuration refused with code " + std::to_string(e.code()));
    const auto j = nlohmann::json::parse(nh::cni::error_json("1.0.0", e.code(), e), nullptr, false);
    require(!j.is_discarded() && j.at("code") == e.code(), "the error JSON does not parse");
    return 0;
  } catch (const nh::base::Error& e) {
    nh::fuzz::broken(std::string("refused without a CNI code: ") + e.what());
  }
  require(nh::cni::is_supported(conf.cni_version), "accepted an unsupported cniVersion");
  try {
    nh::net::validate(conf.network);
  } catch (const nh::base::Error& e) {
    nh::fuzz::broken(std::string("accepted a network that fails validation: ") + e.what());
  }
  require(!conf.network.subnets.empty(), "accepted a network without a subnet");
  require(conf.state_dir.front() == '/', "accepted a relative stateDir");
  for (const auto& p : conf.ports) require(p.host_port > 0 && p.container_port > 0, "accepted port 0");
  return 0;
}
