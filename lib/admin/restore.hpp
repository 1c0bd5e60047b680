#pragma once
// `netns-hook restore`: after a firewall reload wiped the tables, put back
// every rule the records call for. The intents come from the same records
// setup wrote, so restore can neither miss a rule nor invent one; the
// backends add only what is missing, so running it again changes nothing.
#include <iosfwd>

#include "lib/input/settings.hpp"

namespace nh::admin {

void restore(const input::Settings& settings, std::ostream& out);

}  // namespace nh::admin
