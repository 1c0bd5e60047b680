#include "lib/input/request.hpp"

namespace nh::input {

std::string Request::namespace_path() const {
  return netns_path.empty() ? "/proc/" + std::to_string(pid) + "/ns/net" : netns_path;
}

}  // namespace nh::input
