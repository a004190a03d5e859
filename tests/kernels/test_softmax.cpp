// kernels::cpu softmax family and losses against kernels::ref: softmax and log_softmax forward
// and backward, fused cross-entropy forward (loss and probs) and backward, MSE forward and
// backward; with large-magnitude logits for numerical stability.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/cpu/softmax.h"
#include "kernels/reference/softmax.h"

namespace {

namespace cpu = joule::kernels::cpu;
namespace ref = joule::kernels::ref;
using joule::kernels::test::all_close;
using joule::kernels::test::all_finite;
using joule::kernels::test::kSizes;
using joule::kernels::test::normal;
using joule::kernels::test::Tol;
using joule::kernels::test::uniform;

// Probabilities and gradients: exp in float against double, abs 1e-6 + rel 1e-5.
constexpr Tol kTol{1e-6, 1e-5};

struct MN {
  int64_t M, N;
};
// M * N crosses kParallelMin (32768) for the last two.
const std::vector<MN> kShapes = {{1, 1}, {3, 7}, {33, 17}, {7, 1000}, {1001, 41}, {33, 1025}};
// Rows as wide as a language model's vocabulary.
const std::vector<MN> kWideShapes = {{2, 40001}, {3, 50257}};

// N(0, 3^2) logits, and for the stability checks rows mixing +-80 and +-100 (exp(100) overflows
// float; a softmax without the max shift returns inf or NaN).
std::vector<float> logits(int64_t M, int64_t N, uint32_t seed, bool large) {
  std::vector<float> x = normal(M * N, seed, 0.f, 3.f);
  if (!large) return x;
  const float big[] = {80.f, -80.f, 100.f, -100.f};
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> pick(0, 3);
  for (float& v : x) v = big[pick(gen)] + 0.5f * v;
  if (M > 1) std::fill(x.begin() + N, x.begin() + 2 * N, 80.f);  // a row all equal to 80
  return x;
}

// log_softmax returns x - lse: the subtraction keeps float ulps of |x| (7.6e-6 at 100) even
// where the result is near 0, so the absolute part scales with the largest |x|.
Tol log_tol(const std::vector<float>& x) {
  float mx = 0.f;
  for (float v : x) mx = std::max(mx, std::abs(v));
  return {1e-6 * (1.0 + mx), 1e-5};
}

// Every row of p sums to 1 within 1e-5.
::testing::AssertionResult rows_sum_to_one(const std::vector<float>& p, int64_t M, int64_t N) {
  for (int64_t i = 0; i < M; ++i) {
    double s = 0;
    for (int64_t j = 0; j < N; ++j) s += p[static_cast<size_t>(i * N + j)];
    if (std::abs(s - 1.0) > 1e-5)
      return ::testing::AssertionFailure() << "row " << i << " sums to " << s;
  }
  return ::testing::AssertionSuccess();
}

// The backward kernels reduce each row in float (a dot or a sum) and then subtract, so an
// element is held to rel 1e-5 of the magnitude of the terms it is made of, not of the result
// (which may cancel to near 0), plus abs 1e-6:
//   softmax:     dx_j = p_j (dy_j - sum_k dy_k p_k)  ->  p_j (|dy_j| + sum_k |dy_k p_k|)
//   log_softmax: dx_j = dy_j - p_j sum_k dy_k        ->  |dy_j| + p_j sum_k |dy_k|
std::vector<double> backward_bound(const std::vector<float>& dy, const std::vector<float>& p,
                                   int64_t M, int64_t N, bool log) {
  std::vector<double> bound(dy.size());
  for (int64_t i = 0; i < M; ++i) {
    double row = 0;
    for (int64_t j = 0; j < N; ++j) {
      const size_t k = static_cast<size_t>(i * N + j);
      row += std::abs(dy[k]) * (log ? 1.0 : p[k]);
    }
    for (int64_t j = 0; j < N; ++j) {
      const size_t k = static_cast<size_t>(i * N + j);
      const double terms = log ? std::abs(dy[k]) + p[k] * row : p[k] * (std::abs(dy[k]) + row);
      bound[k] = 1e-6 + 1e-5 * terms;
    }
  }
  return bound;
}

::testing::AssertionResult within(const std::vector<float>& got, const std::vector<float>& want,
                                  const std::vector<double>& bound) {
  return joule::kernels::test::all_within(got.data(), want.data(),
                                          static_cast<int64_t>(got.size()),
                                          [&](int64_t i) { return bound[static_cast<size_t>(i)]; });
}

std::vector<int64_t> labels(int64_t M, int64_t N, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int64_t> pick(0, N - 1);
  std::vector<int64_t> l(static_cast<size_t>(M));
  for (int64_t& v : l) v = pick(gen);
  return l;
}

std::string describe(const MN& s, bool large) {
  return "M=" + std::to_string(s.M) + " N=" + std::to_string(s.N) +
         (large ? " logits +-80/+-100" : " logits N(0, 9)");
}

void check_softmax(const MN& s, bool large) {
  SCOPED_TRACE("softmax " + describe(s, large));
  const size_t n = static_cast<size_t>(s.M * s.N);
  const std::vector<float> x = logits(s.M, s.N, 1, large);
  std::vector<float> y_fast(n, -1.f), y_ref(n);
  cpu::softmax_forward(y_fast.data(), x.data(), s.M, s.N);
  ref::softmax_forward(y_ref.data(), x.data(), s.M, s.N);
  EXPECT_TRUE(all_finite(y_fast));
  EXPECT_TRUE(all_close(y_fast, y_ref, kTol)) << "forward";
  EXPECT_TRUE(rows_sum_to_one(y_fast, s.M, s.N));

  const std::vector<float> dy = uniform(s.M * s.N, 2);
  std::vector<float> dx_fast(n, -1.f), dx_ref(n);
  cpu::softmax_backward(dx_fast.data(), dy.data(), y_ref.data(), s.M, s.N);
  ref::softmax_backward(dx_ref.data(), dy.data(), y_ref.data(), s.M, s.N);
  EXPECT_TRUE(all_finite(dx_fast));
  EXPECT_TRUE(within(dx_fast, dx_ref, backward_bound(dy, y_ref, s.M, s.N, false))) << "backward";
}

void check_log_softmax(const MN& s, bool large) {
  SCOPED_TRACE("log_softmax " + describe(s, large));
  const size_t n = static_cast<size_t>(s.M * s.N);
  const std::vector<float> x = logits(s.M, s.N, 3, large);
  std::vector<float> y_fast(n, 1.f), y_ref(n);
  cpu::log_softmax_forward(y_fast.data(), x.data(), s.M, s.N);
  ref::log_softmax_forward(y_ref.data(), x.data(), s.M, s.N);
  EXPECT_TRUE(all_finite(y_fast));
  EXPECT_TRUE(all_close(y_fast, y_ref, log_tol(x))) << "forward";
  std::vector<float> p(n);
  for (size_t i = 0; i < n; ++i) p[i] = std::exp(y_fast[i]);
  EXPECT_TRUE(rows_sum_to_one(p, s.M, s.N)) << "exp(log_softmax)";

  const std::vector<float> dy = uniform(s.M * s.N, 4);
  std::vector<float> dx_fast(n, -1.f), dx_ref(n);
  cpu::log_softmax_backward(dx_fast.data(), dy.data(), y_ref.data(), s.M, s.N);
  ref::log_softmax_backward(dx_ref.data(), dy.data(), y_ref.data(), s.M, s.N);
  EXPECT_TRUE(all_finite(dx_fast));
  std::vector<float> p_ref(n);
  for (size_t i = 0; i < n; ++i) p_ref[i] = std::exp(y_ref[i]);
  EXPECT_TRUE(within(dx_fast, dx_ref, backward_bound(dy, p_ref, s.M, s.N, true))) << "backward";
}

// The loss kernels write the loss (and the first bad label's row) to pointers; these read them
// back, expecting every label valid.
template <class F>
float ce_loss(F forward, float* probs, const float* x, const int64_t* y, int64_t M, int64_t N) {
  float loss = -1.f;
  int64_t first_bad = -1;
  forward(&loss, &first_bad, probs, x, y, M, N);
  EXPECT_EQ(first_bad, M) << "every label is valid";
  return loss;
}

template <class F>
float mse_loss(F forward, const float* a, const float* b, int64_t n) {
  float loss = -1.f;
  forward(&loss, a, b, n);
  return loss;
}

void check_cross_entropy(const MN& s, bool large) {
  SCOPED_TRACE("cross_entropy " + describe(s, large));
  const size_t n = static_cast<size_t>(s.M * s.N);
  const std::vector<float> x = logits(s.M, s.N, 5, large);
  const std::vector<int64_t> y = labels(s.M, s.N, 6);
  std::vector<float> p_fast(n, -1.f), p_ref(n);
  const float loss_fast =
      ce_loss(cpu::cross_entropy_forward, p_fast.data(), x.data(), y.data(), s.M, s.N);
  const float loss_ref =
      ce_loss(ref::cross_entropy_forward, p_ref.data(), x.data(), y.data(), s.M, s.N);
  EXPECT_TRUE(std::isfinite(loss_fast)) << "loss " << loss_fast;
  // The loss is a mean of lse - x terms: the same ulps-of-|x| argument as log_softmax.
  EXPECT_TRUE(all_close(&loss_fast, &loss_ref, 1, log_tol(x))) << "loss";
  EXPECT_TRUE(all_finite(p_fast));
  EXPECT_TRUE(all_close(p_fast, p_ref, kTol)) << "probs";
  EXPECT_TRUE(rows_sum_to_one(p_fast, s.M, s.N));

  // dlogits = (p - onehot) * scale has no reduction: abs 1e-6 + rel 1e-5.
  const float inv_m = 1.f / static_cast<float>(s.M);
  for (float scale : {inv_m, 1.f, -0.5f, 2.5f}) {
    std::vector<float> d_fast(n, -1.f), d_ref(n);
    cpu::cross_entropy_backward(d_fast.data(), p_ref.data(), y.data(), nullptr, scale, s.M, s.N);
    ref::cross_entropy_backward(d_ref.data(), p_ref.data(), y.data(), nullptr, scale, s.M, s.N);
    EXPECT_TRUE(all_close(d_fast, d_ref, kTol)) << "backward, scale " << scale;
  }
}

TEST(KernelSoftmax, SoftmaxForwardBackwardMatchReference) {
  for (bool large : {false, true})
    for (const MN& s : kShapes) check_softmax(s, large);
}

TEST(KernelSoftmax, LogSoftmaxForwardBackwardMatchReference) {
  for (bool large : {false, true})
    for (const MN& s : kShapes) check_log_softmax(s, large);
}

TEST(KernelSoftmax, CrossEntropyForwardBackwardMatchReference) {
  for (bool large : {false, true})
    for (const MN& s : kShapes) check_cross_entropy(s, large);
}

// The same checks and tolerances on rows of 40001 and 50257 (a GPT-2 vocabulary). Here the row
// sum of exp needs care: one float running sum over 40k terms absorbs the small ones and drifts
// by ~5e-5 relative, while a double (or blocked) sum stays near 1e-6, as the reference does.
TEST(KernelSoftmax, VocabularyWideRowsMatchReference) {
  for (bool large : {false, true})
    for (const MN& s : kWideShapes) {
      check_softmax(s, large);
      check_log_softmax(s, large);
      check_cross_entropy(s, large);
    }
}

TEST(KernelSoftmax, CrossEntropyHandComputed) {
  // row 0: [0, 0] label 0 -> loss log 2, probs [1/2, 1/2]
  // row 1: [log 3, 0] label 1 -> loss log 4 - 0, probs [3/4, 1/4]
  // mean loss (log 2 + log 4) / 2 = 1.5 log 2
  const std::vector<float> x = {0.f, 0.f, std::log(3.f), 0.f};
  const std::vector<int64_t> y = {0, 1};
  std::vector<float> p(4);
  const float loss = ce_loss(cpu::cross_entropy_forward, p.data(), x.data(), y.data(), 2, 2);
  EXPECT_NEAR(loss, 1.5 * std::log(2.0), 1e-6);
  EXPECT_TRUE(all_close(p, std::vector<float>{0.5f, 0.5f, 0.75f, 0.25f}, kTol));
  // dlogits = (p - onehot) * scale with scale = 1/M = 1/2
  std::vector<float> d(4);
  cpu::cross_entropy_backward(d.data(), p.data(), y.data(), nullptr, 0.5f, 2, 2);
  EXPECT_TRUE(all_close(d, std::vector<float>{-0.25f, 0.25f, 0.375f, -0.375f}, kTol));
  // A label on a -100 logit next to +100: loss 200, finite, and probs still (1, 0).
  const std::vector<float> far = {100.f, -100.f};
  const std::vector<int64_t> yl = {1};
  const float l = ce_loss(cpu::cross_entropy_forward, p.data(), far.data(), yl.data(), 1, 2);
  EXPECT_NEAR(l, 200.f, 200 * 1e-6);
  EXPECT_NEAR(p[0], 1.f, 1e-6);
  EXPECT_NEAR(p[1], 0.f, 1e-6);
}

TEST(KernelSoftmax, CrossEntropyReportsTheFirstBadLabel) {
  // Rows 1 and 3 hold labels outside [0, 2): both kernels name row 1, count a bad row's loss as
  // 0 (row 0 and row 2 give log 2 each, so the mean over 4 rows is log 2 / 2) and read nothing
  // out of bounds.
  const std::vector<float> x(8, 0.f);
  const std::vector<int64_t> y = {0, 2, 1, -1};
  for (auto forward : {&cpu::cross_entropy_forward, &ref::cross_entropy_forward}) {
    std::vector<float> p(8);
    float loss = -1.f;
    int64_t first_bad = -1;
    forward(&loss, &first_bad, p.data(), x.data(), y.data(), 4, 2);
    EXPECT_EQ(first_bad, 1);
    EXPECT_NEAR(loss, std::log(2.0) / 2, 1e-6);
  }
}

TEST(KernelSoftmax, BackwardScalesByTheUpstreamGradient) {
  // upstream = 4 multiplies the scale: the same result as scale * 4 with no upstream.
  const std::vector<float> p = {0.5f, 0.5f, 0.75f, 0.25f}, a = {2, 0, 3}, b = {1, 2, 0};
  const std::vector<int64_t> y = {0, 1};
  const float upstream = 4.f;
  for (auto backward : {&cpu::cross_entropy_backward, &ref::cross_entropy_backward}) {
    std::vector<float> with(4), without(4);
    backward(with.data(), p.data(), y.data(), &upstream, 0.5f, 2, 2);
    backward(without.data(), p.data(), y.data(), nullptr, 2.f, 2, 2);
    EXPECT_TRUE(all_close(with, without, kTol));
  }
  for (auto backward : {&cpu::mse_backward, &ref::mse_backward}) {
    std::vector<float> with(3), without(3);
    backward(with.data(), a.data(), b.data(), &upstream, 0.25f, 3);
    backward(without.data(), a.data(), b.data(), nullptr, 1.f, 3);
    EXPECT_TRUE(all_close(with, without, kTol));
  }
}

TEST(KernelSoftmax, MseForwardBackwardMatchReference) {
  for (int64_t n : kSizes) {
    SCOPED_TRACE("n=" + std::to_string(n));
    const std::vector<float> a = normal(n, 7), b = normal(n, 8);
    const float fast = mse_loss(cpu::mse_forward, a.data(), b.data(), n);
    const float naive = mse_loss(ref::mse_forward, a.data(), b.data(), n);
    EXPECT_TRUE(all_close(&fast, &naive, 1, kTol)) << "forward";
    const float inv_n = 1.f / static_cast<float>(n);
    for (float scale : {inv_n, 1.f, -3.f}) {
      std::vector<float> d_fast(static_cast<size_t>(n), -1.f), d_ref(static_cast<size_t>(n));
      cpu::mse_backward(d_fast.data(), a.data(), b.data(), nullptr, scale, n);
      ref::mse_backward(d_ref.data(), a.data(), b.data(), nullptr, scale, n);
      EXPECT_TRUE(all_close(d_fast, d_ref, kTol)) << "backward, scale " << scale;
    }
  }
  // By hand: a - b = [1, -2, 3] -> mean of squares 14/3; da = 2 (a - b) / 3.
  const std::vector<float> a = {2, 0, 3}, b = {1, 2, 0};
  EXPECT_NEAR(mse_loss(cpu::mse_forward, a.data(), b.data(), 3), 14.0 / 3, 1e-6);
  std::vector<float> da(3);
  cpu::mse_backward(da.data(), a.data(), b.data(), nullptr, 1.f / 3, 3);
  EXPECT_TRUE(all_close(da, std::vector<float>{2.f / 3, -4.f / 3, 2.f}, kTol));
}

}  // namespace
