// Pruning schedules: at which optimizer steps to prune, and to what sparsity. Steps count the
// optimizer steps done (global across epochs; 0 before training). The semantics are those of the
// TensorFlow Model Optimization Toolkit (tfmot.sparsity.keras): a step is a pruning step when it
// lies in [begin_step, end_step] and (step - begin_step) % frequency == 0.
//
// PolynomialDecay is Zhu & Gupta's gradual magnitude pruning (2017):
//   s(t) = s_f + (s_i - s_f) * (1 - p)^power
//   p    = clamp((t - begin_step) / (end_step - begin_step), 0, 1)
// with power 3, pruning every `frequency` steps (their Δt; end_step = t0 + n Δt).
#pragma once

#include <cstdint>
#include <string>

namespace joule::prune {

class Schedule {
 public:
  virtual ~Schedule() = default;
  // Whether to prune after optimizer step `step`.
  virtual bool should_prune(int64_t step) const = 0;
  // The target sparsity (fraction of the pruned weights' entries) at `step`.
  virtual double sparsity(int64_t step) const = 0;
  // "PolynomialDecay(initial=0, final=0.9, begin=0, end=1000, power=3, frequency=100)"
  virtual std::string str() const = 0;
};

// Prunes once, to `sparsity`, at `step` (0: before the first optimizer step, when the pruning
// callback starts).
class OneShot : public Schedule {
 public:
  OneShot(int64_t step, double sparsity);
  bool should_prune(int64_t step) const override { return step == step_; }
  double sparsity(int64_t) const override { return sparsity_; }
  std::string str() const override;

 private:
  int64_t step_;
  double sparsity_;
};

// tfmot ConstantSparsity: `sparsity` at every pruning step from begin_step to end_step (-1: no
// end).
struct ConstantOptions {
  double sparsity = 0.5;
  int64_t begin_step = 0;
  int64_t end_step = -1;
  int64_t frequency = 100;
};

class Constant : public Schedule {
 public:
  explicit Constant(const ConstantOptions& options);
  bool should_prune(int64_t step) const override;
  double sparsity(int64_t) const override { return o_.sparsity; }
  std::string str() const override;

 private:
  ConstantOptions o_;
};

// tfmot PolynomialDecay (gradual magnitude pruning): from initial_sparsity at begin_step to
// final_sparsity at end_step (> begin_step), then held.
struct PolynomialDecayOptions {
  double initial_sparsity = 0;
  double final_sparsity = 0.5;
  int64_t begin_step = 0;
  int64_t end_step = 1000;
  double power = 3;
  int64_t frequency = 100;
};

class PolynomialDecay : public Schedule {
 public:
  explicit PolynomialDecay(const PolynomialDecayOptions& options);
  // Zhu & Gupta's parameters: prune every dt steps, n times, from step t0.
  static PolynomialDecay zhu_gupta(double s_i, double s_f, int64_t t0, int64_t n, int64_t dt);
  bool should_prune(int64_t step) const override;
  double sparsity(int64_t step) const override;
  std::string str() const override;
  const PolynomialDecayOptions& options() const { return o_; }

 private:
  PolynomialDecayOptions o_;
};

}  // namespace joule::prune
