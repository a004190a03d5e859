// Running a row of the op table: its inputs, forward and backward on a device, and the
// comparison of two runs.
#include <gtest/gtest.h>

#include <cmath>
#include <ostream>
#include <utility>

#include "joule/joule.h"
#include "ops_table/op_table.h"

namespace joule::optable {

InputSpec uniform(Shape shape, float low, float high) {
  InputSpec s;
  s.shape = std::move(shape);
  s.low = low;
  s.high = high;
  return s;
}
InputSpec positive(Shape shape) { return uniform(std::move(shape), 0.5f, 2.f); }
InputSpec away_from_zero(Shape shape) {
  InputSpec s = uniform(std::move(shape));
  s.fill = Fill::AwayFromZero;
  return s;
}
InputSpec distinct(Shape shape) {
  InputSpec s = uniform(std::move(shape));
  s.fill = Fill::Distinct;
  return s;
}
InputSpec constant(InputSpec spec) {
  spec.differentiable = false;
  return spec;
}
InputSpec labels(int64_t n, int64_t classes) {
  InputSpec s;
  s.shape = Shape{n};
  s.fill = Fill::Labels;
  s.classes = classes;
  s.differentiable = false;
  return s;
}

OpRow row(std::string name, std::string op, std::vector<InputSpec> inputs, OpFn apply) {
  OpRow r;
  r.name = std::move(name);
  r.op = std::move(op);
  r.inputs = std::move(inputs);
  r.apply = std::move(apply);
  return r;
}

void PrintTo(const OpRow& row, std::ostream* os) { *os << row.name; }

namespace {

// FNV-1a of the row's name: the seed of its inputs, stable when rows are added or moved.
uint64_t seed_of(const std::string& name) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  return h;
}

Tensor fill(const InputSpec& spec, Generator& gen) {
  switch (spec.fill) {
    case Fill::Labels: {
      std::vector<int64_t> v(static_cast<size_t>(spec.shape.numel()));
      for (int64_t& x : v) x = static_cast<int64_t>(gen.below(static_cast<uint64_t>(spec.classes)));
      return Tensor::from_vector(v, spec.shape);
    }
    case Fill::AwayFromZero: {
      Tensor t = Tensor::uniform(spec.shape, gen, -1.f, 1.f);
      float* p = t.data<float>();
      for (int64_t i = 0; i < t.numel(); ++i) p[i] += p[i] < 0 ? -0.2f : 0.2f;
      return t;
    }
    case Fill::Distinct: {
      Tensor t = Tensor::empty(spec.shape);
      float* p = t.data<float>();
      const int64_t n = t.numel();
      for (int64_t i = 0; i < n; ++i) p[i] = 0.05f * static_cast<float>(i - n / 2);
      for (int64_t i = n - 1; i > 0; --i)  // Fisher-Yates
        std::swap(p[i], p[gen.below(static_cast<uint64_t>(i + 1))]);
      return t;
    }
    case Fill::Uniform:
      break;
  }
  return Tensor::uniform(spec.shape, gen, spec.low, spec.high);
}

// Index of the first element out of tolerance, or -1; `max_err` gets the largest difference.
int64_t first_mismatch(const std::vector<float>& want, const std::vector<float>& got,
                       const Tolerance& tol, double& max_err) {
  int64_t bad = -1;
  max_err = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const double w = want[i], g = got[i];
    const double err = std::fabs(g - w);
    const bool ok = err <= tol.atol + tol.rtol * std::fabs(w);  // false for NaN too
    if (std::isfinite(err)) max_err = std::max(max_err, err);
    if (!ok && bad < 0) bad = static_cast<int64_t>(i);
  }
  return bad;
}

void expect_tensor_close(const Tensor& want, const Tensor& got, const Tolerance& tol,
                         const std::string& what) {
  ASSERT_EQ(want.defined(), got.defined()) << what << ": defined in one run only";
  if (!want.defined()) return;
  ASSERT_EQ(want.shape(), got.shape()) << what << ": shapes differ";
  ASSERT_EQ(want.dtype(), got.dtype()) << what << ": dtypes differ";
  if (want.dtype() == DType::Int64) {
    EXPECT_EQ(want.to_vector<int64_t>(), got.to_vector<int64_t>()) << what;
    return;
  }
  const std::vector<float> w = want.to_vector<float>(), g = got.to_vector<float>();
  double max_err = 0;
  const int64_t bad = first_mismatch(w, g, tol, max_err);
  EXPECT_LT(bad, 0) << what << ": element " << bad << " is " << g[static_cast<size_t>(bad)]
                    << ", expected " << w[static_cast<size_t>(bad)] << " (atol " << tol.atol
                    << ", rtol " << tol.rtol << "; max abs err " << max_err << " over " << w.size()
                    << " elements)";
}

}  // namespace

bool has_differentiable_input(const OpRow& row) {
  for (const InputSpec& s : row.inputs)
    if (s.differentiable) return true;
  return false;
}

std::vector<Tensor> make_inputs(const OpRow& row, Device device) {
  Generator gen(seed_of(row.name));
  std::vector<Tensor> inputs;
  for (const InputSpec& spec : row.inputs) {
    Tensor t = fill(spec, gen).to(device);
    if (spec.differentiable) t.set_requires_grad();
    inputs.push_back(t);
  }
  return inputs;
}

OpResult run_op(const OpRow& row, Device device) {
  std::vector<Tensor> inputs = make_inputs(row, device);
  Tensor out = row.apply(inputs);
  OpResult r;
  r.out = out.detach().to(Device::cpu()).contiguous();
  r.grads.resize(inputs.size());
  if (!has_differentiable_input(row) || out.dtype() != DType::Float32) return r;
  Generator gen(seed_of(row.name) + 1);
  Tensor proj = Tensor::uniform(out.shape(), gen, -1.f, 1.f).to(device);
  sum(mul(out, proj)).backward();
  for (size_t k = 0; k < inputs.size(); ++k)
    if (inputs[k].requires_grad() && inputs[k].grad().defined())
      r.grads[k] = inputs[k].grad().to(Device::cpu()).contiguous();
  return r;
}

void expect_close(const OpResult& want, const OpResult& got, const Tolerance& tol,
                  const std::string& what) {
  expect_tensor_close(want.out, got.out, tol, what + ": output");
  ASSERT_EQ(want.grads.size(), got.grads.size());
  for (size_t k = 0; k < want.grads.size(); ++k)
    expect_tensor_close(want.grads[k], got.grads[k], tol,
                        what + ": gradient of input " + std::to_string(k));
}

}  // namespace joule::optable
