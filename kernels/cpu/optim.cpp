#include "kernels/cpu/optim.h"

#include <cmath>

#include "kernels/cpu/parallel.h"

namespace joule::kernels::cpu {

void sgd_step(float* w, const float* g, float* buf, int64_t n, float lr, float momentum,
              float dampening, float weight_decay, bool nesterov, bool first) {
  if (momentum == 0.f) {
#pragma omp parallel for simd if (n >= kParallelMin) schedule(static)
    for (int64_t i = 0; i < n; ++i) w[i] -= lr * (g[i] + weight_decay * w[i]);
    return;
  }
  // On the first step the buffer is uninitialised: it is written, never read.
  const float take = first ? 1.f : 1.f - dampening;
  const float keep = momentum;
#pragma omp parallel for simd if (n >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const float d = g[i] + weight_decay * w[i];
    const float b = first ? d : keep * buf[i] + take * d;
    buf[i] = b;
    w[i] -= lr * (nesterov ? d + momentum * b : b);
  }
}

void adam_step(float* w, const float* g, float* m, float* v, int64_t n, float lr, float beta1,
               float beta2, float eps, float weight_decay, bool decoupled, int64_t t) {
  const double bc1 = 1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(t));
  const double bc2 = 1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(t));
  const float step = static_cast<float>(lr / bc1);
  const float inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(bc2));
  const float shrink = decoupled ? 1.f - lr * weight_decay : 1.f;
  const float l2 = decoupled ? 0.f : weight_decay;
#pragma omp parallel for simd if (n >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i] + l2 * w[i];
    const float mi = beta1 * m[i] + (1.f - beta1) * gi;
    const float vi = beta2 * v[i] + (1.f - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] = w[i] * shrink - step * mi / (std::sqrt(vi) * inv_sqrt_bc2 + eps);
  }
}

}  // namespace joule::kernels::cpu
