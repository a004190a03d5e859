#include "joule/nn/norm.h"

#include <cmath>
#include <sstream>

#include "joule/ops/norm.h"

namespace joule::nn {

BatchNorm::BatchNorm(const char* name, int64_t features, const BatchNormOptions& o)
    : name_(name), features_(features), options_(o) {
  JOULE_CHECK(features > 0, name, ": features must be positive, got ", features);
  JOULE_CHECK(o.eps > 0, name, ": eps must be positive, got ", o.eps);
  JOULE_CHECK(o.momentum >= 0 && o.momentum <= 1, name, ": momentum must be in [0, 1], got ",
              o.momentum);
  if (o.affine) {
    weight_ = register_parameter("weight", Tensor::ones(Shape{features}));
    bias_ = register_parameter("bias", Tensor::zeros(Shape{features}));
  }
  if (o.track_running_stats) {
    running_mean_ = register_buffer("running_mean", Tensor::zeros(Shape{features}));
    running_var_ = register_buffer("running_var", Tensor::ones(Shape{features}));
    num_batches_tracked_ =
        register_buffer("num_batches_tracked", Tensor::zeros(Shape{}, DType::Int64));
  }
}

Tensor BatchNorm::forward(const Tensor& x) {
  check_input(x);
  JOULE_CHECK(x.size(1) == features_, name_, ": input ", x.shape(), " has ", x.size(1),
              " channels, expected ", features_);
  // Without running statistics the batch statistics are used in evaluation too.
  const bool batch_stats = is_training() || !options_.track_running_stats;
  Tensor y = batch_norm(x, running_mean_, running_var_, weight_, bias_, batch_stats,
                        options_.momentum, options_.eps);
  if (is_training() && options_.track_running_stats) {
    if (num_batches_tracked_.device().is_cpu()) {
      ++num_batches_tracked_.data<int64_t>()[0];
    } else {  // the counter moved to a GPU with the module: count on the host, copy it back
      Tensor host = num_batches_tracked_.to(Device::cpu());
      ++host.data<int64_t>()[0];
      num_batches_tracked_.copy_(host.to(num_batches_tracked_.device()));
    }
  }
  return y;
}

std::string BatchNorm::repr() const {
  std::ostringstream os;
  os << name_ << "(" << features_ << ", eps=" << options_.eps << ", momentum=" << options_.momentum
     << ", affine=" << (options_.affine ? "true" : "false")
     << ", track_running_stats=" << (options_.track_running_stats ? "true" : "false") << ")";
  return os.str();
}

void BatchNorm1d::check_input(const Tensor& x) const {
  JOULE_CHECK(x.dim() == 2 || x.dim() == 3, name_, ": input must be (N, C) or (N, C, L), got ",
              x.shape());
}

void BatchNorm2d::check_input(const Tensor& x) const {
  JOULE_CHECK(x.dim() == 4, name_, ": input must be (N, C, H, W), got ", x.shape());
}

void fold_batchnorm(float* w, float* b, int64_t out, int64_t row, const float* gamma,
                    const float* beta, const float* mean, const float* var, double eps) {
  for (int64_t o = 0; o < out; ++o) {
    const double g = gamma ? gamma[o] : 1.0;
    const double s = g / std::sqrt(static_cast<double>(var[o]) + eps);
    for (int64_t j = 0; j < row; ++j) w[o * row + j] = static_cast<float>(w[o * row + j] * s);
    const double shift = beta ? beta[o] : 0.0;
    b[o] = static_cast<float>((static_cast<double>(b[o]) - mean[o]) * s + shift);
  }
}

}  // namespace joule::nn
