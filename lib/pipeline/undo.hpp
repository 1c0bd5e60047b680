#pragma once
// Setup rolls back: each step that changes something pushes its undo; a
// failure runs them newest first.
#include <functional>
#include <string>
#include <vector>

#include "lib/base/log.hpp"

namespace nh::pipeline {

// Undo steps run from the destructor, so they may only refer to objects
// declared before the stack (destroyed after it).
class UndoStack {
 public:
  UndoStack() = default;
  UndoStack(const UndoStack&) = delete;
  UndoStack& operator=(const UndoStack&) = delete;
  void push(std::string what, std::function<void()> fn) { steps_.push_back({std::move(what), std::move(fn)}); }
  void commit() noexcept { steps_.clear(); }
  // Best effort, newest first; an undo that fails is logged, the original error stays.
  ~UndoStack() {
    for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
      try {
        it->fn();
      } catch (const std::exception& e) {
        base::log_error("rollback: " + it->what + ": " + e.what());
      }
    }
  }

 private:
  struct Step {
    std::string what;
    std::function<void()> fn;
  };
  std::vector<Step> steps_;
};

}  // namespace nh::pipeline
