// Pooling, one (H, W) plane per OpenMP iteration; window bounds are clipped once per output
// (or per output row) instead of testing every tap.
#include "cpu/pool.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu/parallel.h"

namespace joule::kernels::cpu {

namespace {
// The input rows [lo, hi) of output row o's window, clipped to [0, size).
void window(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t size, int64_t& lo,
            int64_t& hi) {
  const int64_t start = o * stride - pad;
  lo = std::max<int64_t>(start, 0);
  hi = std::min(start + k, size);
}

bool parallel_worth(const Pool2dDims& d) {
  return d.N * d.C > 1 && d.N * d.C * d.H * d.W >= kParallelMin;
}

// One output row of max pooling: window rows [h0, h1); output columns [lo, hi) have their whole
// window inside the row, so their loop has no bounds checks and no branches, and vectorizes. The
// dims come by value and the pointers restricted, so that the stores cannot alias either.
void max_pool_row(float* __restrict m, int64_t* __restrict best, const float* __restrict xp,
                  int64_t h0, int64_t h1, int64_t lo, int64_t hi, const Pool2dDims d) {
  for (int64_t ow = 0; ow < d.OW; ++ow) {
    m[ow] = -std::numeric_limits<float>::infinity();
    best[ow] = h0 * d.W + std::max<int64_t>(ow * d.SW - d.PW, 0);  // padding never wins
  }
  // taps in row-major window order; a later tap wins only if larger (or NaN)
  for (int64_t ih = h0; ih < h1; ++ih)
    for (int64_t kw = 0; kw < d.KW; ++kw) {
      const int64_t shift = ih * d.W + kw - d.PW;  // + ow * SW: the tap's index
      for (int64_t ow = lo; ow < hi; ++ow) {
        const int64_t i = shift + ow * d.SW;
        const float v = xp[i];
        const bool take = (v > m[ow]) | (v != v);
        m[ow] = take ? v : m[ow];
        best[ow] = take ? i : best[ow];
      }
      for (int64_t ow = 0; ow < d.OW; ++ow) {
        if (ow == lo) ow = hi;  // the edge columns only, with the bounds check
        if (ow >= d.OW) break;
        const int64_t iw = ow * d.SW + kw - d.PW;
        if (iw < 0 || iw >= d.W) continue;
        const float v = xp[ih * d.W + iw];
        if (v > m[ow] || std::isnan(v)) {
          m[ow] = v;
          best[ow] = ih * d.W + iw;
        }
      }
    }
}

// A whole plane without padding: output o's window starts at start[o] (the same table for every
// plane) and tap (kh, kw) reads start[o] + kh * W + kw; one vectorized loop per tap covers the
// plane (rows of a pooled plane are often too short to vectorize alone).
void max_pool_plane(float* __restrict m, int64_t* __restrict best, const float* __restrict xp,
                    const int32_t* __restrict start, const Pool2dDims d) {
  const int64_t OHW = d.OH * d.OW;
  for (int64_t o = 0; o < OHW; ++o) {
    m[o] = -std::numeric_limits<float>::infinity();
    best[o] = start[o];
  }
  for (int64_t kh = 0; kh < d.KH; ++kh)
    for (int64_t kw = 0; kw < d.KW; ++kw) {
      const int32_t t = static_cast<int32_t>(kh * d.W + kw);
      for (int64_t o = 0; o < OHW; ++o) {
        const int32_t i = start[o] + t;
        const float v = xp[i];
        const bool take = (v > m[o]) | (v != v);
        m[o] = take ? v : m[o];
        best[o] = take ? i : best[o];
      }
    }
}

}  // namespace

void max_pool2d_forward(float* y, int64_t* idx, const float* x, const Pool2dDims& d) {
  const int64_t planes = d.N * d.C, HW = d.H * d.W, OHW = d.OH * d.OW;
  if (d.PH == 0 && d.PW == 0 && HW < (int64_t{1} << 31)) {
    std::vector<int32_t> start(static_cast<size_t>(OHW));
    for (int64_t o = 0; o < OHW; ++o)
      start[static_cast<size_t>(o)] = static_cast<int32_t>(o / d.OW * d.SH * d.W + o % d.OW * d.SW);
#pragma omp parallel for if (parallel_worth(d)) schedule(static)
    for (int64_t nc = 0; nc < planes; ++nc)
      max_pool_plane(y + nc * OHW, idx + nc * OHW, x + nc * HW, start.data(), d);
    return;
  }
  const int64_t lo = std::min((d.PW + d.SW - 1) / d.SW, d.OW);
  const int64_t hi = std::clamp((d.W + d.PW - d.KW) / d.SW + 1, lo, d.OW);
#pragma omp parallel for if (parallel_worth(d)) schedule(static)
  for (int64_t nc = 0; nc < planes; ++nc)
    for (int64_t oh = 0; oh < d.OH; ++oh) {
      int64_t h0, h1;
      window(oh, d.SH, d.PH, d.KH, d.H, h0, h1);
      max_pool_row(y + nc * OHW + oh * d.OW, idx + nc * OHW + oh * d.OW, x + nc * HW, h0, h1, lo,
                   hi, d);
    }
}

void max_pool2d_backward(float* dx, const float* dy, const int64_t* idx, const Pool2dDims& d) {
  const int64_t planes = d.N * d.C, HW = d.H * d.W, OHW = d.OH * d.OW;
#pragma omp parallel for if (parallel_worth(d)) schedule(static)
  for (int64_t nc = 0; nc < planes; ++nc) {
    float* dxp = dx + nc * HW;
    std::fill(dxp, dxp + HW, 0.f);
    const float* g = dy + nc * OHW;
    const int64_t* ix = idx + nc * OHW;
    for (int64_t o = 0; o < OHW; ++o) dxp[ix[o]] += g[o];
  }
}

void avg_pool2d_forward(float* y, const float* x, const Pool2dDims& d) {
  const int64_t planes = d.N * d.C, HW = d.H * d.W, OHW = d.OH * d.OW;
  const float scale = 1.f / static_cast<float>(d.KH * d.KW);
#pragma omp parallel for if (parallel_worth(d)) schedule(static)
  for (int64_t nc = 0; nc < planes; ++nc) {
    const float* xp = x + nc * HW;
    for (int64_t oh = 0; oh < d.OH; ++oh) {
      int64_t h0, h1;
      window(oh, d.SH, d.PH, d.KH, d.H, h0, h1);
      for (int64_t ow = 0; ow < d.OW; ++ow) {
        int64_t w0, w1;
        window(ow, d.SW, d.PW, d.KW, d.W, w0, w1);
        float s = 0.f;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) s += xp[ih * d.W + iw];
        y[nc * OHW + oh * d.OW + ow] = s * scale;
      }
    }
  }
}

void avg_pool2d_backward(float* dx, const float* dy, const Pool2dDims& d) {
  const int64_t planes = d.N * d.C, HW = d.H * d.W, OHW = d.OH * d.OW;
  const float scale = 1.f / static_cast<float>(d.KH * d.KW);
#pragma omp parallel for if (parallel_worth(d)) schedule(static)
  for (int64_t nc = 0; nc < planes; ++nc) {
    float* dxp = dx + nc * HW;
    std::fill(dxp, dxp + HW, 0.f);
    for (int64_t oh = 0; oh < d.OH; ++oh) {
      int64_t h0, h1;
      window(oh, d.SH, d.PH, d.KH, d.H, h0, h1);
      for (int64_t ow = 0; ow < d.OW; ++ow) {
        int64_t w0, w1;
        window(ow, d.SW, d.PW, d.KW, d.W, w0, w1);
        const float g = dy[nc * OHW + oh * d.OW + ow] * scale;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) dxp[ih * d.W + iw] += g;
      }
    }
  }
}

}  // namespace joule::kernels::cpu
