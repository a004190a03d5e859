// 2-D convolution as im2col + cuBLAS GEMM over a chunk of samples at a time, with a GEMM per
// group. For a chunk of nb samples and P = OH * OW output positions:
//   cols (C*KH*KW, nb*P)  the unfolded input, row (c, kh, kw), column (sample, position)
//   yt   (OC, nb*P)       the output with channels first, = W (OC, C/G*KH*KW) cols per group
// and the output (N, OC, OH, OW) is yt with its two leading axes swapped (plus the bias).
// The backward uses the same layouts: dcols = W^T dyt folded back by col2im (a gather: no
// atomics, deterministic), dW = dyt cols^T accumulated over the chunks.
#include <algorithm>

#include "cuda/common.cuh"
#include "cuda/conv.h"
#include "cuda/gemm.h"

namespace joule::kernels::cuda {

namespace {

// The largest scratch one chunk may use (columns plus output rows); a chunk is one sample at least.
constexpr int64_t kChunkBytes = int64_t{256} << 20;

struct Chunking {
  int64_t P, CK, CKg, OCg, max_samples;
};

Chunking chunking(const Conv2dDims& d) {
  Chunking c;
  c.P = d.OH * d.OW;
  c.CK = d.C * d.KH * d.KW;
  c.CKg = c.CK / d.G;
  c.OCg = d.OC / d.G;
  const int64_t per_sample = std::max<int64_t>((c.CK + d.OC) * c.P * int64_t{sizeof(float)}, 1);
  c.max_samples = std::clamp<int64_t>(kChunkBytes / per_sample, 1, std::max<int64_t>(d.N, 1));
  return c;
}

float* chunk_workspace(const Conv2dDims& d, const Chunking& c) {
  const size_t floats = static_cast<size_t>((c.CK + d.OC) * c.max_samples * c.P);
  return static_cast<float*>(context().workspace(floats * sizeof(float)));
}

// x (N, C, H, W), samples [n0, n0 + nb) -> cols (C*KH*KW, nb*P); padding reads as 0
__global__ void im2col_kernel(float* cols, const float* x, Conv2dDims d, int64_t n0, int64_t nb) {
  const int64_t P = d.OH * d.OW, Q = nb * P;
  JOULE_GRID_STRIDE(i, d.C * d.KH * d.KW * Q) {
    const int64_t q = i % Q, r = i / Q;
    const int64_t kw = r % d.KW, kh = (r / d.KW) % d.KH, c = r / (d.KW * d.KH);
    const int64_t n = n0 + q / P, p = q % P;
    const int64_t ih = (p / d.OW) * d.SH - d.PH + kh * d.DH;
    const int64_t iw = (p % d.OW) * d.SW - d.PW + kw * d.DW;
    cols[i] =
        ih >= 0 && ih < d.H && iw >= 0 && iw < d.W ? x[((n * d.C + c) * d.H + ih) * d.W + iw] : 0.f;
  }
}

// dcols (C*KH*KW, nb*P) -> dx (N, C, H, W), samples [n0, n0 + nb) (overwritten): each input
// element gathers the columns it was copied to
__global__ void col2im_kernel(float* dx, const float* dcols, Conv2dDims d, int64_t n0, int64_t nb) {
  const int64_t P = d.OH * d.OW, Q = nb * P;
  float* out = dx + n0 * d.C * d.H * d.W;
  JOULE_GRID_STRIDE(i, nb * d.C * d.H * d.W) {
    const int64_t iw = i % d.W, ih = (i / d.W) % d.H, c = (i / (d.W * d.H)) % d.C;
    const int64_t n = i / (d.W * d.H * d.C);
    float s = 0.f;
    for (int64_t kh = 0; kh < d.KH; ++kh) {
      const int64_t th = ih + d.PH - kh * d.DH;  // oh * SH
      if (th < 0 || th % d.SH != 0 || th / d.SH >= d.OH) continue;
      const int64_t oh = th / d.SH;
      for (int64_t kw = 0; kw < d.KW; ++kw) {
        const int64_t tw = iw + d.PW - kw * d.DW;  // ow * SW
        if (tw < 0 || tw % d.SW != 0 || tw / d.SW >= d.OW) continue;
        const int64_t ow = tw / d.SW;
        s += dcols[((c * d.KH + kh) * d.KW + kw) * Q + n * P + oh * d.OW + ow];
      }
    }
    out[i] = s;
  }
}

// yt (OC, nb*P) + bias (OC) or null -> y (N, OC, P), samples [n0, n0 + nb)
__global__ void rows_to_nchw_kernel(float* y, const float* yt, const float* bias, int64_t OC,
                                    int64_t P, int64_t n0, int64_t nb) {
  JOULE_GRID_STRIDE(i, nb * OC * P) {
    const int64_t p = i % P, oc = (i / P) % OC, n = i / (P * OC);
    y[n0 * OC * P + i] = yt[oc * nb * P + n * P + p] + (bias ? bias[oc] : 0.f);
  }
}

// dy (N, OC, P), samples [n0, n0 + nb) -> dyt (OC, nb*P)
__global__ void nchw_to_rows_kernel(float* dyt, const float* dy, int64_t OC, int64_t P, int64_t n0,
                                    int64_t nb) {
  JOULE_GRID_STRIDE(i, nb * OC * P) {
    const int64_t p = i % P, oc = (i / P) % OC, n = i / (P * OC);
    dyt[oc * nb * P + n * P + p] = dy[n0 * OC * P + i];
  }
}

// dy (N, OC, P) -> db (OC): one block per channel, summed in double
__global__ void bias_grad_kernel(float* db, const float* dy, int64_t N, int64_t OC, int64_t P) {
  for (int64_t oc = blockIdx.x; oc < OC; oc += gridDim.x) {
    double s = 0;
    for (int64_t k = threadIdx.x; k < N * P; k += blockDim.x)
      s += dy[((k / P) * OC + oc) * P + k % P];
    s = block_sum(s);
    if (threadIdx.x == 0) db[oc] = static_cast<float>(s);
  }
}

void im2col(float* cols, const float* x, const Conv2dDims& d, int64_t n0, int64_t nb,
            const Chunking& c, cudaStream_t stream) {
  im2col_kernel<<<blocks_for(c.CK * nb * c.P), kThreads, 0, stream>>>(cols, x, d, n0, nb);
  CUDA_CHECK_LAUNCH();
}

void to_rows(float* dyt, const float* dy, const Conv2dDims& d, int64_t n0, int64_t nb,
             const Chunking& c, cudaStream_t stream) {
  nchw_to_rows_kernel<<<blocks_for(nb * d.OC * c.P), kThreads, 0, stream>>>(dyt, dy, d.OC, c.P, n0,
                                                                            nb);
  CUDA_CHECK_LAUNCH();
}

}  // namespace

void conv2d_forward(float* y, const float* x, const float* w, const float* bias,
                    const Conv2dDims& d, cudaStream_t stream) {
  const Chunking c = chunking(d);
  if (d.N <= 0 || c.P <= 0 || d.OC <= 0) return;
  float* ws = chunk_workspace(d, c);
  for (int64_t n0 = 0; n0 < d.N; n0 += c.max_samples) {
    const int64_t nb = std::min(c.max_samples, d.N - n0), Q = nb * c.P;
    float* cols = ws;
    float* yt = ws + c.CK * Q;
    im2col(cols, x, d, n0, nb, c, stream);
    for (int64_t g = 0; g < d.G; ++g)
      gemm(false, false, c.OCg, Q, c.CKg, 1.f, w + g * c.OCg * c.CKg, c.CKg, cols + g * c.CKg * Q,
           Q, 0.f, yt + g * c.OCg * Q, Q, stream);
    rows_to_nchw_kernel<<<blocks_for(nb * d.OC * c.P), kThreads, 0, stream>>>(y, yt, bias, d.OC,
                                                                              c.P, n0, nb);
    CUDA_CHECK_LAUNCH();
  }
}

void conv2d_backward_input(float* dx, const float* dy, const float* w, const Conv2dDims& d,
                           cudaStream_t stream) {
  const Chunking c = chunking(d);
  if (d.N <= 0) return;
  float* ws = chunk_workspace(d, c);
  for (int64_t n0 = 0; n0 < d.N; n0 += c.max_samples) {
    const int64_t nb = std::min(c.max_samples, d.N - n0), Q = nb * c.P;
    float* dcols = ws;
    float* dyt = ws + c.CK * Q;
    to_rows(dyt, dy, d, n0, nb, c, stream);
    for (int64_t g = 0; g < d.G; ++g)
      gemm(true, false, c.CKg, Q, c.OCg, 1.f, w + g * c.OCg * c.CKg, c.CKg, dyt + g * c.OCg * Q, Q,
           0.f, dcols + g * c.CKg * Q, Q, stream);
    col2im_kernel<<<blocks_for(nb * d.C * d.H * d.W), kThreads, 0, stream>>>(dx, dcols, d, n0, nb);
    CUDA_CHECK_LAUNCH();
  }
}

void conv2d_backward_weight(float* dw, const float* dy, const float* x, const Conv2dDims& d,
                            cudaStream_t stream) {
  const Chunking c = chunking(d);
  if (d.N <= 0 || c.P <= 0) {
    CUDA_CHECK(cudaMemsetAsync(dw, 0, sizeof(float) * d.OC * c.CKg, stream));
    return;
  }
  float* ws = chunk_workspace(d, c);
  for (int64_t n0 = 0; n0 < d.N; n0 += c.max_samples) {
    const int64_t nb = std::min(c.max_samples, d.N - n0), Q = nb * c.P;
    float* cols = ws;
    float* dyt = ws + c.CK * Q;
    im2col(cols, x, d, n0, nb, c, stream);
    to_rows(dyt, dy, d, n0, nb, c, stream);
    for (int64_t g = 0; g < d.G; ++g)
      gemm(false, true, c.OCg, c.CKg, Q, 1.f, dyt + g * c.OCg * Q, Q, cols + g * c.CKg * Q, Q,
           n0 == 0 ? 0.f : 1.f, dw + g * c.OCg * c.CKg, c.CKg, stream);
  }
}

void conv2d_backward_bias(float* db, const float* dy, const Conv2dDims& d, cudaStream_t stream) {
  if (d.OC <= 0) return;
  bias_grad_kernel<<<blocks_for(d.OC, 1), kThreads, 0, stream>>>(db, dy, d.N, d.OC, d.OH * d.OW);
  CUDA_CHECK_LAUNCH();
}

}  // namespace joule::kernels::cuda
