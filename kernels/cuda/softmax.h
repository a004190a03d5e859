// CUDA kernels: signatures in kernels/softmax.inc. Pointers are device pointers; the work is
// queued on context().stream() (see kernels/cuda/context.h); the two that return the loss to the
// host wait for it. The _async variants leave every result on the device instead.
#pragma once

#include <cstdint>

namespace joule::kernels::cuda {
#include "kernels/softmax.inc"

// As cross_entropy_forward: logits (M, N), labels (M) -> probs (M, N), loss (one float, the mean
// over rows), and first_bad (one int64): the first row whose label is outside [0, N), or M when
// every label is valid. A bad row's loss counts as 0; nothing is read out of bounds.
void cross_entropy_forward_async(float* loss, int64_t* first_bad, float* probs, const float* logits,
                                 const int64_t* labels, int64_t M, int64_t N);
// dlogits = (probs - onehot(labels)) * (*upstream) * scale, with `upstream` the gradient of the
// loss (device, one float): no copy to the host.
void cross_entropy_backward_async(float* dlogits, const float* probs, const int64_t* labels,
                                  const float* upstream, float scale, int64_t M, int64_t N);
// mean((a - b)^2) over n elements -> loss (device, one float)
void mse_forward_async(float* loss, const float* a, const float* b, int64_t n);
// da = 2 (a - b) * (*upstream) * scale
void mse_backward_async(float* da, const float* a, const float* b, const float* upstream,
                        float scale, int64_t n);
}  // namespace joule::kernels::cuda
