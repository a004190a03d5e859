// Batch normalization modules, as PyTorch's: BatchNorm1d over (N, C) or (N, C, L) inputs and
// BatchNorm2d over (N, C, H, W). Parameters "weight" (ones) and "bias" (zeros) when affine;
// buffers "running_mean" (zeros), "running_var" (ones) and "num_batches_tracked" (int64 scalar)
// when tracking running statistics. Training mode normalizes with the batch statistics and
// updates the running ones; evaluation mode normalizes with the running ones (or, without
// them, with the batch statistics, as PyTorch).
#pragma once

#include "joule/nn/module.h"

namespace joule::nn {

struct BatchNormOptions {
  double eps = 1e-5;
  double momentum = 0.1;  // running = (1 - momentum) running + momentum batch
  bool affine = true;
  bool track_running_stats = true;
};

// The shared implementation; use BatchNorm1d or BatchNorm2d.
class BatchNorm : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string repr() const override;

  int64_t features() const { return features_; }
  const BatchNormOptions& options() const { return options_; }
  Tensor weight() const { return weight_; }
  Tensor bias() const { return bias_; }
  Tensor running_mean() const { return running_mean_; }
  Tensor running_var() const { return running_var_; }
  Tensor num_batches_tracked() const { return num_batches_tracked_; }

 protected:
  BatchNorm(const char* name, int64_t features, const BatchNormOptions& options);
  // Throws unless x has a shape this layer accepts.
  virtual void check_input(const Tensor& x) const = 0;
  const char* name_;

 private:
  int64_t features_;
  BatchNormOptions options_;
  Tensor weight_, bias_, running_mean_, running_var_, num_batches_tracked_;
};

class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t features, const BatchNormOptions& options = {})
      : BatchNorm("BatchNorm1d", features, options) {}

 protected:
  void check_input(const Tensor& x) const override;
};

class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t features, const BatchNormOptions& options = {})
      : BatchNorm("BatchNorm2d", features, options) {}

 protected:
  void check_input(const Tensor& x) const override;
};

// Folds an evaluation-mode batch norm (per feature o: y = (x - mean[o]) s[o] + beta[o] with
// s[o] = gamma[o] / sqrt(var[o] + eps)) into the `out` rows of `row` weights `w` and the `out`
// biases `b` of the Linear or Conv2d before it: w[o][j] *= s[o], b[o] = (b[o] - mean[o]) s[o] +
// beta[o], in double. gamma and beta may be null (1 and 0). Used by quantization's fusion and by
// deploy::thin.
void fold_batchnorm(float* w, float* b, int64_t out, int64_t row, const float* gamma,
                    const float* beta, const float* mean, const float* var, double eps);

}  // namespace joule::nn
