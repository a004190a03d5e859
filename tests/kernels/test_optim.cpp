// kernels::cpu fused optimizer steps (SGD, Adam/AdamW) against kernels::ref over several steps,
// plus values worked out by hand.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/cpu/optim.h"
#include "kernels/reference/optim.h"

namespace {

namespace cpu = joule::kernels::cpu;
namespace ref = joule::kernels::ref;
using joule::kernels::test::all_close;
using joule::kernels::test::all_finite;
using joule::kernels::test::kSizes;
using joule::kernels::test::normal;
using joule::kernels::test::Tol;

// Fast against reference: rel 1e-6. The absolute floors only matter where a value cancels to
// near 0: w - lr*d and momentum*buf + d keep ulps of their O(1) operands (1e-7); m = b1*m +
// (1-b1)*g keeps ulps of its O(0.1) operands (1e-8).
constexpr Tol kWeightTol{1e-7, 1e-6};
constexpr Tol kMomentTol{1e-8, 1e-6};
// Values worked out by hand, written to 4-7 significant digits.
constexpr Tol kHandTol{2e-6, 0};

struct SgdConfig {
  const char* name;
  float momentum, dampening, weight_decay;
  bool nesterov;
};

TEST(KernelOptim, SgdMatchesReferenceOverSteps) {
  const std::vector<SgdConfig> configs = {
      {"plain", 0.f, 0.f, 0.f, false},
      {"plain, weight decay", 0.f, 0.f, 0.01f, false},
      {"momentum", 0.9f, 0.f, 0.f, false},
      {"momentum, dampening", 0.9f, 0.1f, 0.f, false},
      {"momentum, dampening, weight decay", 0.9f, 0.25f, 0.01f, false},
      {"nesterov", 0.9f, 0.f, 0.f, true},
      {"nesterov, weight decay", 0.9f, 0.f, 0.01f, true}};
  const float lr = 0.1f;
  for (const SgdConfig& c : configs)
    for (int64_t n : kSizes) {
      const size_t sz = static_cast<size_t>(n);
      std::vector<float> w_fast = normal(n, 1), w_ref = w_fast;
      std::vector<float> buf_fast(sz, 0.f), buf_ref(sz, 0.f);
      const bool momentum = c.momentum != 0.f;
      for (int step = 1; step <= 4; ++step) {
        SCOPED_TRACE(std::string(c.name) + " n=" + std::to_string(n) +
                     " step=" + std::to_string(step));
        const std::vector<float> g = normal(n, 100u + static_cast<uint32_t>(step));
        const bool first = step == 1;
        cpu::sgd_step(w_fast.data(), g.data(), momentum ? buf_fast.data() : nullptr, n, lr,
                      c.momentum, c.dampening, c.weight_decay, c.nesterov, first);
        ref::sgd_step(w_ref.data(), g.data(), momentum ? buf_ref.data() : nullptr, n, lr,
                      c.momentum, c.dampening, c.weight_decay, c.nesterov, first);
        ASSERT_TRUE(all_close(w_fast, w_ref, kWeightTol)) << "w";
        if (momentum) {
          ASSERT_TRUE(all_close(buf_fast, buf_ref, kWeightTol)) << "momentum buffer";
        }
      }
    }
}

TEST(KernelOptim, SgdFirstStepIgnoresOldBuffer) {
  // optim.inc: on the first step buf = d, whatever buf held. lib/joule/optim/sgd.cpp allocates
  // the buffer with Tensor::empty before the first step, so it may hold any bits, NaN and inf
  // included.
  for (float junk : {std::numeric_limits<float>::quiet_NaN(),
                     std::numeric_limits<float>::infinity()})
    for (bool nesterov : {false, true})
      for (int64_t n : {int64_t{7}, int64_t{40001}}) {
        SCOPED_TRACE("junk=" + std::to_string(junk) + " nesterov=" + std::to_string(nesterov) +
                     " n=" + std::to_string(n));
        const std::vector<float> w0 = normal(n, 2), g = normal(n, 3);
        std::vector<float> w_fast = w0, w_ref = w0;
        std::vector<float> buf_fast(static_cast<size_t>(n), junk), buf_ref = buf_fast;
        cpu::sgd_step(w_fast.data(), g.data(), buf_fast.data(), n, 0.1f, 0.9f, 0.f, 0.01f,
                      nesterov, true);
        ref::sgd_step(w_ref.data(), g.data(), buf_ref.data(), n, 0.1f, 0.9f, 0.f, 0.01f,
                      nesterov, true);
        EXPECT_TRUE(all_finite(w_ref)) << "reference w";
        EXPECT_TRUE(all_finite(w_fast)) << "fast w";
        EXPECT_TRUE(all_finite(buf_fast)) << "fast momentum buffer";
        EXPECT_TRUE(all_close(w_fast, w_ref, kWeightTol)) << "w";
        EXPECT_TRUE(all_close(buf_fast, buf_ref, kWeightTol)) << "momentum buffer";
      }
}

// Both kernels, one call each, on the same tiny arrays.
struct SgdHand {
  std::vector<float> w, buf;
};
void sgd_both(SgdHand& fast, SgdHand& naive, const std::vector<float>& g, float momentum,
              float dampening, float wd, bool nesterov, bool first) {
  const int64_t n = static_cast<int64_t>(g.size());
  cpu::sgd_step(fast.w.data(), g.data(), fast.buf.data(), n, 0.1f, momentum, dampening, wd,
                nesterov, first);
  ref::sgd_step(naive.w.data(), g.data(), naive.buf.data(), n, 0.1f, momentum, dampening, wd,
                nesterov, first);
}

TEST(KernelOptim, SgdHandComputed) {
  // lr 0.1, w = [1, -2], g1 = [0.5, 1], g2 = [0.5, -1].
  const std::vector<float> w0 = {1.f, -2.f}, g1 = {0.5f, 1.f}, g2 = {0.5f, -1.f};
  {
    SCOPED_TRACE("momentum 0.9");
    // step 1: buf = g1 = [0.5, 1]; w = [0.95, -2.1]
    // step 2: buf = 0.9 [0.5, 1] + [0.5, -1] = [0.95, -0.1]; w = [0.855, -2.09]
    SgdHand f{w0, {0.f, 0.f}}, r = f;
    sgd_both(f, r, g1, 0.9f, 0.f, 0.f, false, true);
    EXPECT_TRUE(all_close(f.w, std::vector<float>{0.95f, -2.1f}, kHandTol));
    EXPECT_TRUE(all_close(f.buf, std::vector<float>{0.5f, 1.f}, kHandTol));
    sgd_both(f, r, g2, 0.9f, 0.f, 0.f, false, false);
    for (const SgdHand* s : {&f, &r}) {
      EXPECT_TRUE(all_close(s->buf, std::vector<float>{0.95f, -0.1f}, kHandTol));
      EXPECT_TRUE(all_close(s->w, std::vector<float>{0.855f, -2.09f}, kHandTol));
    }
  }
  {
    SCOPED_TRACE("nesterov 0.9");
    // step 1: buf = [0.5, 1]; d = g1 + 0.9 buf = [0.95, 1.9]; w = [0.905, -2.19]
    // step 2: buf = [0.95, -0.1]; d = g2 + 0.9 buf = [1.355, -1.09]; w = [0.7695, -2.081]
    SgdHand f{w0, {0.f, 0.f}}, r = f;
    sgd_both(f, r, g1, 0.9f, 0.f, 0.f, true, true);
    EXPECT_TRUE(all_close(f.w, std::vector<float>{0.905f, -2.19f}, kHandTol));
    sgd_both(f, r, g2, 0.9f, 0.f, 0.f, true, false);
    for (const SgdHand* s : {&f, &r}) {
      EXPECT_TRUE(all_close(s->buf, std::vector<float>{0.95f, -0.1f}, kHandTol));
      EXPECT_TRUE(all_close(s->w, std::vector<float>{0.7695f, -2.081f}, kHandTol));
    }
  }
  {
    SCOPED_TRACE("momentum 0.9, dampening 0.5, weight decay 0.1");
    // step 1: d = g1 + 0.1 w = [0.6, 0.8]; buf = d (no dampening on the first step);
    //         w = [0.94, -2.08]
    // step 2: d = g2 + 0.1 w = [0.594, -1.208]; buf = 0.9 [0.6, 0.8] + 0.5 d = [0.837, 0.116];
    //         w = [0.8563, -2.0916]
    SgdHand f{w0, {0.f, 0.f}}, r = f;
    sgd_both(f, r, g1, 0.9f, 0.5f, 0.1f, false, true);
    EXPECT_TRUE(all_close(f.buf, std::vector<float>{0.6f, 0.8f}, kHandTol));
    EXPECT_TRUE(all_close(f.w, std::vector<float>{0.94f, -2.08f}, kHandTol));
    sgd_both(f, r, g2, 0.9f, 0.5f, 0.1f, false, false);
    for (const SgdHand* s : {&f, &r}) {
      EXPECT_TRUE(all_close(s->buf, std::vector<float>{0.837f, 0.116f}, kHandTol));
      EXPECT_TRUE(all_close(s->w, std::vector<float>{0.8563f, -2.0916f}, kHandTol));
    }
  }
  {
    SCOPED_TRACE("no momentum, weight decay 0.1");
    // d = [0.6, 0.8]; w = [0.94, -2.08]; buf is null
    std::vector<float> wf = w0, wr = w0;
    cpu::sgd_step(wf.data(), g1.data(), nullptr, 2, 0.1f, 0.f, 0.f, 0.1f, false, true);
    ref::sgd_step(wr.data(), g1.data(), nullptr, 2, 0.1f, 0.f, 0.f, 0.1f, false, true);
    EXPECT_TRUE(all_close(wf, std::vector<float>{0.94f, -2.08f}, kHandTol));
    EXPECT_TRUE(all_close(wr, std::vector<float>{0.94f, -2.08f}, kHandTol));
  }
}

struct AdamConfig {
  const char* name;
  float lr, beta1, beta2, eps, weight_decay;
  bool decoupled;
};

TEST(KernelOptim, AdamMatchesReferenceOverSteps) {
  const std::vector<AdamConfig> configs = {
      {"adam", 1e-3f, 0.9f, 0.999f, 1e-8f, 0.f, false},
      {"adam, L2 weight decay", 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, false},
      {"adamw", 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, true},
      {"adamw, large lr and eps", 0.05f, 0.8f, 0.99f, 1e-3f, 0.1f, true}};
  for (const AdamConfig& c : configs)
    for (int64_t n : kSizes) {
      const size_t sz = static_cast<size_t>(n);
      std::vector<float> w_fast = normal(n, 4), w_ref = w_fast;
      std::vector<float> m_fast(sz, 0.f), m_ref(sz, 0.f), v_fast(sz, 0.f), v_ref(sz, 0.f);
      for (int64_t t = 1; t <= 5; ++t) {
        SCOPED_TRACE(std::string(c.name) + " n=" + std::to_string(n) + " t=" + std::to_string(t));
        const std::vector<float> g = normal(n, 200u + static_cast<uint32_t>(t));
        cpu::adam_step(w_fast.data(), g.data(), m_fast.data(), v_fast.data(), n, c.lr, c.beta1,
                       c.beta2, c.eps, c.weight_decay, c.decoupled, t);
        ref::adam_step(w_ref.data(), g.data(), m_ref.data(), v_ref.data(), n, c.lr, c.beta1,
                       c.beta2, c.eps, c.weight_decay, c.decoupled, t);
        ASSERT_TRUE(all_close(w_fast, w_ref, kWeightTol)) << "w";
        ASSERT_TRUE(all_close(m_fast, m_ref, kMomentTol)) << "m";
        ASSERT_TRUE(all_close(v_fast, v_ref, kMomentTol)) << "v";
      }
    }
}

TEST(KernelOptim, AdamHandComputed) {
  // With a constant gradient the bias-corrected moments are exactly g and g^2, so every step
  // moves each weight by lr * |g| / (|g| + eps) ~= lr * sign(g).
  const std::vector<float> w0 = {1.f, -2.f, 0.5f}, g = {0.3f, -4.f, 1e-3f};
  const float lr = 0.01f;
  std::vector<float> w = w0, m(3, 0.f), v(3, 0.f);
  std::vector<float> wr = w0, mr(3, 0.f), vr(3, 0.f);
  for (int64_t t = 1; t <= 3; ++t) {
    cpu::adam_step(w.data(), g.data(), m.data(), v.data(), 3, lr, 0.9f, 0.999f, 1e-8f, 0.f, false,
                   t);
    ref::adam_step(wr.data(), g.data(), mr.data(), vr.data(), 3, lr, 0.9f, 0.999f, 1e-8f, 0.f,
                   false, t);
    const float k = static_cast<float>(t) * lr;
    const std::vector<float> want = {1.f - k, -2.f + k, 0.5f - k};
    EXPECT_TRUE(all_close(w, want, kHandTol)) << "fast, t=" << t;
    EXPECT_TRUE(all_close(wr, want, kHandTol)) << "reference, t=" << t;
    if (t == 1) {  // m = (1 - b1) g, v = (1 - b2) g^2; in float 1 - 0.999f = 0.000999987
      EXPECT_TRUE(all_close(m, std::vector<float>{0.03f, -0.4f, 1e-4f}, Tol{1e-8, 1e-5}));
      EXPECT_TRUE(all_close(v, std::vector<float>{9e-5f, 1.6e-2f, 1e-9f}, Tol{1e-12, 1e-4}));
    }
  }

  // AdamW, weight decay 0.1: w <- w (1 - lr wd) - lr sign(g) = [0.989, -1.988, 0.4895]
  w = w0, m.assign(3, 0.f), v.assign(3, 0.f);
  cpu::adam_step(w.data(), g.data(), m.data(), v.data(), 3, lr, 0.9f, 0.999f, 1e-8f, 0.1f, true,
                 1);
  EXPECT_TRUE(all_close(w, std::vector<float>{0.989f, -1.988f, 0.4895f}, kHandTol)) << "adamw";

  // Adam, L2 weight decay 0.1: g' = g + 0.1 w = [0.4, -4.2, 0.051] (same signs);
  // w <- w - lr sign(g') = [0.99, -1.99, 0.49]; m = 0.1 g'
  w = w0, m.assign(3, 0.f), v.assign(3, 0.f);
  cpu::adam_step(w.data(), g.data(), m.data(), v.data(), 3, lr, 0.9f, 0.999f, 1e-8f, 0.1f, false,
                 1);
  EXPECT_TRUE(all_close(w, std::vector<float>{0.99f, -1.99f, 0.49f}, kHandTol)) << "adam L2";
  EXPECT_TRUE(all_close(m, std::vector<float>{0.04f, -0.42f, 0.0051f}, Tol{1e-8, 1e-5}))
      << "adam L2 m";
}

}  // namespace
