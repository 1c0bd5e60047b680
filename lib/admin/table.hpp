#pragma once
// A text table for the listing commands: columns as wide as their widest cell.
#include <iosfwd>
#include <string>
#include <vector>

namespace nh::admin {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Every column but the last padded to its widest cell plus two spaces.
  void print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace nh::admin
