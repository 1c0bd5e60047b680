#pragma once
// The libiptc backend: intents -> rows (ruleset.hpp) -> the legacy xtables
// tables, as iptables-legacy writes them.
#include <memory>

#include "lib/firewall/firewall.hpp"

namespace nh::firewall::iptables {

std::unique_ptr<Firewall> make_backend();

}  // namespace nh::firewall::iptables
