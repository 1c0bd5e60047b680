#pragma once
// The OCI container state a runtime writes on a hook's stdin
// (runtime-spec "State"): runc, crun and podman each fill it a little differently.
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace nh::input {

constexpr std::size_t kMaxStateBytes = 1 << 20;  // 1 MiB
// netns-hook's own annotations ("netns-hook.*"); others are not ours to judge.
constexpr std::size_t kMaxAnnotationBytes = 16 << 10;

struct State {
  std::string id;
  std::string status;      // "creating" (runc), "created" (crun), "stopped", ...
  std::optional<int> pid;  // absent (podman, runc poststop) or 0 (crun poststop) -> nullopt
  std::string bundle;
  std::map<std::string, std::string> annotations;
};

// Throws nh::Error ("parse container state: ...") on anything that is not a
// JSON object of the expected shape. Unknown fields are ignored.
State parse_state(std::string_view json);

// The characters a container id may hold (it names files).
constexpr std::string_view kContainerIdChars =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-";

// A container id names files in the state directory, so it must be a plain
// file name: 1..255 of [A-Za-z0-9_.+-], not "." or "..". Throws an input
// error `what` otherwise, calling the id `name` ("\"id\"", "the id").
void validate_container_id(std::string_view id, const std::string& what, const std::string& name);

// An annotation value, if present.
std::optional<std::string> annotation(const State& s, const std::string& key);

}  // namespace nh::input
