#include "lib/cni/env.hpp"

#include <algorithm>
#include <cctype>
#include <functional>

#include "lib/base/fs.hpp"
#include "lib/base/text.hpp"
#include "lib/cni/error.hpp"
#include "lib/input/settings.hpp"
#include "lib/input/oci_state.hpp"
#include "lib/net/names.hpp"

namespace nh::cni {

namespace {

Failure bad_env(const std::string& variable, const std::string& why) {
  return Failure(kInvalidEnvironment, "invalid " + variable, why);
}

void check_container_id(const std::string& id) {
  try {
    input::validate_container_id(id, "invalid CNI_CONTAINERID", "the id");
  } catch (const base::Error& e) {
    throw Failure(kInvalidEnvironment, e);
  }
}

}  // namespace

std::string parse_mac(const std::string& text, const std::string& what, int code) {
  auto refuse = [&](const std::string& why) { return Failure(code, "invalid " + what + " \"" + base::printable(text) + "\"", why); };
  if (text.size() != 17) throw refuse("expected six hexadecimal bytes separated by ':'");
  std::string out;
  for (std::size_t i = 0; i < 17; ++i) {
    const char c = text[i];
    if (i % 3 == 2) {
      if (c != ':') throw refuse("expected six hexadecimal bytes separated by ':'");
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      throw refuse("expected six hexadecimal bytes separated by ':'");
    }
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const int first = std::stoi(out.substr(0, 2), nullptr, 16);
  if (first & 1) throw refuse("it is a multicast address");
  if (out == "00:00:00:00:00:00") throw refuse("it is all zeros");
  return out;
}

void parse_cni_args(const std::string& text, Environment& env) {
  bool ignore_unknown = false;
  std::vector<std::string> unknown;
  for (auto item : base::split(text, ';')) {
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) throw bad_env("CNI_ARGS", "\"" + base::printable(item) + "\" is not KEY=VALUE");
    const std::string key(item.substr(0, eq)), value(item.substr(eq + 1));
    if (key == "IgnoreUnknown") {
      ignore_unknown = value == "1" || value == "true" || value == "True";
    } else if (key == "IP") {
      try {
        env.ips = input::parse_ip_list(value, "CNI_ARGS IP", 2);  // one per family
      } catch (const base::Error& e) {
        throw Failure(kInvalidEnvironment, e);
      }
    } else if (key == "MAC") {
      env.mac = parse_mac(value, "CNI_ARGS MAC", kInvalidEnvironment);
    } else {
      unknown.push_back(key);
    }
  }
  if (!unknown.empty() && !ignore_unknown)
    throw bad_env("CNI_ARGS", "unknown key " + base::printable(unknown.front()) +
                                  " (the plugin knows IP, MAC and IgnoreUnknown; IgnoreUnknown=1 lets others through)");
}

Environment read_environment(const std::function<std::optional<std::string>(const char*)>& get) {
  Environment env;
  env.command = get("CNI_COMMAND").value_or("");
  static const std::vector<std::string> commands = {"ADD", "DEL", "CHECK", "VERSION", "GC", "STATUS"};
  if (std::find(commands.begin(), commands.end(), env.command) == commands.end())
    throw bad_env("CNI_COMMAND", "\"" + base::printable(env.command) + "\" is not ADD, DEL, CHECK, VERSION, GC or STATUS");
  const bool per_container = env.command == "ADD" || env.command == "DEL" || env.command == "CHECK";
  if (!per_container) return env;

  env.container_id = get("CNI_CONTAINERID").value_or("");
  check_container_id(env.container_id);
  env.ifname = get("CNI_IFNAME").value_or("");
  if (env.ifname.empty()) throw bad_env("CNI_IFNAME", "it is missing");
  try {
    net::validate_ifname(env.ifname, "CNI_IFNAME");
  } catch (const base::Error& e) {
    throw Failure(kInvalidEnvironment, e);
  }
  env.netns = get("CNI_NETNS").value_or("");
  if (env.netns.empty() && env.command != "DEL") throw bad_env("CNI_NETNS", "it is missing (" + env.command + " needs the namespace)");
  if (!env.netns.empty() && env.netns.front() != '/')
    throw bad_env("CNI_NETNS", "\"" + base::printable(env.netns) + "\" is not an absolute path to a network namespace");
  parse_cni_args(get("CNI_ARGS").value_or(""), env);
  return env;
}

}  // namespace nh::cni
