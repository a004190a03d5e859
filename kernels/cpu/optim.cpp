#include "cpu/optim.h"

#include <cmath>

#include "cpu/parallel.h"

namespace joule::kernels::cpu {

namespace {
// One SGD pass over [b, e) with the branches fixed at compile time, so the loop vectorizes.
template <bool kFirst, bool kNesterov>
void sgd_momentum(float* w, const float* g, float* buf, int64_t b, int64_t e, float lr,
                  float momentum, float take, float weight_decay) {
  for (int64_t i = b; i < e; ++i) {
    const float d = g[i] + weight_decay * w[i];
    const float m = kFirst ? d : momentum * buf[i] + take * d;
    buf[i] = m;
    w[i] -= lr * (kNesterov ? d + momentum * m : m);
  }
}
}  // namespace

void sgd_step(float* w, const float* g, float* buf, int64_t n, float lr, float momentum,
              float dampening, float weight_decay, bool nesterov, bool first) {
  if (momentum == 0.f) {
    parallel_chunks(n, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) w[i] -= lr * (g[i] + weight_decay * w[i]);
    });
    return;
  }
  // On the first step the buffer is uninitialised: it is written, never read.
  const float take = 1.f - dampening;
  parallel_chunks(n, [&](int64_t b, int64_t e) {
    if (first && nesterov) sgd_momentum<true, true>(w, g, buf, b, e, lr, momentum, take, weight_decay);
    else if (first) sgd_momentum<true, false>(w, g, buf, b, e, lr, momentum, take, weight_decay);
    else if (nesterov) sgd_momentum<false, true>(w, g, buf, b, e, lr, momentum, take, weight_decay);
    else sgd_momentum<false, false>(w, g, buf, b, e, lr, momentum, take, weight_decay);
  });
}

void adam_step(float* w, const float* g, float* m, float* v, int64_t n, float lr, float beta1,
               float beta2, float eps, float weight_decay, bool decoupled, int64_t t) {
  const double bc1 = 1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(t));
  const double bc2 = 1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(t));
  const float step = static_cast<float>(lr / bc1);
  const float inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(bc2));
  const float shrink = decoupled ? 1.f - lr * weight_decay : 1.f;
  const float l2 = decoupled ? 0.f : weight_decay;
  parallel_chunks(n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float gi = g[i] + l2 * w[i];
      const float mi = beta1 * m[i] + (1.f - beta1) * gi;
      const float vi = beta2 * v[i] + (1.f - beta2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] = w[i] * shrink - step * mi / (std::sqrt(vi) * inv_sqrt_bc2 + eps);
    }
  });
}

}  // namespace joule::kernels::cpu
