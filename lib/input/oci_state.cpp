#include "lib/input/oci_state.hpp"

#include <nlohmann/json.hpp>

#include "lib/base/error.hpp"
#include "lib/base/fs.hpp"
#include "lib/base/text.hpp"

namespace nh::input {

using base::Error;
using base::printable;

namespace {

constexpr const char* kWhat = "parse container state";

[[noreturn]] void bad(const std::string& why) { throw Error::input(kWhat, why); }

}  // namespace

void validate_container_id(std::string_view id, const std::string& what, const std::string& name) {
  auto refuse = [&](const std::string& why) { throw Error::input(what, name + " " + why); };
  if (id.empty()) refuse("is empty");
  if (id.size() > 255) refuse("is longer than 255 characters");
  if (id == "." || id == "..") refuse("\"" + std::string(id) + "\" is not a valid container id");
  // Temporary files in the state directory are NAME.tmp.PID: an id like that
  // would be taken for one of them.
  if (id.find(base::kTempMarker) != std::string_view::npos)
    refuse("\"" + printable(id) + "\" contains \".tmp.\", which the state directory keeps for its own files");
  if (id.find_first_not_of(kContainerIdChars) != std::string_view::npos)
    refuse("\"" + printable(id) + "\" has a character other than letters, digits, '_', '-', '.' and '+'");
}

State parse_state(std::string_view json) {
  if (json.size() > kMaxStateBytes)
    bad("input is larger than " + std::to_string(kMaxStateBytes) + " bytes");
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos)
    bad("no container state on stdin (runtimes pass it to their hooks; by hand: "
        "echo '{\"id\": \"ID\", \"status\": \"creating\", \"pid\": PID}' | netns-hook)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json.begin(), json.end());
  } catch (const nlohmann::json::exception& e) {
    // Not only parse_error: a number beyond a double (1e999) throws out_of_range.
    bad(base::json_parse_reason(e.what()));
  }
  if (!j.is_object()) bad("expected a JSON object, got " + std::string(j.type_name()));

  State s;
  auto id = j.find("id");
  if (id == j.end()) bad("\"id\" is missing");
  if (!id->is_string()) bad("\"id\" is not a string");
  s.id = id->get<std::string>();
  validate_container_id(s.id, kWhat, "\"id\"");

  if (auto st = j.find("status"); st != j.end() && !st->is_null()) {
    if (!st->is_string()) bad("\"status\" is not a string");
    s.status = st->get<std::string>();
  }

  if (auto p = j.find("pid"); p != j.end() && !p->is_null()) {
    if (!p->is_number_integer()) bad("\"pid\" is not an integer");
    if (p->is_number_unsigned() && p->get<unsigned long long>() > 0x3fffffff)
      bad("\"pid\" " + std::to_string(p->get<unsigned long long>()) + " is out of range");
    auto v = p->get<long long>();
    if (v < 0 || v > 0x3fffffff) bad("\"pid\" " + std::to_string(v) + " is out of range");
    if (v > 0) s.pid = static_cast<int>(v);  // crun sends pid 0 at poststop: same as absent
  }

  if (auto b = j.find("bundle"); b != j.end() && !b->is_null()) {
    if (!b->is_string()) bad("\"bundle\" is not a string");
    s.bundle = b->get<std::string>();
  }

  if (auto a = j.find("annotations"); a != j.end() && !a->is_null()) {
    if (!a->is_object()) bad("\"annotations\" is not an object");
    for (auto it = a->begin(); it != a->end(); ++it) {
      if (!it.value().is_string()) bad("annotation \"" + printable(it.key()) + "\" is not a string");
      if (it.key().rfind("netns-hook.", 0) == 0 && it.value().get_ref<const std::string&>().size() > kMaxAnnotationBytes)
        bad("annotation \"" + printable(it.key()) + "\" is longer than " + std::to_string(kMaxAnnotationBytes) +
            " bytes");
      s.annotations.emplace(it.key(), it.value().get<std::string>());
    }
  }
  return s;
}

std::optional<std::string> annotation(const State& s, const std::string& key) {
  auto it = s.annotations.find(key);
  if (it == s.annotations.end()) return std::nullopt;
  return it->second;
}

}  // namespace nh::input
