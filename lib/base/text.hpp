#pragma once
// The small text helpers the parsers of options, annotations and files share.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nh::base {

// "a,b,,c" -> {"a", "b", "", "c"}: every field, empty ones included, so a
// parser can refuse a stray separator by naming the empty item.
std::vector<std::string_view> split(std::string_view s, char sep);

// Without leading and trailing spaces and tabs.
std::string_view trim(std::string_view s);
// Without trailing newlines and spaces (a one-line state file's content).
std::string trim_line(std::string s);

// `s` cut to `max` characters with control characters escaped (\x0a): user
// input quoted in a message must keep the message on one line.
std::string printable(std::string_view s, std::size_t max = 64);

// "not valid JSON: <reason>" from nlohmann's exception text, without its
// "[json.exception.parse_error.101] " prefix.
std::string json_parse_reason(const std::string& what);

}  // namespace nh::base
