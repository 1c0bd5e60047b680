#pragma once
// `netns-hook ls`: one row per attachment (container x network).
#include <iosfwd>

#include "lib/input/settings.hpp"

namespace nh::admin {

void list_attachments(const input::Settings& settings, bool json, std::ostream& out);

}  // namespace nh::admin
