#pragma once
// netns-hook as a CNI plugin: what runs when CNI_COMMAND is set. The CNI
// front end's only catch site: every error becomes the CNI error JSON on
// stdout, one log line, and exit 1.
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

namespace nh::cni {

// The largest network configuration read from stdin.
constexpr std::size_t kMaxInputBytes = 1 << 20;

// Runs the command the environment (read through `get`) names, with the
// network configuration `read_input` returns (stdin); writes the result or
// the error to `out`. Returns the exit status.
int run_plugin(const std::function<std::optional<std::string>(const char*)>& get,
               const std::function<std::string()>& read_input, std::ostream& out);

}  // namespace nh::cni
