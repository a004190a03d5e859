// Finite-difference checks that the op table (tests/ops_table/) does not make: a composed graph,
// and the checker itself failing on wrong gradients. Every op's own gradcheck is a row there.
#include <gtest/gtest.h>

#include "gradcheck_util.h"
#include "joule/joule.h"

using namespace joule;

using test::expect_gradcheck;
using test::input;

TEST(Gradcheck, ComposedMlpLoss) {
  // A whole MLP step's graph: linear -> gelu -> linear -> cross_entropy.
  Tensor x = input({4, 5}, 27), w1 = input({6, 5}, 28), b1 = input({6}, 29), w2 = input({3, 6}, 30);
  Tensor y = Tensor::labels({0, 2, 1, 2});
  expect_gradcheck(
      [y](auto& v) { return cross_entropy(linear(gelu(linear(v[0], v[1], v[2])), v[3]), y); },
      {x, w1, b1, w2});
}

TEST(Gradcheck, DetectsAWrongGradient) {
  // The checker itself must fail on a deliberately wrong backward.
  Tensor a = input({3}, 31);
  auto wrong = [](const std::vector<Tensor>& x) {
    Tensor out = x[0].detach() * 2.f;
    return record("wrong", out, {x[0]}, [](const Tensor& g, const Needs&) { return grads{g * 3.f}; });
  };
  EXPECT_FALSE(gradcheck(wrong, {a}).ok);
}


TEST(Gradcheck, DetectsAFivePercentError) {
  // The float32 defaults (eps 1e-2, atol 1e-2, rtol 1e-2) are tight enough to catch a backward
  // 5% off: err 0.1 |r| against 0.01 + 0.02 |r| for projection weights |r| > 0.125.
  Tensor a = input({16}, 32);
  auto off = [](const std::vector<Tensor>& x) {
    Tensor out = x[0].detach() * 2.f;
    return record("off", out, {x[0]},
                  [](const Tensor& g, const Needs&) { return grads{g * 2.1f}; });
  };
  EXPECT_FALSE(gradcheck(off, {a}).ok);
  auto exact = [](const std::vector<Tensor>& x) { return x[0] * 2.f; };
  EXPECT_TRUE(gradcheck(exact, {a}).ok);
}
