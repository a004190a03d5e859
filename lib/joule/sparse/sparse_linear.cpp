#include "joule/sparse/sparse_linear.h"

#include <algorithm>
#include <cmath>

#include "joule/autograd/grad_mode.h"
#include "joule/nn/init.h"
#include "joule/optim/optimizer.h"

namespace joule::nn {

namespace {

// Permutes a per-entry buffer (nnz) after a rewiring: new slot k takes old[src[k]], or `fill`
// where src[k] < 0.
// The work is done on a host copy, so `t` may live on any device.
void permute(Tensor& t, const std::vector<int64_t>& src, const std::vector<float>& fill) {
  if (!t.defined()) return;
  const std::vector<float> old = t.to_vector<float>();
  std::vector<float> next(src.size());
  for (size_t k = 0; k < src.size(); ++k)
    next[k] = src[k] >= 0 ? old[static_cast<size_t>(src[k])] : fill[static_cast<size_t>(-src[k] - 1)];
  t.copy_(Tensor::from_vector(next, t.shape()).to(t.device()));
}

}  // namespace

SparseLinear::SparseLinear(const SparseLinearOptions& o, Generator& gen) {
  JOULE_CHECK(o.in > 0 && o.out > 0, "SparseLinear: sizes must be positive, got in=", o.in,
              " out=", o.out);
  JOULE_CHECK(o.density > 0 && o.density <= 1, "SparseLinear: density must be in (0, 1], got ",
              o.density);
  const auto total = static_cast<double>(o.in) * static_cast<double>(o.out);
  const auto nnz = std::max<int64_t>(1, std::llround(o.density * total));
  pattern_ = std::make_shared<sparse::Pattern>(sparse::Pattern::random(o.out, o.in, nnz, gen));
  const double fan_in = o.init == SparseInit::Dense ? static_cast<double>(o.in)
                                                    : static_cast<double>(nnz) / o.out;
  // Kaiming-uniform with a = sqrt(5): bound = sqrt(6 / ((1 + 5) fan_in)) = 1/sqrt(fan_in)
  const auto bound = static_cast<float>(1.0 / std::sqrt(std::max(fan_in, 1.0)));
  Tensor v = Tensor::empty(Shape{nnz});
  init::uniform_(v, gen, -bound, bound);
  Tensor b;
  if (o.bias) {
    b = Tensor::empty(Shape{o.out});
    const float bb = 1.f / std::sqrt(static_cast<float>(o.in));
    init::uniform_(b, gen, -bb, bb);
  }
  register_tensors(v, b);
}

SparseLinear::SparseLinear(sparse::Pattern pattern, Tensor values, Tensor bias)
    : pattern_(std::make_shared<sparse::Pattern>(std::move(pattern))) {
  check_float(values, "SparseLinear", "values");
  JOULE_CHECK(values.dim() == 1 && values.numel() == pattern_->nnz(),
              "SparseLinear: values must be (", pattern_->nnz(), ") for the pattern, got ",
              values.shape());
  if (bias.defined())
    JOULE_CHECK(bias.dim() == 1 && bias.size(0) == pattern_->rows(), "SparseLinear: bias must be (",
                pattern_->rows(), "), got ", bias.shape());
  register_tensors(values.detach().contiguous().clone(),
                   bias.defined() ? bias.detach().contiguous().clone() : Tensor());
}

void SparseLinear::register_tensors(Tensor values, Tensor bias) {
  values_ = register_parameter("values", values);
  if (bias.defined()) bias_ = register_parameter("bias", bias);
  register_buffer("row_ptr", pattern_->row_ptr_tensor());
  register_buffer("col_idx", pattern_->col_tensor());
}

std::shared_ptr<SparseLinear> SparseLinear::from_dense(const Linear& dense, const Tensor& keep) {
  Tensor w = dense.weight().detach().contiguous().to(Device::cpu());
  Tensor mask;
  if (keep.defined()) {
    JOULE_CHECK(keep.dtype() == DType::Float32 && keep.shape() == w.shape(),
                "SparseLinear::from_dense: keep ", keep.str(), " is not a 0/1 float32 tensor of ",
                "the weight's shape ", w.shape());
    mask = keep.detach().contiguous().to(Device::cpu());
  }
  const float* wd = w.data<float>();
  const float* md = mask.defined() ? mask.data<float>() : nullptr;
  const int64_t OUT = w.size(0), IN = w.size(1);
  std::vector<int64_t> row_ptr(static_cast<size_t>(OUT) + 1, 0), col;
  std::vector<float> vals;
  for (int64_t r = 0; r < OUT; ++r) {
    for (int64_t c = 0; c < IN; ++c) {
      const int64_t i = r * IN + c;
      if (md ? md[i] != 0.f : wd[i] != 0.f) col.push_back(c), vals.push_back(wd[i]);
    }
    row_ptr[static_cast<size_t>(r) + 1] = static_cast<int64_t>(col.size());
  }
  const auto nnz = static_cast<int64_t>(vals.size());
  return std::make_shared<SparseLinear>(
      sparse::Pattern(OUT, IN, std::move(row_ptr), std::move(col)),
      Tensor::from_vector(vals, Shape{nnz}),
      dense.bias().defined() ? dense.bias().detach().to(Device::cpu()) : Tensor());
}

Tensor SparseLinear::dense_weight() const {
  const sparse::Pattern& p = *pattern_;
  Tensor w = Tensor::zeros(Shape{p.rows(), p.cols()});
  float* wd = w.data<float>();
  const std::vector<float> v = values_.to_vector<float>();
  const int64_t* rp = p.row_ptr();
  for (int64_t r = 0; r < p.rows(); ++r)
    for (int64_t k = rp[r]; k < rp[r + 1]; ++k) wd[r * p.cols() + p.col()[k]] = v[k];
  return w;
}

std::shared_ptr<Linear> SparseLinear::to_dense() const {
  Generator unused(0);
  auto lin = std::make_shared<Linear>(LinearOptions{in_features(), out_features(), bias_.defined()},
                                      unused);
  NoGradGuard no_grad;
  Tensor w = lin->weight();
  w.copy_(dense_weight());
  if (bias_.defined()) {
    Tensor b = lin->bias();
    b.copy_(bias_.detach().to(Device::cpu()));
  }
  lin->to(values_.device());
  return lin;
}

Tensor SparseLinear::forward(const Tensor& x) {
  return sparse_linear(x, sparse::index_of(pattern_), values_, bias_, capture_);
}

std::string SparseLinear::repr() const {
  return "SparseLinear(in=" + std::to_string(in_features()) +
         ", out=" + std::to_string(out_features()) + ", nnz=" + std::to_string(nnz()) +
         ", density=" + std::to_string(density()) +
         ", bias=" + (bias_.defined() ? "true" : "false") + ")";
}

void SparseLinear::rewire(const Rewiring& change, optim::Optimizer* optimizer) {
  sparse::Pattern& p = *pattern_;
  JOULE_CHECK(change.drop.size() == change.grow.size(), "SparseLinear::rewire: keeps nnz, but drops ",
              change.drop.size(), " and grows ", change.grow.size());
  JOULE_CHECK(change.grow_values.size() == change.grow.size(),
              "SparseLinear::rewire: ", change.grow.size(), " grown positions but ",
              change.grow_values.size(), " values");
  const int64_t n = p.nnz();
  std::vector<char> dropped(static_cast<size_t>(n), 0);
  for (int64_t k : change.drop) {
    JOULE_CHECK(k >= 0 && k < n, "SparseLinear::rewire: dropped entry ", k, " is outside [0, ", n,
                ")");
    JOULE_CHECK(!dropped[static_cast<size_t>(k)], "SparseLinear::rewire: entry ", k,
                " dropped twice");
    dropped[static_cast<size_t>(k)] = 1;
  }
  // New entry list: survivors (source index >= 0) then grown ones (source -1 - i).
  std::vector<sparse::Coord> coords;
  std::vector<int64_t> source;
  coords.reserve(static_cast<size_t>(n));
  source.reserve(static_cast<size_t>(n));
  const std::vector<int64_t> rows = p.entry_rows();
  for (int64_t k = 0; k < n; ++k)
    if (!dropped[static_cast<size_t>(k)]) {
      coords.push_back({rows[static_cast<size_t>(k)], p.col()[k]});
      source.push_back(k);
    }
  for (size_t i = 0; i < change.grow.size(); ++i) {
    const sparse::Coord& c = change.grow[i];
    JOULE_CHECK(c.row >= 0 && c.row < p.rows() && c.col >= 0 && c.col < p.cols(),
                "SparseLinear::rewire: grown position (", c.row, ", ", c.col,
                ") is outside the ", p.rows(), "x", p.cols(), " weight");
    const int64_t existing = p.find(c.row, c.col);
    JOULE_CHECK(existing < 0 || dropped[static_cast<size_t>(existing)],
                "SparseLinear::rewire: grown position (", c.row, ", ", c.col,
                ") is already stored");
    coords.push_back(c);
    source.push_back(-1 - static_cast<int64_t>(i));
  }
  const std::vector<int64_t> order = p.assign(coords);  // throws on duplicate growth
  std::vector<int64_t> src(order.size());
  for (size_t k = 0; k < order.size(); ++k) src[k] = source[static_cast<size_t>(order[k])];

  NoGradGuard no_grad;
  permute(values_, src, change.grow_values);
  values_.set_grad(Tensor());
  if (optimizer) {
    const std::vector<float> zeros(change.grow.size(), 0.f);
    for (auto& group : optimizer->param_groups())
      for (size_t i = 0; i < group.params.size(); ++i)
        if (group.params[i].same(values_)) {
          permute(group.state[i].buf1, src, zeros);
          permute(group.state[i].buf2, src, zeros);
        }
  }
}

void SparseLinear::capture_dense_grad(bool on) {
  capture_->enabled = on;
  if (!on) capture_->grad = Tensor();
}

void SparseLinear::on_moved(Device) {
  // Module::to moved the buffers row_ptr/col_idx too: the pattern stays on the host (rewiring is
  // host work) and kernels elsewhere read its mirror (Pattern::arrays).
  move_in_place(pattern_->row_ptr_tensor(), Device::cpu());
  move_in_place(pattern_->col_tensor(), Device::cpu());
}

void SparseLinear::on_state_loaded() {
  pattern_->validate("SparseLinear (loaded pattern)");
  pattern_->rebuild_csc();
}

}  // namespace joule::nn
