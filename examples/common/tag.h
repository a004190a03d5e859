// TagCallback: puts fixed key=value fields (run=kd seed=2) on every epoch line, so that the lines
// of several runs in one log can be told apart.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "joule/train/trainer.h"

namespace joule::examples {

class TagCallback : public train::Callback {
 public:
  explicit TagCallback(std::vector<std::pair<std::string, std::string>> fields)
      : fields_(std::move(fields)) {}
  void on_epoch_end(train::Trainer&, train::EpochRecord& rec) override {
    for (const auto& [k, v] : fields_) rec.set(k, v);
  }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace joule::examples
