// Fused optimizer updates: one pass over each parameter, formulas as kernels/optim.inc.
#include <cmath>

#include "cuda/common.cuh"
#include "cuda/optim.h"

namespace joule::kernels::cuda {

namespace {

// w, g, buf (n)
__global__ void sgd_kernel(float* w, const float* g, float* buf, int64_t n, float lr,
                           float momentum, float dampening, float weight_decay, bool nesterov,
                           bool first) {
  JOULE_GRID_STRIDE(i, n) {
    float d = g[i] + weight_decay * w[i];
    if (momentum != 0.f) {
      const float b = first ? d : momentum * buf[i] + (1.f - dampening) * d;
      buf[i] = b;
      d = nesterov ? d + momentum * b : b;
    }
    w[i] -= lr * d;
  }
}

// w, g, m, v (n); bc1 = 1 - beta1^t, bc2 = 1 - beta2^t
__global__ void adam_kernel(float* w, const float* g, float* m, float* v, int64_t n, float lr,
                            float beta1, float beta2, float eps, float weight_decay, bool decoupled,
                            double bc1, double bc2) {
  JOULE_GRID_STRIDE(i, n) {
    float gi = g[i];
    float wi = w[i];
    if (decoupled)
      wi *= 1.f - lr * weight_decay;
    else
      gi += weight_decay * wi;
    const float mi = beta1 * m[i] + (1.f - beta1) * gi;
    const float vi = beta2 * v[i] + (1.f - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    const double denom = sqrt(vi / bc2) + eps;
    w[i] = wi - static_cast<float>(lr * (mi / bc1) / denom);
  }
}

}  // namespace

void sgd_step(float* w, const float* g, float* buf, int64_t n, float lr, float momentum,
              float dampening, float weight_decay, bool nesterov, bool first, cudaStream_t stream) {
  if (n <= 0) return;
  sgd_kernel<<<blocks_for(n), kThreads, 0, stream>>>(w, g, buf, n, lr, momentum, dampening,
                                                     weight_decay, nesterov, first);
  CUDA_CHECK_LAUNCH();
}

void adam_step(float* w, const float* g, float* m, float* v, int64_t n, float lr, float beta1,
               float beta2, float eps, float weight_decay, bool decoupled, int64_t t,
               cudaStream_t stream) {
  if (n <= 0) return;
  const double bc1 = 1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(t));
  const double bc2 = 1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(t));
  adam_kernel<<<blocks_for(n), kThreads, 0, stream>>>(w, g, m, v, n, lr, beta1, beta2, eps,
                                                      weight_decay, decoupled, bc1, bc2);
  CUDA_CHECK_LAUNCH();
}

}  // namespace joule::kernels::cuda
