// gradcheck: compares autograd's gradients with central finite differences, as
// torch.autograd.gradcheck does, for a function of several tensors. It runs ops/ and the
// backward engine, so it lives with the engine above ops/.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "joule/core/tensor.h"

namespace joule {

struct GradcheckOptions {
  float eps = 1e-2f;    // finite-difference step (fp32: large enough to beat rounding)
  double atol = 1e-2;   // |analytic - numeric| <= atol + rtol * |numeric|
  double rtol = 1e-2;
  uint64_t seed = 0;    // for the random projection of the output
};

struct GradcheckResult {
  bool ok = true;
  double max_abs_err = 0;
  std::string message;  // the first mismatch: input, element, analytic and numeric values
};

// Checks d/dx of sum(f(x) * R) for a fixed random R, for every input with requires_grad.
// The inputs must be contiguous CPU float tensors; f must be deterministic.
GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});

}  // namespace joule
