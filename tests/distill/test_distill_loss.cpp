// The distillation loss: its value against hand-computed and directly summed figures, its
// gradient against the closed form (which is where the T^2 factor shows) and against finite
// differences, and its errors.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "gradcheck_util.h"
#include "joule/autograd/node.h"
#include "joule/distill/loss.h"
#include "joule/ops/loss.h"
#include "test_util.h"

using namespace joule;
using distill::DistillLossOptions;

namespace {

std::vector<double> softmax_row(const float* z, int64_t C, double T) {
  double mx = z[0];
  for (int64_t c = 1; c < C; ++c) mx = std::max<double>(mx, z[c]);
  std::vector<double> p(static_cast<size_t>(C));
  double s = 0;
  for (int64_t c = 0; c < C; ++c) s += p[static_cast<size_t>(c)] = std::exp((z[c] - mx) / T);
  for (double& v : p) v /= s;
  return p;
}

// alpha T^2 KL(p || q) + (1 - alpha) CE, batch mean, summed in double.
double loss_by_hand(const Tensor& s, const Tensor& t, const std::vector<int64_t>& y,
                    double T, double alpha) {
  const int64_t B = s.size(0), C = s.size(1);
  double soft = 0, hard = 0;
  for (int64_t b = 0; b < B; ++b) {
    const auto p = softmax_row(t.data<float>() + b * C, C, T);
    const auto q = softmax_row(s.data<float>() + b * C, C, T);
    const auto q1 = softmax_row(s.data<float>() + b * C, C, 1.0);
    for (int64_t c = 0; c < C; ++c) soft += p[c] * std::log(p[c] / q[c]);
    hard -= std::log(q1[static_cast<size_t>(y[static_cast<size_t>(b)])]);
  }
  return (alpha * T * T * soft + (1 - alpha) * hard) / static_cast<double>(B);
}

}  // namespace

// One sample, two classes, T = 2: teacher logits (2 ln 3, 0) soften to p = (3/4, 1/4), student
// logits (0, 0) to q = (1/2, 1/2); label 0.
//   loss = alpha * 4 * (3/4 ln(3/2) + 1/4 ln(1/2)) + (1 - alpha) ln 2
//   dloss/dz_s = alpha * T * (q - p) + (1 - alpha) (softmax(z_s) - onehot)
//              = 0.7 * 2 * (-1/4, 1/4) + 0.3 * (-1/2, 1/2) = (-0.5, 0.5)
TEST(DistillLoss, HandComputedValueAndGradient) {
  Tensor s = Tensor::from_vector(std::vector<float>{0.f, 0.f}, Shape{1, 2}).set_requires_grad();
  Tensor t = Tensor::from_vector(std::vector<float>{static_cast<float>(2 * std::log(3.0)), 0.f}, Shape{1, 2});
  Tensor loss = distill::distillation_loss(s, t, Tensor::labels({0}), {.temperature = 2, .alpha = 0.7});
  const double kl = 0.75 * std::log(1.5) + 0.25 * std::log(0.5);
  EXPECT_NEAR(loss.item(), 0.7 * 4 * kl + 0.3 * std::log(2.0), 1e-6);
  loss.backward();
  const auto g = s.grad().to_vector<float>();
  EXPECT_NEAR(g[0], -0.5, 1e-6);
  EXPECT_NEAR(g[1], 0.5, 1e-6);
}

TEST(DistillLoss, ValueMatchesDirectSumWithTSquared) {
  const std::vector<int64_t> y = {2, 0, 4, 1, 3, 3};
  for (double T : {1.0, 2.5, 8.0})
    for (double alpha : {0.0, 0.3, 0.9, 1.0}) {
      Tensor s = test::input({6, 5}, 11, -3, 3);
      Tensor t = test::input({6, 5}, 12, -5, 5).set_requires_grad(false);
      const float got =
          distill::distillation_loss(s, t, Tensor::labels(y), {.temperature = T, .alpha = alpha})
              .item();
      EXPECT_NEAR(got, loss_by_hand(s, t, y, T, alpha), 1e-5 * (1 + T * T))
          << "T=" << T << " alpha=" << alpha;
    }
  // soft_target_loss alone is the T^2-scaled KL term.
  Tensor s = test::input({6, 5}, 3), t = test::input({6, 5}, 4);
  EXPECT_NEAR(distill::soft_target_loss(s, t, 3.0).item(), loss_by_hand(s, t, y, 3.0, 1.0), 1e-5);
}

// The closed form of the gradient: alpha T (q - p) / B + (1 - alpha) (softmax(z) - onehot) / B.
// Without the T^2 factor the first term would be alpha (q - p) / (T B): 16 times smaller at T = 4.
TEST(DistillLoss, GradientIsClosedFormWithTSquared) {
  const int64_t B = 4, C = 3;
  const std::vector<int64_t> y = {0, 2, 1, 2};
  for (double T : {1.0, 4.0, 10.0}) {
    const double alpha = 0.8;
    Tensor s = test::input({B, C}, 21, -2, 2);
    Tensor t = test::input({B, C}, 22, -4, 4).set_requires_grad(false);
    distill::distillation_loss(s, t, Tensor::labels(y), {.temperature = T, .alpha = alpha})
        .backward();
    const auto g = s.grad().to_vector<float>();
    for (int64_t b = 0; b < B; ++b) {
      const auto p = softmax_row(t.data<float>() + b * C, C, T);
      const auto q = softmax_row(s.data<float>() + b * C, C, T);
      const auto q1 = softmax_row(s.data<float>() + b * C, C, 1.0);
      for (int64_t c = 0; c < C; ++c) {
        const double onehot = y[static_cast<size_t>(b)] == c ? 1 : 0;
        const double want = (alpha * T * (q[c] - p[c]) + (1 - alpha) * (q1[c] - onehot)) / B;
        EXPECT_NEAR(g[static_cast<size_t>(b * C + c)], want, 1e-6) << "T=" << T;
      }
    }
  }
}

