// SparseLinear: y = x·Wᵀ + b with W (out, in) held in true sparse storage: a Pattern (CSR + CSC
// view, buffers "row_ptr" and "col_idx") and a parameter "values" (nnz) that optimizers update
// like any other. Memory grows with nnz, not with in×out; no dense weight or dense gradient is
// formed in training. The pattern can be rewired (SET, RigL) in place at constant nnz.
#pragma once

#include <memory>
#include <vector>

#include "joule/nn/linear.h"
#include "joule/nn/module.h"
#include "joule/ops/sparse.h"
#include "joule/sparse/pattern.h"

namespace joule::optim { class Optimizer; }

namespace joule::nn {

// How the stored values are initialised: Kaiming-uniform (a = sqrt(5), PyTorch's Linear) with
// fan_in = in (Dense: what a masked dense layer gets) or fan_in = the mean stored entries per
// row (Sparse: keeps the output variance of a dense layer; Evci et al. 2022).
enum class SparseInit { Dense, Sparse };

struct SparseLinearOptions {
  int64_t in = 0, out = 0;
  double density = 0.1;  // fraction of the out×in positions stored, in (0, 1]
  bool bias = true;
  SparseInit init = SparseInit::Sparse;
};

// One change of a layer's pattern at constant nnz: the stored entries `drop` (CSR indices) leave,
// the positions `grow` (not stored, or just dropped) arrive with `grow_values`.
struct Rewiring {
  std::vector<int64_t> drop;
  std::vector<sparse::Coord> grow;
  std::vector<float> grow_values;
};

class SparseLinear : public Module {
 public:
  // A uniformly random pattern with round(density·in·out) entries (at least one).
  SparseLinear(const SparseLinearOptions& options, Generator& gen);
  // An explicit pattern (out, in) and its values (nnz); bias (out) or undefined.
  SparseLinear(sparse::Pattern pattern, Tensor values, Tensor bias);
  // The stored entries of a dense Linear: where `keep` (0/1 float32, the weight's shape) is 1
  // when given (a pruned layer: prune::mask_of(layer, "weight")), else where its weight is
  // nonzero. Bias copied.
  static std::shared_ptr<SparseLinear> from_dense(const Linear& dense, const Tensor& keep = {});
  // A dense Linear with the same function (zeros where nothing is stored).
  std::shared_ptr<Linear> to_dense() const;

  Tensor forward(const Tensor& x) override;
  std::string repr() const override;

  int64_t in_features() const { return pattern_->cols(); }
  int64_t out_features() const { return pattern_->rows(); }
  int64_t nnz() const { return pattern_->nnz(); }
  double density() const { return pattern_->density(); }
  const sparse::Pattern& pattern() const { return *pattern_; }
  Tensor values() const { return values_; }
  Tensor bias() const { return bias_; }
  // The weight as a dense (out, in) CPU tensor (for tests, conversion and inspection).
  Tensor dense_weight() const;

  // Replaces dropped entries by grown ones in place (no allocation of the CSR arrays). Survivors
  // keep their values and, in `optimizer` (if given), their state; grown entries get
  // `grow_values` and zeroed state. Clears the values' gradient.
  void rewire(const Rewiring& change, optim::Optimizer* optimizer);

  // While enabled, backward also accumulates the dense weight gradient (out, in) into
  // dense_grad() — RigL's growth criterion. Disabling drops the accumulated gradient.
  void capture_dense_grad(bool on);
  Tensor dense_grad() const { return capture_->grad; }

 protected:
  void on_state_loaded() override;
  void on_moved(Device device) override;

 private:
  void register_tensors(Tensor values, Tensor bias);

  std::shared_ptr<sparse::Pattern> pattern_;
  Tensor values_, bias_;
  std::shared_ptr<DenseGradCapture> capture_ = std::make_shared<DenseGradCapture>();
};

}  // namespace joule::nn
