// Teacher: a trained model run frozen beside a student. Its parameters stop requiring grad, it
// stays in evaluation mode (BatchNorm uses its running statistics, Dropout passes through) and it
// runs under NoGradGuard, so it builds no graph and keeps no activations for a backward.
//
// It can cache its logits for every sample of the training set, keyed by the sample's index in
// that dataset (data::Batch::indices): the first epoch computes them batch by batch (or
// fill_cache() computes them all up front) and later epochs read them back, paying nothing for
// the teacher. The cache is valid only for that one dataset and for inputs that do not change
// between epochs (no data augmentation).
//
// Every forward pass of the teacher is metered when a meter is set, so the teacher's energy is
// reported apart from the student's.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "datasets/dataloader.h"
#include "joule/energy/meter.h"
#include "joule/io/checkpoint.h"
#include "joule/nn/module.h"

namespace joule::distill {

struct TeacherOptions {
  int64_t cache_samples = 0;  // > 0: cache the logits of a training set of this many samples
  int64_t batch_size = 1000;  // for fill_cache()
};

class Teacher {
 public:
  Teacher(std::shared_ptr<nn::Module> model, const TeacherOptions& options);

  // Loads `path` strictly into `model` (parameters and buffers only) and wraps it. Throws
  // naming the file and every mismatch when the checkpoint does not fit the model.
  static Teacher from_checkpoint(const std::string& path, std::shared_ptr<nn::Module> model,
                                 const TeacherOptions& options, io::TrainingState* state = nullptr);

  // Meters every later forward pass with `meter` (null: none). The meter must outlive this.
  void set_meter(energy::Meter* meter) { meter_ = meter; }

  // x (B, ...) -> logits (B, C), computed now, no graph.
  Tensor forward(const Tensor& x);
  // The logits for a training batch: from the cache where every sample is cached, else computed
  // (and cached when caching). Throws when an index lies outside the cached dataset.
  Tensor logits(const data::Batch& batch);
  // Computes and caches the logits of every sample of `dataset` (the training set the cache is
  // for), in batches of options.batch_size.
  void fill_cache(const data::Dataset& dataset);

  bool caching() const { return options_.cache_samples > 0; }
  int64_t cached_samples() const { return cached_count_; }
  // Samples the teacher has run forward on, and the energy of those passes, since construction
  // (or the last reset_counters()).
  int64_t forward_samples() const { return forward_samples_; }
  const energy::Measurement& energy() const { return energy_; }
  void reset_counters();
  nn::Module& model() { return *model_; }

 private:
  void store(const Tensor& indices, const Tensor& logits);

  std::shared_ptr<nn::Module> model_;
  TeacherOptions options_;
  energy::Meter* meter_ = nullptr;
  Tensor cache_;               // (cache_samples, C) once the first logits are known
  std::vector<char> cached_;   // per sample: 1 when its row of cache_ is filled
  int64_t cached_count_ = 0;
  int64_t forward_samples_ = 0;
  energy::Measurement energy_;
};

}  // namespace joule::distill
