#pragma once
#include <string>

namespace nh::base {

// "netns-hook X.Y.Z" and, one per line, the libraries it was built with.
std::string version_text();

}  // namespace nh::base
