#include "reference/optim.h"

#include <cmath>

namespace joule::kernels::ref {

void sgd_step(float* w, const float* g, float* buf, int64_t n, float lr, float momentum,
              float dampening, float weight_decay, bool nesterov, bool first) {
  for (int64_t i = 0; i < n; ++i) {
    float d = g[i] + weight_decay * w[i];
    if (momentum != 0.f) {
      buf[i] = first ? d : momentum * buf[i] + (1.f - dampening) * d;
      d = nesterov ? d + momentum * buf[i] : buf[i];
    }
    w[i] -= lr * d;
  }
}

void adam_step(float* w, const float* g, float* m, float* v, int64_t n, float lr, float beta1,
               float beta2, float eps, float weight_decay, bool decoupled, int64_t t) {
  const double bc1 = 1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(t));
  const double bc2 = 1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(t));
  for (int64_t i = 0; i < n; ++i) {
    float gi = g[i];
    if (decoupled)
      w[i] *= 1.f - lr * weight_decay;
    else
      gi += weight_decay * w[i];
    m[i] = beta1 * m[i] + (1.f - beta1) * gi;
    v[i] = beta2 * v[i] + (1.f - beta2) * gi * gi;
    const double denom = std::sqrt(v[i] / bc2) + eps;
    w[i] -= static_cast<float>(lr * (m[i] / bc1) / denom);
  }
}

}  // namespace joule::kernels::ref
