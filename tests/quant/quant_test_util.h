// Small float models for the quantization tests: a CNN shaped like the example's (smaller) with
// BatchNorm, and an MLP, both with deterministic weights, and inputs in [0, 1] like images.
#pragma once

#include <memory>

#include "joule/core/generator.h"
#include "joule/nn/activation.h"
#include "joule/nn/conv.h"
#include "joule/nn/linear.h"
#include "joule/nn/norm.h"
#include "joule/nn/pool.h"
#include "joule/nn/sequential.h"

namespace joule::test {

// (B, 1 * 12 * 12) -> Unflatten -> conv 3x3 pad 1 (1 -> 6) [BN] ReLU maxpool 2 -> conv 3x3 (6 -> 8)
// ReLU maxpool 2 -> Flatten -> Linear 72 -> 20 ReLU -> Linear 20 -> 5
inline std::shared_ptr<nn::Sequential> small_cnn(uint64_t seed, bool batchnorm) {
  Generator g(seed);
  auto m = std::make_shared<nn::Sequential>();
  m->push_back(std::make_shared<nn::Unflatten>(1, Shape{1, 12, 12}));
  m->push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions{.in = 1, .out = 6, .kernel = 3,
                                                              .padding = 1}, g));
  if (batchnorm) m->push_back(std::make_shared<nn::BatchNorm2d>(6));
  m->push_back(std::make_shared<nn::ReLU>());
  m->push_back(std::make_shared<nn::MaxPool2d>(nn::Pool2dOptions{.kernel = 2}));
  m->push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions{.in = 6, .out = 8, .kernel = 3,
                                                              .padding = 1}, g));
  m->push_back(std::make_shared<nn::ReLU>());
  m->push_back(std::make_shared<nn::MaxPool2d>(nn::Pool2dOptions{.kernel = 2}));
  m->push_back(std::make_shared<nn::Flatten>());
  m->push_back(std::make_shared<nn::Linear>(72, 20, g));
  m->push_back(std::make_shared<nn::ReLU>());
  m->push_back(std::make_shared<nn::Linear>(20, 5, g));
  return m;
}

inline std::shared_ptr<nn::Sequential> small_mlp(uint64_t seed) {
  Generator g(seed);
  auto m = std::make_shared<nn::Sequential>();
  m->push_back(std::make_shared<nn::Linear>(30, 24, g));
  m->push_back(std::make_shared<nn::ReLU>());
  m->push_back(std::make_shared<nn::Linear>(24, 4, g));
  return m;
}

// n samples of `features` values uniform in [0, 1)
inline Tensor images(int64_t n, int64_t features, uint64_t seed) {
  Generator g(seed);
  return Tensor::uniform({n, features}, g, 0.f, 1.f);
}

// The largest |a - b| over all elements, relative to the largest |b|.
inline double relative_max_error(const Tensor& a, const Tensor& b) {
  const auto va = a.to_vector<float>(), vb = b.to_vector<float>();
  double err = 0, scale = 0;
  for (size_t i = 0; i < va.size(); ++i) {
    err = std::max(err, static_cast<double>(std::abs(va[i] - vb[i])));
    scale = std::max(scale, static_cast<double>(std::abs(vb[i])));
  }
  return scale > 0 ? err / scale : err;
}

}  // namespace joule::test
