#include <gtest/gtest.h>

#include <cmath>

#include "gradcheck_util.h"
#include "joule/io/checkpoint.h"
#include "joule/ops/linalg.h"
#include "joule/ops/loss.h"
#include "joule/ops/reduce.h"
#include "joule/optim/adam.h"
#include "joule/optim/sgd.h"
#include "joule/prune/mask.h"
#include "joule/sparse/sparse_linear.h"
#include "test_util.h"

namespace joule::nn {
namespace {

void expect_close(const Tensor& a, const Tensor& b, float tol) {
  ASSERT_EQ(a.shape(), b.shape());
  const std::vector<float> x = a.contiguous().to_vector<float>(), y = b.contiguous().to_vector<float>();
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(x[i], y[i], tol) << "at " << i;
}

// The dense gradient at the stored positions, in CSR order.
Tensor gather(const Tensor& dense, const sparse::Pattern& p) {
  std::vector<float> out;
  const float* d = dense.contiguous().data<float>();
  const std::vector<int64_t> rows = p.entry_rows();
  for (int64_t k = 0; k < p.nnz(); ++k)
    out.push_back(d[rows[static_cast<size_t>(k)] * p.cols() + p.col()[k]]);
  return Tensor::from_vector(out, Shape{p.nnz()});
}

TEST(SparseLinear, StoresOnlyTheNonzerosAtTheRequestedDensity) {
  Generator gen(1);
  SparseLinear layer({.in = 300, .out = 200, .density = 0.05}, gen);
  EXPECT_EQ(layer.nnz(), 3000);
  EXPECT_EQ(layer.values().numel(), 3000);
  int64_t stored = 0;
  for (const auto& [name, t] : layer.state()) stored += t.numel();
  // values + bias + row_ptr + col_idx: linear in nnz, far from 300*200
  EXPECT_EQ(stored, 3000 + 200 + 201 + 3000);
}

TEST(SparseLinear, ForwardAndGradientsEqualTheDenseMaskedLayer) {
  Generator gen(2);
  SparseLinear layer({.in = 37, .out = 23, .density = 0.3}, gen);
  Tensor x = test::input(Shape{9, 37}, 7);
  Tensor y = layer(x);
  Tensor w = layer.dense_weight().set_requires_grad();
  Tensor xd = x.detach().clone().set_requires_grad();
  Tensor yd = linear(xd, w, layer.bias().detach());
  expect_close(y, yd, 1e-5f);

  Tensor target = Tensor::uniform(Shape{9, 23}, gen);
  mse_loss(y, target).backward();
  mse_loss(yd, target).backward();
  expect_close(x.grad(), xd.grad(), 1e-5f);
  expect_close(layer.values().grad(), gather(w.grad(), layer.pattern()), 1e-5f);
  Tensor gb = layer.bias().grad();
  ASSERT_TRUE(gb.defined());
}

// Its finite-difference checks are rows of the op table (tests/ops_table/op_table_nn.cpp).

TEST(SparseLinear, CapturesTheDenseGradientOnlyWhenAsked) {
  Generator gen(6);
  SparseLinear layer({.in = 12, .out = 8, .density = 0.25}, gen);
  Tensor x = test::input(Shape{5, 12}, 9);
  sum(layer(x)).backward();
  EXPECT_FALSE(layer.dense_grad().defined());
  layer.capture_dense_grad(true);
  layer.zero_grad();
  sum(layer(x)).backward();
  Tensor expected = matmul(Tensor::ones(Shape{5, 8}).t(), x.detach());
  expect_close(layer.dense_grad(), expected, 1e-5f);
  expect_close(layer.values().grad(), gather(expected, layer.pattern()), 1e-5f);
  layer.capture_dense_grad(false);
  EXPECT_FALSE(layer.dense_grad().defined());
}

TEST(SparseLinear, RewireKeepsNnzSurvivorsAndTheirOptimizerState) {
  Generator gen(8);
  SparseLinear layer({.in = 10, .out = 6, .density = 0.4}, gen);
  optim::Adam opt(layer.parameters(), {.lr = 0.01});
  Tensor x = test::input(Shape{4, 10}, 3);
  sum(layer(x)).backward();
  opt.step();
  const Tensor before = layer.dense_weight();
  const Tensor m_before = opt.param_groups()[0].state[0].buf1.clone();
  const sparse::Pattern& p = layer.pattern();
  const int64_t nnz = layer.nnz();
  // drop the first two stored entries, grow two free positions
  std::vector<sparse::Coord> free;
  for (int64_t r = 0; r < 6 && free.size() < 2; ++r)
    for (int64_t c = 0; c < 10 && free.size() < 2; ++c)
      if (p.find(r, c) < 0) free.push_back({r, c});
  const std::vector<int64_t> rows = p.entry_rows();
  const sparse::Coord d0{rows[0], p.col()[0]}, d1{rows[1], p.col()[1]};
  const sparse::Coord survivor{rows[5], p.col()[5]};
  const float m_survivor = m_before.to_vector<float>()[5];
  layer.rewire({.drop = {0, 1}, .grow = free, .grow_values = {0.f, 0.5f}}, &opt);

  EXPECT_EQ(layer.nnz(), nnz);
  const Tensor after = layer.dense_weight();
  const float* a = after.data<float>();
  const float* bf = before.data<float>();
  EXPECT_EQ(a[d0.row * 10 + d0.col], 0.f);
  EXPECT_EQ(a[d1.row * 10 + d1.col], 0.f);
  EXPECT_EQ(a[free[0].row * 10 + free[0].col], 0.f);
  EXPECT_EQ(a[free[1].row * 10 + free[1].col], 0.5f);
  EXPECT_EQ(a[survivor.row * 10 + survivor.col], bf[survivor.row * 10 + survivor.col]);
  const Tensor m = opt.param_groups()[0].state[0].buf1;
  EXPECT_EQ(m.to_vector<float>()[static_cast<size_t>(p.find(survivor.row, survivor.col))],
            m_survivor);
  EXPECT_EQ(m.to_vector<float>()[static_cast<size_t>(p.find(free[0].row, free[0].col))], 0.f);
  EXPECT_EQ(m.to_vector<float>()[static_cast<size_t>(p.find(free[1].row, free[1].col))], 0.f);
  // still trains after the rewiring: forward equals the dense twin
  expect_close(layer(x), linear(x.detach(), after, layer.bias().detach()), 1e-5f);
  using test::error_of;
  using test::expect_has;
  expect_has(error_of([&] { layer.rewire({.drop = {0}, .grow = {}, .grow_values = {}}, nullptr); }),
             "drops 1 and grows 0");
  const sparse::Coord stored{p.entry_rows()[3], p.col()[3]};
  expect_has(error_of([&] {
               layer.rewire({.drop = {0}, .grow = {stored}, .grow_values = {1.f}}, nullptr);
             }),
             "already stored");
}

TEST(SparseLinear, ConvertsFromAPrunedDenseLayerAndBack) {
  Generator gen(10);
  Linear dense(8, 5, gen);
  Tensor mask = Tensor::zeros(Shape{5, 8});
  for (int64_t i = 0; i < 40; i += 3) mask.data<float>()[i] = 1.f;
  prune::register_mask(dense, "weight").copy_(mask);
  auto sparse = SparseLinear::from_dense(dense, prune::mask_of(dense, "weight"));
  EXPECT_EQ(sparse->nnz(), 14);
  Tensor x = test::input(Shape{3, 8}, 4);
  Tensor masked_w = dense.weight().detach().clone();
  for (int64_t i = 0; i < 40; ++i)
    if (mask.data<float>()[i] == 0.f) masked_w.data<float>()[i] = 0.f;
  expect_close((*sparse)(x), linear(x.detach(), masked_w, dense.bias().detach()), 1e-5f);
  auto back = sparse->to_dense();
  expect_close(back->weight(), masked_w, 0.f);
  expect_close((*back)(x), (*sparse)(x), 1e-5f);
}

TEST(SparseLinear, CheckpointRoundTripRestoresThePatternAndItsCscView) {
  test::TempDir dir("joule_sparse_ckpt");
  Generator g1(11), g2(12);
  SparseLinear a({.in = 20, .out = 10, .density = 0.2}, g1);
  SparseLinear b({.in = 20, .out = 10, .density = 0.2}, g2);
  io::save_checkpoint(dir.file("a.h5"), a, nullptr, {});
  io::load_checkpoint(dir.file("a.h5"), b, nullptr, nullptr);
  Tensor xa = test::input(Shape{3, 20}, 4), xb = test::input(Shape{3, 20}, 4);
  expect_close(b(xb), a(xa), 0.f);
  sum(a(xa)).backward();
  sum(b(xb)).backward();
  expect_close(b.values().grad(), a.values().grad(), 0.f);
  expect_close(xb.grad(), xa.grad(), 0.f);  // the input gradient reads the CSC view
}

TEST(SparseLinear, BadInputIsNamed) {
  Generator gen(1);
  SparseLinear layer({.in = 4, .out = 3, .density = 0.5}, gen);
  test::expect_has(test::error_of([&] { layer(Tensor::zeros(Shape{2, 5})); }),
                   "has 5 features, the 3x4 weight expects 4");
  test::expect_has(test::error_of([&] { SparseLinear bad({.in = 4, .out = 3, .density = 1.5}, gen); }),
                   "density must be in (0, 1], got 1.5");
}

}  // namespace
}  // namespace joule::nn
