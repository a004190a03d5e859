#include "joule/datadiet/forgetting.h"

#include <algorithm>

#include "joule/ops/reduce.h"

namespace joule::datadiet {

ForgettingTracker::ForgettingTracker(int64_t num_examples) {
  JOULE_CHECK(num_examples >= 0, "ForgettingTracker: num_examples must be >= 0, got ",
              num_examples);
  const auto n = static_cast<size_t>(num_examples);
  events_.assign(n, 0);
  presentations_.assign(n, 0);
  misclassified_.assign(n, 0);
  last_correct_.assign(n, 0);
  learned_.assign(n, 0);
}

void ForgettingTracker::observe(int64_t index, bool correct) {
  JOULE_CHECK(index >= 0 && index < num_examples(), "ForgettingTracker: example ", index,
              " is outside [0, ", num_examples(), ")");
  const auto i = static_cast<size_t>(index);
  if (presentations_[i] > 0 && last_correct_[i] && !correct) ++events_[i];
  ++presentations_[i];
  if (!correct) ++misclassified_[i];
  if (correct) learned_[i] = 1;
  last_correct_[i] = correct ? 1 : 0;
}

void ForgettingTracker::observe_batch(const Tensor& indices, const Tensor& logits,
                                      const Tensor& labels) {
  JOULE_CHECK(indices.numel() == labels.numel() && logits.dim() == 2 &&
                  logits.size(0) == labels.numel(),
              "ForgettingTracker: indices ", indices.shape(), ", logits ", logits.shape(),
              " and labels ", labels.shape(), " do not describe one batch");
  Tensor pred = argmax(logits.detach());
  if (!pred.device().is_cpu()) pred = pred.to(Device::cpu());
  const Tensor y = labels.device().is_cpu() ? labels : labels.to(Device::cpu());
  const std::vector<int64_t> p = pred.contiguous().to_vector<int64_t>();
  const std::vector<int64_t> t = y.contiguous().to_vector<int64_t>();
  const std::vector<int64_t> idx = indices.contiguous().to_vector<int64_t>();
  for (size_t k = 0; k < idx.size(); ++k) observe(idx[k], p[k] == t[k]);
}

std::vector<float> ForgettingTracker::scores() const {
  const int64_t most = presentations_.empty()
                           ? 0
                           : *std::max_element(presentations_.begin(), presentations_.end());
  std::vector<float> out(events_.size());
  for (size_t i = 0; i < out.size(); ++i) {
    if (!learned_[i]) {
      out[i] = static_cast<float>(most + 1);
      continue;
    }
    const double tie = static_cast<double>(misclassified_[i]) /
                       static_cast<double>(presentations_[i] + 1);
    out[i] = static_cast<float>(static_cast<double>(events_[i]) + tie);
  }
  return out;
}

void ForgettingCallback::on_batch_end(train::Trainer&, const train::StepInfo& info) {
  tracker_.observe_batch(info.batch.indices, info.output, info.batch.y);
}

}  // namespace joule::datadiet
