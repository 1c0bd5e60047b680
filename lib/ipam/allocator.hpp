#pragma once
// Next-fit over a subnet, IPv4 or IPv6, without walking it: the search starts
// after the last address handed out and stops at the first free one, so a
// /64 (2^64 addresses) costs what a /24 does. Pure: `taken` is asked.
#include <functional>
#include <optional>

#include "lib/addr/ip_address.hpp"
#include "lib/net/network.hpp"

namespace nh::ipam {

// Addresses a container may get in `s`: all but the network address (the
// IPv6 subnet-router anycast address), the IPv4 broadcast address and the gateway.
addr::u128 usable_addresses(const net::Subnet& s);
bool is_usable(const net::Subnet& s, const addr::IpAddress& a);

// The first usable address after `last` (or from the start), wrapping, that
// `taken` refuses; nullopt when every usable address is taken.
std::optional<addr::IpAddress> next_free(const net::Subnet& s, const std::optional<addr::IpAddress>& last,
                                         const std::function<bool(const addr::IpAddress&)>& taken);

}  // namespace nh::ipam