TEST(DistillLoss, GradcheckStudentAndTeacher) {
  const Tensor y = Tensor::labels({1, 0, 3});
  for (double T : {1.0, 3.0})
    for (double alpha : {0.5, 1.0})
      test::expect_gradcheck(
          [&](const std::vector<Tensor>& in) {
            return distill::distillation_loss(in[0], in[1], y, {.temperature = T, .alpha = alpha});
          },
          {test::input({3, 4}, 31, -2, 2), test::input({3, 4}, 32, -2, 2)});
}

// The fused kernel (teacher constant) against the composed reference: values and gradients.
TEST(DistillLoss, FusedMatchesComposedReference) {
  const Tensor y = Tensor::labels({3, 0, 2, 2, 1, 4, 0});
  for (double T : {1.0, 2.5, 8.0})
    for (double alpha : {0.25, 0.9, 1.0}) {
      const DistillLossOptions o{.temperature = T, .alpha = alpha};
      Tensor t = test::input({7, 5}, 51, -6, 6).set_requires_grad(false);
      Tensor s1 = test::input({7, 5}, 52, -3, 3), s2 = test::input({7, 5}, 52, -3, 3);
      Tensor fused = distill::distillation_loss(s1, t, y, o);
      Tensor ref = distill::reference_distillation_loss(s2, t, y, o);
      ASSERT_NE(fused.grad_fn(), nullptr);
      EXPECT_EQ(fused.grad_fn()->name, "distillation_loss");  // the fused path ran
      EXPECT_NEAR(fused.item(), ref.item(), 1e-5 * (1 + std::abs(ref.item()))) << "T=" << T;
      fused.backward();
      ref.backward();
      const auto g1 = s1.grad().to_vector<float>(), g2 = s2.grad().to_vector<float>();
      for (size_t k = 0; k < g1.size(); ++k)
        EXPECT_NEAR(g1[k], g2[k], 1e-6) << "T=" << T << " alpha=" << alpha << " at " << k;
    }
}

TEST(DistillLoss, GradcheckFusedWithConstantTeacher) {
  const Tensor y = Tensor::labels({2, 0, 1});
  Tensor t = test::input({3, 4}, 61, -3, 3).set_requires_grad(false);
  for (double T : {1.0, 4.0})
    test::expect_gradcheck(
        [&](const std::vector<Tensor>& in) {
          return distill::distillation_loss(in[0], t, y, {.temperature = T, .alpha = 0.7});
        },
        {test::input({3, 4}, 62, -2, 2)});
}

TEST(DistillLoss, IdenticalLogitsLeaveOnlyTheHardTerm) {
  Tensor s = test::input({5, 7}, 41, -3, 3);
  Tensor t = s.detach().clone();
  const Tensor y = Tensor::labels({0, 1, 2, 3, 4});
  EXPECT_NEAR(distill::soft_target_loss(s, t, 4.0).item(), 0.0, 1e-6);
  EXPECT_NEAR(distill::distillation_loss(s, t, y, {.temperature = 4, .alpha = 0.6}).item(),
              0.4 * cross_entropy(s, y).item(), 1e-6);
}

TEST(DistillLoss, LargeLogitsStayFinite) {
  Tensor s = Tensor::from_vector(std::vector<float>{900.f, -900.f, 0.f, 0.f, 1000.f, -1000.f}, Shape{2, 3}).set_requires_grad();
  Tensor t = Tensor::from_vector(std::vector<float>{-1000.f, 1000.f, 0.f, 1000.f, 0.f, -1000.f}, Shape{2, 3});
  Tensor loss = distill::distillation_loss(s, t, Tensor::labels({0, 1}), {.temperature = 1, .alpha = 0.5});
  EXPECT_TRUE(std::isfinite(loss.item()));
  loss.backward();
  for (float v : s.grad().to_vector<float>()) EXPECT_TRUE(std::isfinite(v));
}

TEST(DistillLoss, BadInputsNameTheProblem) {
  Tensor s = test::input({2, 3}, 1), t = test::input({2, 3}, 2);
  const Tensor y = Tensor::labels({0, 1});
  test::expect_has(test::error_of([&] { distill::distillation_loss(s, t, y, {.temperature = 0}); }),
                   "temperature must be positive and finite, got 0");
  test::expect_has(test::error_of([&] { distill::distillation_loss(s, t, y, {.alpha = 1.5}); }),
                   "alpha must lie in [0, 1], got 1.5");
  test::expect_has(test::error_of([&] {
                     distill::distillation_loss(s, test::input({2, 4}, 3), y, {});
                   }),
                   "teacher logits [2, 4] and student logits [2, 3] differ in shape");
  test::expect_has(test::error_of([&] { distill::distillation_loss(s, t, Tensor(), {.alpha = 0.5}); }),
                   "labels are needed when alpha < 1");
  Tensor tc = t.detach();  // the fused path checks the labels itself
  test::expect_has(test::error_of([&] {
                     distill::distillation_loss(s, tc, Tensor::labels({0, 3}), {.alpha = 0.5});
                   }),
                   "label 3 at index 1 is out of range for 3 classes");
  test::expect_has(test::error_of([&] {
                     distill::distillation_loss(s, tc, Tensor::labels({0}), {.alpha = 0.5});
                   }),
                   "labels must be a 1-D int64 tensor of 2 entries");
  test::expect_has(test::error_of([&] { distill::soft_target_loss(test::input({6}, 4), test::input({6}, 5), 2); }),
                   "must be a non-empty (batch, classes) tensor, got [6]");
}
