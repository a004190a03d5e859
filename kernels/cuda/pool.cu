// 2-D pooling: one thread per output in the forward pass; in the backward pass one thread per
// input element, gathering from the windows that contain it (no atomics, deterministic).
#include "cuda/common.cuh"
#include "cuda/pool.h"

namespace joule::kernels::cuda {

namespace {

// The output rows (or columns) whose windows contain input row i: [*first, *last].
__device__ void windows_containing(int64_t i, int64_t pad, int64_t k, int64_t s, int64_t out,
                                   int64_t* first, int64_t* last) {
  // o covers i when o*s - pad <= i <= o*s - pad + k - 1
  const int64_t lo = i + pad - k + 1;
  *first = lo <= 0 ? 0 : (lo + s - 1) / s;
  const int64_t hi = (i + pad) / s;  // i + pad >= 0
  *last = hi < out - 1 ? hi : out - 1;
}

// x (N, C, H, W) -> y, idx (N, C, OH, OW): the first largest in each window, the last NaN if any
__global__ void max_pool_forward_kernel(float* y, int64_t* idx, const float* x, Pool2dDims d) {
  JOULE_GRID_STRIDE(o, d.N * d.C * d.OH * d.OW) {
    const int64_t ow = o % d.OW, oh = (o / d.OW) % d.OH, nc = o / (d.OW * d.OH);
    const float* xp = x + nc * d.H * d.W;
    int64_t best = -1;
    for (int64_t kh = 0; kh < d.KH; ++kh)
      for (int64_t kw = 0; kw < d.KW; ++kw) {
        const int64_t ih = oh * d.SH - d.PH + kh, iw = ow * d.SW - d.PW + kw;
        if (ih < 0 || ih >= d.H || iw < 0 || iw >= d.W) continue;
        const int64_t i = ih * d.W + iw;
        if (best < 0 || xp[i] > xp[best] || isnan(xp[i])) best = i;
      }
    y[o] = xp[best];
    idx[o] = best;
  }
}

// dy, idx (N, C, OH, OW) -> dx (N, C, H, W)
__global__ void max_pool_backward_kernel(float* dx, const float* dy, const int64_t* idx,
                                         Pool2dDims d) {
  JOULE_GRID_STRIDE(i, d.N * d.C * d.H * d.W) {
    const int64_t iw = i % d.W, ih = (i / d.W) % d.H, nc = i / (d.W * d.H);
    int64_t oh0, oh1, ow0, ow1;
    windows_containing(ih, d.PH, d.KH, d.SH, d.OH, &oh0, &oh1);
    windows_containing(iw, d.PW, d.KW, d.SW, d.OW, &ow0, &ow1);
    const int64_t self = ih * d.W + iw;
    float s = 0.f;
    for (int64_t oh = oh0; oh <= oh1; ++oh)
      for (int64_t ow = ow0; ow <= ow1; ++ow) {
        const int64_t o = (nc * d.OH + oh) * d.OW + ow;
        if (idx[o] == self) s += dy[o];
      }
    dx[i] = s;
  }
}

// x (N, C, H, W) -> y (N, C, OH, OW): window sums (in double) over KH * KW, padding as zeros
__global__ void avg_pool_forward_kernel(float* y, const float* x, Pool2dDims d) {
  JOULE_GRID_STRIDE(o, d.N * d.C * d.OH * d.OW) {
    const int64_t ow = o % d.OW, oh = (o / d.OW) % d.OH, nc = o / (d.OW * d.OH);
    double s = 0;
    for (int64_t kh = 0; kh < d.KH; ++kh)
      for (int64_t kw = 0; kw < d.KW; ++kw) {
        const int64_t ih = oh * d.SH - d.PH + kh, iw = ow * d.SW - d.PW + kw;
        if (ih >= 0 && ih < d.H && iw >= 0 && iw < d.W) s += x[(nc * d.H + ih) * d.W + iw];
      }
    y[o] = static_cast<float>(s / static_cast<double>(d.KH * d.KW));
  }
}

// dy (N, C, OH, OW) -> dx (N, C, H, W)
__global__ void avg_pool_backward_kernel(float* dx, const float* dy, Pool2dDims d) {
  const float scale = 1.f / static_cast<float>(d.KH * d.KW);
  JOULE_GRID_STRIDE(i, d.N * d.C * d.H * d.W) {
    const int64_t iw = i % d.W, ih = (i / d.W) % d.H, nc = i / (d.W * d.H);
    int64_t oh0, oh1, ow0, ow1;
    windows_containing(ih, d.PH, d.KH, d.SH, d.OH, &oh0, &oh1);
    windows_containing(iw, d.PW, d.KW, d.SW, d.OW, &ow0, &ow1);
    float s = 0.f;
    for (int64_t oh = oh0; oh <= oh1; ++oh)
      for (int64_t ow = ow0; ow <= ow1; ++ow) s += dy[(nc * d.OH + oh) * d.OW + ow] * scale;
    dx[i] = s;
  }
}

}  // namespace

void max_pool2d_forward(float* y, int64_t* idx, const float* x, const Pool2dDims& d,
                        cudaStream_t stream) {
  const int64_t n = d.N * d.C * d.OH * d.OW;
  if (n <= 0) return;
  max_pool_forward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(y, idx, x, d);
  CUDA_CHECK_LAUNCH();
}

void max_pool2d_backward(float* dx, const float* dy, const int64_t* idx, const Pool2dDims& d,
                         cudaStream_t stream) {
  const int64_t n = d.N * d.C * d.H * d.W;
  if (n <= 0) return;
  max_pool_backward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(dx, dy, idx, d);
  CUDA_CHECK_LAUNCH();
}

void avg_pool2d_forward(float* y, const float* x, const Pool2dDims& d, cudaStream_t stream) {
  const int64_t n = d.N * d.C * d.OH * d.OW;
  if (n <= 0) return;
  avg_pool_forward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(y, x, d);
  CUDA_CHECK_LAUNCH();
}

void avg_pool2d_backward(float* dx, const float* dy, const Pool2dDims& d, cudaStream_t stream) {
  const int64_t n = d.N * d.C * d.H * d.W;
  if (n <= 0) return;
  avg_pool_backward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(dx, dy, d);
  CUDA_CHECK_LAUNCH();
}

}  // namespace joule::kernels::cuda
