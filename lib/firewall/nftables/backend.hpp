#pragma once
// The nftables backend: intents -> rules and map elements (ruleset.hpp) ->
// netns-hook's own table, inet netns_hook, through libnftnl and libmnl.
#include <memory>

#include "lib/firewall/firewall.hpp"

namespace nh::firewall::nftables {

std::unique_ptr<Firewall> make_backend();

}  // namespace nh::firewall::nftables
