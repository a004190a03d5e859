// A finite-difference gradient check for every differentiable op.
#include <gtest/gtest.h>

#include "gradcheck_util.h"
#include "joule/joule.h"

using namespace joule;

namespace {

using test::expect_gradcheck;
using test::Fn;
using test::input;

// Values in ±[0.2, 1.2]: away from the kink of relu at 0.
Tensor away_from_zero(const Shape& s, uint64_t seed) {
  Generator g(seed);
  Tensor t = Tensor::uniform(s, g, -1.f, 1.f);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = (p[i] < 0 ? -0.2f : 0.2f) + p[i];
  t.set_requires_grad();
  return t;
}

}  // namespace

TEST(Gradcheck, AddSubMulDivSameShape) {
  Tensor a = input({3, 5}, 1), b = input({3, 5}, 2, 0.5f, 2.f);
  expect_gradcheck([](auto& x) { return add(x[0], x[1]); }, {a, b});
  expect_gradcheck([](auto& x) { return sub(x[0], x[1]); }, {a, b});
  expect_gradcheck([](auto& x) { return mul(x[0], x[1]); }, {a, b});
  expect_gradcheck([](auto& x) { return div(x[0], x[1]); }, {a, b});
}

TEST(Gradcheck, BroadcastBiasRow) {
  Tensor a = input({4, 3}, 3), row = input({3}, 4, 0.5f, 2.f), row2 = input({1, 3}, 5, 0.5f, 2.f);
  expect_gradcheck([](auto& x) { return add(x[0], x[1]); }, {a, row});
  expect_gradcheck([](auto& x) { return sub(x[0], x[1]); }, {a, row2});
  expect_gradcheck([](auto& x) { return mul(x[0], x[1]); }, {a, row});
  expect_gradcheck([](auto& x) { return div(x[0], x[1]); }, {a, row2});
}

TEST(Gradcheck, GeneralBroadcast) {
  Tensor col = input({4, 1}, 6), row = input({1, 3}, 7, 0.5f, 2.f), s = input({}, 8, 0.5f, 2.f);
  Tensor cube = input({2, 4, 3}, 9);
  expect_gradcheck([](auto& x) { return mul(x[0], x[1]); }, {col, row});
  expect_gradcheck([](auto& x) { return sub(x[0], x[1]); }, {col, row});
  expect_gradcheck([](auto& x) { return div(x[0], x[1]); }, {cube, s});
  expect_gradcheck([](auto& x) { return add(x[0], x[1]); }, {cube, col});
  expect_gradcheck([](auto& x) { return expand(x[0], {2, 4, 3}); }, {row});
}

TEST(Gradcheck, ScalarArithmeticExpLog) {
  Tensor a = input({2, 7}, 10), p = input({2, 7}, 11, 0.5f, 2.f);
  expect_gradcheck([](auto& x) { return x[0] * 3.f + 1.f; }, {a});
  expect_gradcheck([](auto& x) { return 2.f - x[0] / 4.f; }, {a});
  expect_gradcheck([](auto& x) { return -x[0]; }, {a});
  expect_gradcheck([](auto& x) { return exp(x[0]); }, {a});
  expect_gradcheck([](auto& x) { return log(x[0]); }, {p});
}

TEST(Gradcheck, Matmul) {
  Tensor a = input({3, 4}, 12), b = input({4, 5}, 13), bt = input({5, 4}, 14);
  expect_gradcheck([](auto& x) { return matmul(x[0], x[1]); }, {a, b});
  expect_gradcheck([](auto& x) { return matmul(x[0], x[1].t()); }, {a, bt});
  expect_gradcheck([](auto& x) { return matmul(x[1], x[0].t()); }, {a, bt});
}

TEST(Gradcheck, Linear) {
  Tensor x = input({5, 4}, 15), w = input({3, 4}, 16), b = input({3}, 17);
  expect_gradcheck([](auto& v) { return linear(v[0], v[1], v[2]); }, {x, w, b});
  expect_gradcheck([](auto& v) { return linear(v[0], v[1]); }, {x, w});
  Tensor x3 = input({2, 3, 4}, 18);  // extra leading dimensions
  expect_gradcheck([](auto& v) { return linear(v[0], v[1], v[2]); }, {x3, w, b});
}

TEST(Gradcheck, Reductions) {
  Tensor a = input({3, 4, 5}, 19);
  expect_gradcheck([](auto& x) { return sum(x[0]); }, {a});
  expect_gradcheck([](auto& x) { return mean(x[0]); }, {a});
  for (int64_t d : {0, 1, 2, -1}) {
    expect_gradcheck([d](auto& x) { return sum(x[0], d); }, {a});
    expect_gradcheck([d](auto& x) { return sum(x[0], d, true); }, {a});
    expect_gradcheck([d](auto& x) { return mean(x[0], d); }, {a});
  }
}

TEST(Gradcheck, Activations) {
  Tensor a = away_from_zero({4, 6}, 20);
  expect_gradcheck([](auto& x) { return relu(x[0]); }, {a});
  expect_gradcheck([](auto& x) { return tanh(x[0]); }, {a});
  expect_gradcheck([](auto& x) { return sigmoid(x[0]); }, {a});
  expect_gradcheck([](auto& x) { return gelu(x[0]); }, {a});
}

TEST(Gradcheck, SoftmaxFamily) {
  Tensor a = input({4, 6}, 21, -2.f, 2.f), a3 = input({2, 3, 5}, 22, -2.f, 2.f);
  expect_gradcheck([](auto& x) { return softmax(x[0]); }, {a});
  expect_gradcheck([](auto& x) { return log_softmax(x[0]); }, {a});
  expect_gradcheck([](auto& x) { return log_softmax(x[0], 2); }, {a3});
}

TEST(Gradcheck, Losses) {
  Tensor logits = input({6, 5}, 23, -2.f, 2.f);
  Tensor labels = Tensor::labels({0, 4, 2, 2, 1, 3});
  expect_gradcheck([labels](auto& x) { return cross_entropy(x[0], labels); }, {logits});
  Tensor p = input({3, 4}, 24), t = input({3, 4}, 25);
  expect_gradcheck([](auto& x) { return mse_loss(x[0], x[1]); }, {p, t});
}

TEST(Gradcheck, ViewsAndCopies) {
  Tensor a = input({3, 4}, 26);
  expect_gradcheck([](auto& x) { return x[0].reshape({2, 6}) * 2.f; }, {a});
  expect_gradcheck([](auto& x) { return x[0].view({4, 3}); }, {a});
  expect_gradcheck([](auto& x) { return x[0].flatten(0); }, {a});
  expect_gradcheck([](auto& x) { return x[0].narrow(1, 1, 2); }, {a});
  expect_gradcheck([](auto& x) { return x[0].slice_rows(1, 3); }, {a});
  expect_gradcheck([](auto& x) { return x[0].t(); }, {a});
  expect_gradcheck([](auto& x) { return x[0].t().contiguous(); }, {a});
  expect_gradcheck([](auto& x) { return x[0].clone(); }, {a});
  expect_gradcheck([](auto& x) { return x[0].t().reshape({12}); }, {a});
}

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
