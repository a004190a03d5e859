// Helpers for the pruning tests: small models with chosen weights, and masks read back as vectors.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "joule/nn/activation.h"
#include "joule/nn/linear.h"
#include "joule/nn/sequential.h"
#include "joule/prune/mask.h"

namespace joule::test {

// Linear(in, hidden) -> ReLU -> Linear(hidden, out): parameters 0.weight, 0.bias, 2.weight, 2.bias.
inline std::shared_ptr<nn::Sequential> two_layers(int64_t in, int64_t hidden, int64_t out,
                                                  uint64_t seed = 1) {
  Generator gen(seed);
  return std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(in, hidden, gen),
                                          std::make_shared<nn::ReLU>(),
                                          std::make_shared<nn::Linear>(hidden, out, gen));
}

// A float tensor of `shape` holding `values` (row-major).
inline Tensor floats(const std::vector<float>& values, const Shape& shape) {
  return Tensor::from_vector(values, shape);
}

// Overwrites parameter `name` with `values` (row-major, its numel values).
inline void set_values(nn::Module& m, const std::string& name, const std::vector<float>& values) {
  Tensor p = m.parameter(name);
  p.copy_(Tensor::from_vector(values, p.shape()));
}

inline std::vector<float> values_of(const nn::Module& m, const std::string& name) {
  return m.parameter(name).to_vector<float>();
}

inline std::vector<float> mask_of(const nn::Module& m, const std::string& name) {
  const Tensor mask = prune::mask_of(m, name);
  return mask.defined() ? mask.to_vector<float>() : std::vector<float>();
}

inline int64_t zeros_in(const std::vector<float>& v) {
  int64_t n = 0;
  for (float x : v) n += x == 0.f;
  return n;
}

}  // namespace joule::test
