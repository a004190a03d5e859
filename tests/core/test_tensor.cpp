#include <gtest/gtest.h>

#include "joule/joule.h"
#include "test_util.h"

using namespace joule;
using joule::test::error_of;
using joule::test::expect_has;

TEST(Tensor, CreationAndMetadata) {
  Tensor z = Tensor::zeros({2, 3});
  EXPECT_EQ(z.shape(), (Shape{2, 3}));
  EXPECT_EQ(z.numel(), 6);
  EXPECT_EQ(z.dim(), 2);
  EXPECT_EQ(z.size(-1), 3);
  EXPECT_TRUE(z.is_contiguous());
  EXPECT_EQ(z.device(), Device::cpu());
  EXPECT_EQ(z.to_vector<float>(), std::vector<float>(6, 0.f));
  EXPECT_EQ(Tensor::ones({4}).to_vector<float>(), std::vector<float>(4, 1.f));
  EXPECT_EQ(Tensor::full({2}, 2.5f).to_vector<float>(), (std::vector<float>{2.5f, 2.5f}));
  EXPECT_FLOAT_EQ(Tensor::scalar(3.f).item(), 3.f);
  Tensor l = Tensor::labels({3, 1, 2});
  EXPECT_EQ(l.dtype(), DType::Int64);
  EXPECT_EQ(l.to_vector<int64_t>(), (std::vector<int64_t>{3, 1, 2}));
  EXPECT_EQ(Tensor::arange(4).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3}));
}

TEST(Tensor, BadInputsNameTheProblem) {
  expect_has(error_of([] { Tensor::from_vector(std::vector<float>{1, 2, 3}, {2, 2}); }),
             "3 values cannot fill shape [2, 2]");
  expect_has(error_of([] { Tensor::labels({1}).data<float>(); }), "int64");
  expect_has(error_of([] { Tensor::zeros({2, 3}).item(); }), "one-element");
  expect_has(error_of([] { Tensor::zeros({6}).view({4, -1}); }), "does not fit 6 elements");
  expect_has(error_of([] { Tensor::zeros({2}).size(3); }), "out of range");
  expect_has(error_of([] { Tensor::labels({1}).set_requires_grad(); }), "float32");
}

TEST(Tensor, GeneratorIsSeededAndReproducible) {
  Generator a(42), b(42), c(43);
  Tensor x = Tensor::randn({1000}, a), y = Tensor::randn({1000}, b), z = Tensor::randn({1000}, c);
  EXPECT_EQ(x.to_vector<float>(), y.to_vector<float>());
  EXPECT_NE(x.to_vector<float>(), z.to_vector<float>());
  double m = 0, v = 0;
  for (float f : x.to_vector<float>()) m += f;
  m /= 1000;
  for (float f : x.to_vector<float>()) v += (f - m) * (f - m);
  EXPECT_NEAR(m, 0.0, 0.1);
  EXPECT_NEAR(v / 1000, 1.0, 0.15);
  Tensor u = Tensor::uniform({1000}, a, -2.f, 3.f);
  for (float f : u.to_vector<float>()) {
    EXPECT_GE(f, -2.f);
    EXPECT_LT(f, 3.f);
  }
  // Saving and restoring the state continues the same sequence.
  Generator g(7);
  g.next_u64();
  auto st = g.state();
  const uint64_t next = g.next_u64();
  Generator h(0);
  h.set_state(st);
  EXPECT_EQ(h.next_u64(), next);
  for (int i = 0; i < 100; ++i) EXPECT_LT(g.below(7), 7u);
}

TEST(Tensor, ViewsShareStorage) {
  Tensor a = Tensor::from_vector(std::vector<float>{0, 1, 2, 3, 4, 5}, {2, 3});
  Tensor r = a.reshape({3, 2});
  EXPECT_EQ(r.raw_data(), a.raw_data());
  Tensor row = a.slice_rows(1, 2);
  EXPECT_EQ(row.to_vector<float>(), (std::vector<float>{3, 4, 5}));
  EXPECT_TRUE(row.is_contiguous());
  Tensor t = a.t();
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(t.contiguous().to_vector<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  Tensor col = a.narrow(1, 1, 2);
  EXPECT_EQ(col.to_vector<float>(), (std::vector<float>{1, 2, 4, 5}));
  col.fill_(9.f);  // writes through the view
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{0, 9, 9, 3, 9, 9}));
  Tensor c = a.clone();
  c.fill_(0.f);
  EXPECT_EQ(a.to_vector<float>()[0], 0.f);
  EXPECT_EQ(a.to_vector<float>()[1], 9.f);
  EXPECT_EQ(a.flatten(0).shape(), (Shape{6}));
  EXPECT_EQ(Tensor::zeros({2, 3, 4}).flatten().shape(), (Shape{2, 12}));
}

TEST(Tensor, CopyIntoTransposedView) {
  Tensor a = Tensor::zeros({2, 3});
  a.t().copy_(Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {3, 2}));
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{1, 3, 5, 2, 4, 6}));
}

TEST(Tensor, OtherDevicesFailClearly) {
  expect_has(error_of([] { Tensor::zeros({2}, DType::Float32, Device::cuda()); }), "CUDA");
}
