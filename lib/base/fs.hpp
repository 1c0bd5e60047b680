#pragma once
// Small file helpers on directory fds: every name is resolved relative to a
// directory we opened ourselves, never followed through a symlink.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/fd.hpp"

namespace nh::base {

// Opens directory `path`, creating it (and missing parents) with `mode` if absent.
UniqueFd open_dir(const std::string& path, unsigned mode, bool create);
// Opens the subdirectory `name` of `dir`, creating it with `mode` if absent
// and `create` is set; an invalid fd when it is absent and not created.
UniqueFd open_subdir(const UniqueFd& dir, const std::string& name, unsigned mode, bool create = true);

// Contents of `name` in `dir`, or nullopt if it does not exist.
std::optional<std::string> read_file_at(const UniqueFd& dir, const std::string& name);
// Writes `name.tmp.PID`, fsyncs it, renames it over `name`: readers see the old
// or the new file, never a torn one, even if we are killed half way.
void write_file_atomic(const UniqueFd& dir, const std::string& name, const std::string& content);
// The marker of those temporary names; ids and other names written through
// write_file_atomic never contain it (their validators refuse it).
constexpr std::string_view kTempMarker = ".tmp.";
// The writer's PID if `name` is such a temporary file, else nullopt.
std::optional<int> temp_file_writer(std::string_view name);
// Removes `name`; false if it was already gone.
bool remove_at(const UniqueFd& dir, const std::string& name);
// Removes the empty subdirectory `name`; false if it was already gone.
bool remove_dir_at(const UniqueFd& dir, const std::string& name);
bool exists_at(const UniqueFd& dir, const std::string& name);
// Names in `dir`, without "." and "..", unsorted.
std::vector<std::string> list_dir(const UniqueFd& dir);

// Reads `fd` to EOF; throws if more than `limit` bytes arrive.
std::string read_all_limited(int fd, std::size_t limit, const std::string& what);
// Reads the file at `path` (at most `limit` bytes); throws naming `what`.
std::string read_path_limited(const std::string& path, std::size_t limit, const std::string& what);

}  // namespace nh::base
