#include "joule/distill/teacher.h"

#include <cstring>
#include <optional>

#include "joule/autograd/grad_mode.h"
#include "joule/nn/freeze.h"
#include "joule/train/metering.h"

namespace joule::distill {

Teacher::Teacher(std::shared_ptr<nn::Module> model, const TeacherOptions& options)
    : model_(std::move(model)), options_(options) {
  JOULE_CHECK(model_ != nullptr, "Teacher: the model is null");
  JOULE_CHECK(options.cache_samples >= 0, "Teacher: cache_samples must be >= 0, got ",
              options.cache_samples);
  JOULE_CHECK(options.batch_size > 0, "Teacher: batch_size must be positive, got ",
              options.batch_size);
  if (model_->num_parameters() > 0) nn::freeze(*model_);
  model_->eval();
  cached_.assign(static_cast<size_t>(options.cache_samples), 0);
}

Teacher Teacher::from_checkpoint(const std::string& path, std::shared_ptr<nn::Module> model,
                                 const TeacherOptions& options, io::TrainingState* state) {
  JOULE_CHECK(model != nullptr, "Teacher::from_checkpoint: the model is null");
  io::load_checkpoint(path, *model, nullptr, state, {.strict = true, .load_optimizer = false});
  return Teacher(std::move(model), options);
}

Tensor Teacher::forward(const Tensor& x) {
  std::optional<energy::EnergyWindow> window;
  if (meter_) window.emplace(*meter_);
  NoGradGuard no_grad;
  model_->eval();  // a caller may have switched the whole tree back to training
  Tensor out = model_->forward(x);
  JOULE_CHECK(out.dim() == 2 && out.size(0) == x.size(0), "Teacher: the model must map ",
              x.size(0), " samples to (", x.size(0), ", classes) logits, got ", out.shape());
  forward_samples_ += x.size(0);
  if (window) energy_ = train::operator+(energy_, window->stop());
  return out;
}

void Teacher::store(const Tensor& indices, const Tensor& logits) {
  const int64_t C = logits.size(1);
  if (!cache_.defined()) cache_ = Tensor::zeros(Shape{options_.cache_samples, C});
  JOULE_CHECK(cache_.size(1) == C, "Teacher: the cache holds ", cache_.size(1),
              " classes, these logits have ", C);
  Tensor lc = logits.contiguous();
  const int64_t* idx = indices.data<int64_t>();
  float* dst = cache_.data<float>();
  for (int64_t r = 0; r < indices.numel(); ++r) {
    std::memcpy(dst + idx[r] * C, lc.data<float>() + r * C, static_cast<size_t>(C) * sizeof(float));
    char& flag = cached_[static_cast<size_t>(idx[r])];
    cached_count_ += flag == 0;
    flag = 1;
  }
}

Tensor Teacher::logits(const data::Batch& batch) {
  if (!caching()) return forward(batch.x);
  JOULE_CHECK(batch.indices.defined() && batch.indices.numel() == batch.size(),
              "Teacher: caching needs the batch's sample indices, this batch has ",
              batch.indices.defined() ? batch.indices.numel() : 0, " for ", batch.size(),
              " samples");
  Tensor ic = batch.indices.contiguous();
  const int64_t* idx = ic.data<int64_t>();
  bool all = cache_.defined();
  for (int64_t r = 0; r < ic.numel(); ++r) {
    JOULE_CHECK(idx[r] >= 0 && idx[r] < options_.cache_samples, "Teacher: sample index ", idx[r],
                " is outside the cached dataset of ", options_.cache_samples, " samples");
    all = all && cached_[static_cast<size_t>(idx[r])];
  }
  if (!all) {
    Tensor out = forward(batch.x);
    store(ic, out);
    return out;
  }
  const int64_t C = cache_.size(1), B = ic.numel();
  Tensor out = Tensor::empty(Shape{B, C});
  const float* src = cache_.data<float>();
  for (int64_t r = 0; r < B; ++r)
    std::memcpy(out.data<float>() + r * C, src + idx[r] * C, static_cast<size_t>(C) * sizeof(float));
  return out;
}

void Teacher::fill_cache(const data::Dataset& dataset) {
  JOULE_CHECK(caching(), "Teacher::fill_cache: caching is off (TeacherOptions::cache_samples = 0)");
  JOULE_CHECK(dataset.size() == options_.cache_samples, "Teacher::fill_cache: the cache is for ",
              options_.cache_samples, " samples, the dataset has ", dataset.size());
  data::DataLoader loader(dataset, {.batch_size = options_.batch_size, .shuffle = false});
  for (int64_t i = 0; i < loader.num_batches(); ++i) {
    data::Batch b = loader.batch(i);
    store(b.indices, forward(b.x));
  }
}

void Teacher::reset_counters() {
  forward_samples_ = 0;
  energy_ = energy::Measurement{};
}

}  // namespace joule::distill
