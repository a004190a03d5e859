// Helpers for the finite-difference gradient tests.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "joule/backward/gradcheck.h"
#include "joule/core/tensor.h"

namespace joule::test {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// A leaf requiring grad, uniform in [low, high), from a seeded generator.
inline Tensor input(const Shape& s, uint64_t seed, float low = -1.f, float high = 1.f) {
  Generator g(seed);
  Tensor t = Tensor::uniform(s, g, low, high);
  t.set_requires_grad();
  return t;
}

inline void expect_gradcheck(const Fn& f, const std::vector<Tensor>& inputs,
                             GradcheckOptions o = {}) {
  GradcheckResult r = gradcheck(f, inputs, o);
  EXPECT_TRUE(r.ok) << r.message << " (max abs err " << r.max_abs_err << ")";
}

}  // namespace joule::test
