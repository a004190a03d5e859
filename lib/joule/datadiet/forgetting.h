// Forgetting events (Toneva et al., 2019): while a model trains, an example is "forgotten" each
// time it goes from classified correctly at one presentation to incorrectly at its next one.
// Examples that are never forgotten are the easy ones; examples never learned count as forgotten
// more often than any other.
//
// Score of example i (higher: harder):
//   learned at least once:  events_i + misclassified_i / (presentations_i + 1)
//   never learned:          max presentations + 1
// The fraction breaks the ties a short run leaves among equal counts: of two examples forgotten
// equally often, the one misclassified at more presentations is the harder. It stays below 1, so
// the whole part is always the count of forgetting events.
#pragma once

#include <cstdint>
#include <vector>

#include "joule/train/trainer.h"

namespace joule::datadiet {

class ForgettingTracker {
 public:
  explicit ForgettingTracker(int64_t num_examples);
  // One presentation of example `index`: was it classified correctly?
  void observe(int64_t index, bool correct);
  // Presentations of a batch: indices (B) int64 on the host, logits (B, C) and labels (B) on
  // any device; an example is correct when its largest logit is its label.
  void observe_batch(const Tensor& indices, const Tensor& logits, const Tensor& labels);

  int64_t num_examples() const { return static_cast<int64_t>(events_.size()); }
  // Correct -> incorrect transitions of example i so far.
  int64_t events(int64_t i) const { return events_.at(static_cast<size_t>(i)); }
  bool ever_learned(int64_t i) const { return learned_.at(static_cast<size_t>(i)) != 0; }
  // One score per example, as described above.
  std::vector<float> scores() const;

 private:
  std::vector<int64_t> events_, presentations_, misclassified_;
  std::vector<uint8_t> last_correct_, learned_;
};

// Feeds every training batch's predictions (made before that batch's update) to a tracker.
class ForgettingCallback : public train::Callback {
 public:
  explicit ForgettingCallback(int64_t num_examples) : tracker_(num_examples) {}
  void on_batch_end(train::Trainer&, const train::StepInfo& info) override;
  const ForgettingTracker& tracker() const { return tracker_; }

 private:
  ForgettingTracker tracker_;
};

}  // namespace joule::datadiet
