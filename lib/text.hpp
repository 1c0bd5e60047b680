#pragma once
// The small text helpers the parsers of options and annotations share.
#include <string_view>
#include <vector>

namespace nh {

// "a,b,,c" -> {"a", "b", "", "c"}: every field, empty ones included, so a
// parser can refuse a stray separator by naming the empty item.
std::vector<std::string_view> split(std::string_view s, char sep);

// Without leading and trailing spaces and tabs.
std::string_view trim(std::string_view s);

}  // namespace nh
