#pragma once
// The networks directory: one file NAME.json per network, written atomically
// under a lock file of the directory's own, refused whole when it does not
// parse, has an unknown field, or clashes with another network.
#include <optional>
#include <string>
#include <vector>

#include "lib/base/error.hpp"
#include "lib/net/network.hpp"

namespace nh::net {

class NetworkStore {
 public:
  explicit NetworkStore(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const noexcept { return dir_; }

  // DIR/NAME.json, checked; nullopt when there is no such file.
  std::optional<Network> find(const std::string& name) const;
  // The same, with an error naming the network and the directory when absent.
  Network load(const std::string& name) const;
  // Every network file, checked one by one and against each other (a shared
  // bridge or overlapping subnets are refused, naming both files); by name.
  std::vector<Network> load_all() const;

  // Every network file that parses, by name, and one error per file that
  // does not (file by file only: no check between them).
  struct Scan {
    std::vector<Network> networks;
    std::vector<std::pair<std::string, base::Error>> broken;  // (name, why)
  };
  Scan scan() const;

  // Writes a new network file. Under the directory's lock: refused when the
  // name exists, or when it clashes with a network on file or with `others`
  // (the `default` network the options describe).
  void create(const Network& n, const std::vector<Network>& others);
  // Removes NAME.json; false when there was none.
  bool remove(const std::string& name);

 private:
  std::string path_of(const std::string& name) const { return dir_ + "/" + name + ".json"; }
  std::string dir_;
};

}  // namespace nh::net
