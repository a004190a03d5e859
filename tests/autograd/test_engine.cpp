#include <gtest/gtest.h>

#include <cmath>

#include "joule/joule.h"
#include "test_util.h"

using namespace joule;
using joule::test::error_of;
using joule::test::expect_has;

TEST(Autograd, ScalarBackwardAndAccumulation) {
  Tensor w = Tensor::from_vector(std::vector<float>{1, 2, 3}, {3}).set_requires_grad();
  Tensor y = sum(w * w);  // dy/dw = 2w
  y.backward();
  EXPECT_EQ(w.grad().to_vector<float>(), (std::vector<float>{2, 4, 6}));
  sum(w * 3.f).backward();  // accumulates: 2w + 3
  EXPECT_EQ(w.grad().to_vector<float>(), (std::vector<float>{5, 7, 9}));
  w.set_grad(Tensor());
  sum(w).backward();
  EXPECT_EQ(w.grad().to_vector<float>(), (std::vector<float>{1, 1, 1}));
}

TEST(Autograd, SharedGradientsAreNotAliased) {
  // add's backward hands the same gradient to both inputs; accumulating into one must not
  // change the other.
  Tensor a = Tensor::ones({2}).set_requires_grad(), b = Tensor::ones({2}).set_requires_grad();
  sum(a + b).backward();
  sum(a * 5.f).backward();
  EXPECT_EQ(a.grad().to_vector<float>(), (std::vector<float>{6, 6}));
  EXPECT_EQ(b.grad().to_vector<float>(), (std::vector<float>{1, 1}));
}

TEST(Autograd, DiamondGraphSumsBothPaths) {
  Tensor x = Tensor::from_vector(std::vector<float>{2}, {1}).set_requires_grad();
  Tensor h = x * 3.f;
  Tensor y = sum(h * h + h);  // y = 9x^2 + 3x, dy/dx = 18x + 3
  y.backward();
  EXPECT_FLOAT_EQ(x.grad().item(), 39.f);
}

TEST(Autograd, NoGradAndDetach) {
  Tensor w = Tensor::ones({2}).set_requires_grad();
  {
    NoGradGuard ng;
    Tensor y = w * 2.f;
    EXPECT_FALSE(y.requires_grad());
  }
  EXPECT_TRUE(grad_enabled());
  Tensor d = (w * 2.f).detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.is_leaf());
  Tensor c = Tensor::ones({2});
  EXPECT_FALSE((c * 2.f).requires_grad());  // no input needs grad: no graph
}

TEST(Autograd, GraphIsFreedAfterBackward) {
  Tensor w = Tensor::ones({2}).set_requires_grad();
  Tensor y = sum(w * w);
  y.backward();
  try {
    y.backward();
    FAIL() << "second backward through a freed graph must throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("retain_graph"), std::string::npos) << e.what();
  }
  Tensor z = sum(w * w);
  z.backward(Tensor(), /*retain_graph=*/true);
  z.backward();
  EXPECT_EQ(w.grad().to_vector<float>(), (std::vector<float>{6, 6}));  // 2 + 2 + 2
}

TEST(Autograd, SkipsGradientsNobodyNeeds) {
  // The input of the first layer needs no gradient: linear must not compute one.
  Tensor x = Tensor::ones({2, 3});
  Tensor w = Tensor::ones({4, 3}).set_requires_grad();
  sum(linear(x, w)).backward();
  EXPECT_FALSE(x.grad().defined());
  EXPECT_EQ(w.grad().to_vector<float>(), std::vector<float>(12, 2.f));
}

TEST(Autograd, BackwardErrorsAreClear) {
  Tensor c = Tensor::ones({2});
  EXPECT_THROW(c.backward(), Error);
  Tensor w = Tensor::ones({2}).set_requires_grad();
  try {
    (w * 2.f).backward();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("one-element"), std::string::npos) << e.what();
  }
  (w * 2.f).backward(Tensor::ones({2}));
  EXPECT_EQ(w.grad().to_vector<float>(), (std::vector<float>{2, 2}));
}

TEST(Ops, ShapeErrorsNameShapes) {
  expect_has(error_of([] { matmul(Tensor::zeros({2, 3}), Tensor::zeros({4, 5})); }),
             "inner sizes differ: a is [2, 3], b is [4, 5]");
  expect_has(error_of([] { add(Tensor::zeros({2, 3}), Tensor::zeros({4})); }),
             "cannot be broadcast");
  expect_has(error_of([] { cross_entropy(Tensor::zeros({2, 3}), Tensor::labels({0, 3})); }),
             "label 3 at index 1 is out of range for 3 classes");
  expect_has(error_of([] { linear(Tensor::zeros({2, 5}), Tensor::zeros({3, 4})); }), "5 features");
  expect_has(error_of([] { mse_loss(Tensor::zeros({2}), Tensor::zeros({3})); }), "differ in shape");
}

TEST(Ops, ForwardValues) {
  Tensor a = Tensor::from_vector(std::vector<float>{1, 2, 3, 4}, {2, 2});
  EXPECT_EQ(matmul(a, a).to_vector<float>(), (std::vector<float>{7, 10, 15, 22}));
  EXPECT_EQ(matmul(a.t(), a).to_vector<float>(), (std::vector<float>{10, 14, 14, 20}));
  EXPECT_EQ(add(a, Tensor::from_vector(std::vector<float>{10, 20}, {2})).to_vector<float>(),
            (std::vector<float>{11, 22, 13, 24}));
  EXPECT_EQ(sum(a, 0).to_vector<float>(), (std::vector<float>{4, 6}));
  EXPECT_EQ(sum(a, 1).to_vector<float>(), (std::vector<float>{3, 7}));
  EXPECT_FLOAT_EQ(mean(a).item(), 2.5f);
  EXPECT_EQ(argmax(a).to_vector<int64_t>(), (std::vector<int64_t>{1, 1}));
  Tensor w = Tensor::from_vector(std::vector<float>{1, 0, 0, 1, 1, 1}, {3, 2});
  Tensor b = Tensor::from_vector(std::vector<float>{0.5f, 0, -1}, {3});
  EXPECT_EQ(linear(a, w, b).to_vector<float>(), (std::vector<float>{1.5f, 2, 2, 3.5f, 4, 6}));
  // Cross-entropy of uniform logits is log(C).
  EXPECT_NEAR(cross_entropy(Tensor::zeros({3, 10}), Tensor::labels({1, 2, 3})).item(),
              std::log(10.f), 1e-6);
  // Large logits stay finite.
  Tensor big = Tensor::from_vector(std::vector<float>{1000, -1000, 0, 0}, {2, 2});
  EXPECT_NEAR(cross_entropy(big, Tensor::labels({0, 1})).item(), std::log(2.f) / 2, 1e-6);
  EXPECT_NEAR(gelu(Tensor::scalar(1.f)).item(), 0.8413447f, 1e-6);
}
