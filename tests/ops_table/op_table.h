// The op table: one row per public op of lib/joule/ops/*.h (and the autograd-aware views of
// Tensor), from which three tests are generated for every row, as ggml's test-backend-ops does:
//   test_op_gradient.cpp     autograd against central finite differences (gradcheck)
//   test_op_reference.cpp    the fast CPU kernels against their naive reference twins
//   test_op_cuda.cpp         CUDA against CPU, forward and backward
// and test_op_completeness.cpp fails, naming the op, when a public op has no row.
// A new op needs one row here (docs/testing.md, "Adding an op").
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "joule/backward/gradcheck.h"
#include "joule/core/tensor.h"

namespace joule::optable {

// How one input of a row is filled. Every row's inputs come from a Generator seeded by the row's
// name, so a row is reproducible alone and adding a row changes no other.
enum class Fill {
  Uniform,       // uniform in [low, high)
  AwayFromZero,  // uniform in ±[0.2, 1.2): no input near a kink at 0 (relu, max)
  Distinct,      // a shuffle of values 0.05 apart (max pooling: no two within a step)
  Labels,        // int64 class labels in [0, classes), never differentiable
};

struct InputSpec {
  Shape shape;
  Fill fill = Fill::Uniform;
  float low = -1.f, high = 1.f;  // Uniform
  int64_t classes = 0;           // Labels
  bool differentiable = true;    // requires_grad: checked by gradcheck, compared as gradients
};

// Input makers for the rows.
InputSpec uniform(Shape shape, float low = -1.f, float high = 1.f);
InputSpec positive(Shape shape);  // uniform in [0.5, 2): log, divisors, variances
InputSpec away_from_zero(Shape shape);
InputSpec distinct(Shape shape);
InputSpec constant(InputSpec spec);  // the same input, not differentiable
InputSpec labels(int64_t n, int64_t classes);

// |got - want| <= atol + rtol * |want|, elementwise.
struct Tolerance {
  double atol = 1e-5;
  double rtol = 1e-4;
};

using OpFn = std::function<Tensor(const std::vector<Tensor>&)>;

struct OpRow {
  std::string name;  // unique GoogleTest name: letters, digits and '_' only
  std::string op;    // the public op the row covers, as declared (completeness test)
  std::vector<InputSpec> inputs;
  // Applies the op to the inputs (on any device). Must be deterministic: a random op draws from
  // a Generator it seeds itself, so every call (and every device) sees the same mask.
  OpFn apply;
  GradcheckOptions grad;       // finite-difference step and tolerances (float32)
  Tolerance reference;         // fast CPU vs reference kernels
  Tolerance cuda{1e-4, 1e-3};  // CUDA vs CPU (other summation orders, fused multiply-add)
  // Why the gradient test skips this row (empty: it runs). Rows of no differentiable input
  // skip it without a reason here.
  std::string no_gradcheck;
  // Why the CUDA test skips this row (empty: it runs), e.g. an op with no CUDA kernel.
  std::string no_cuda;

  // Each sets one field and returns the row, for chaining after row(...).
  OpRow grad_tol(const GradcheckOptions& o) && {
    grad = o;
    return std::move(*this);
  }
  OpRow reference_tol(const Tolerance& t) && {
    reference = t;
    return std::move(*this);
  }
  OpRow cuda_tol(const Tolerance& t) && {
    cuda = t;
    return std::move(*this);
  }
  OpRow skip_gradcheck(std::string why) && {
    no_gradcheck = std::move(why);
    return std::move(*this);
  }
  OpRow skip_cuda(std::string why) && {
    no_cuda = std::move(why);
    return std::move(*this);
  }
};

// A row with the default tolerances, e.g.
//   row("add_large", "add", {uniform(big), uniform(big)}, add2).skip_gradcheck(kLarge)
OpRow row(std::string name, std::string op, std::vector<InputSpec> inputs, OpFn apply);

// Every row, built once.
const std::vector<OpRow>& op_table();

// ---- running a row ---------------------------------------------------------------------------

// The row's inputs on `device`, filled from the row's seed; differentiable ones are leaves that
// require grad.
std::vector<Tensor> make_inputs(const OpRow& row, Device device);

// The op's output and the gradients of sum(out * R) (R fixed, uniform in [-1, 1)) for each input,
// copied to the CPU; a gradient is undefined for an input that is not differentiable.
struct OpResult {
  Tensor out;
  std::vector<Tensor> grads;
};
// Runs the row on `device`: fresh inputs, forward, backward when an input is differentiable.
OpResult run_op(const OpRow& row, Device device);

// Test failures (naming `what`, the row, the tensor and the first element out of tolerance)
// unless `got` matches `want` within `tol`; int64 outputs must match exactly.
void expect_close(const OpResult& want, const OpResult& got, const Tolerance& tol,
                  const std::string& what);

// True when at least one of the row's inputs is differentiable.
bool has_differentiable_input(const OpRow& row);

// How GoogleTest prints a row (its name) in a failure message.
void PrintTo(const OpRow& row, std::ostream* os);

// GoogleTest's name for a row's instantiation.
struct RowName {
  std::string operator()(const auto& info) const { return info.param.name; }
};

}  // namespace joule::optable
