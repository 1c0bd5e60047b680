#pragma once
// Which container holds which host port: ports/<proto>-<port> in the state
// directory, a list of (host address, container id). Host ports belong to
// the host, not to a network, so this index is shared by every network.
// Called by the Pool with its lock held.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lib/addr/port_mapping.hpp"
#include "lib/base/fd.hpp"

namespace nh::ipam {

class PortIndex {
 public:
  explicit PortIndex(const base::UniqueFd& dir) : dir_(dir) {}

  // Throws naming the holder when a port of `ports` is held by another
  // container; `holds(id, mapping)` says whether a recorded holder really
  // publishes it (an entry left by a killed run does not hold the port).
  void check_free(const std::vector<addr::PortMapping>& ports,
                  const std::function<bool(const std::string&, const addr::PortMapping&)>& holds) const;
  void add(const std::string& id, const std::vector<addr::PortMapping>& ports);
  void remove(const std::string& id, const std::vector<addr::PortMapping>& ports);

 private:
  struct Holder {
    std::string host;  // PortMapping::host_text()
    std::string id;
  };
  std::vector<Holder> read(const std::string& key) const;
  void write(const std::string& key, const std::vector<Holder>& holders);
  const base::UniqueFd& dir_;
};

}  // namespace nh::ipam
