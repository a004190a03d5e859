// Pooling window by window, straight from the definitions.
#include "reference/pool.h"

#include <cmath>

namespace joule::kernels::ref {

void max_pool2d_forward(float* y, int64_t* idx, const float* x, const Pool2dDims& d) {
  for (int64_t nc = 0; nc < d.N * d.C; ++nc) {
    const float* xp = x + nc * d.H * d.W;
    for (int64_t oh = 0; oh < d.OH; ++oh)
      for (int64_t ow = 0; ow < d.OW; ++ow) {
        int64_t best = -1;
        for (int64_t kh = 0; kh < d.KH; ++kh)
          for (int64_t kw = 0; kw < d.KW; ++kw) {
            const int64_t ih = oh * d.SH - d.PH + kh, iw = ow * d.SW - d.PW + kw;
            if (ih < 0 || ih >= d.H || iw < 0 || iw >= d.W) continue;
            const int64_t i = ih * d.W + iw;
            if (best < 0 || xp[i] > xp[best] || std::isnan(xp[i]))
              best = i;
          }
        const int64_t o = (nc * d.OH + oh) * d.OW + ow;
        y[o] = xp[best];
        idx[o] = best;
      }
  }
}

void max_pool2d_backward(float* dx, const float* dy, const int64_t* idx, const Pool2dDims& d) {
  for (int64_t i = 0; i < d.N * d.C * d.H * d.W; ++i) dx[i] = 0.f;
  for (int64_t nc = 0; nc < d.N * d.C; ++nc)
    for (int64_t o = 0; o < d.OH * d.OW; ++o)
      dx[nc * d.H * d.W + idx[nc * d.OH * d.OW + o]] += dy[nc * d.OH * d.OW + o];
}

void avg_pool2d_forward(float* y, const float* x, const Pool2dDims& d) {
  for (int64_t nc = 0; nc < d.N * d.C; ++nc)
    for (int64_t oh = 0; oh < d.OH; ++oh)
      for (int64_t ow = 0; ow < d.OW; ++ow) {
        double s = 0;
        for (int64_t kh = 0; kh < d.KH; ++kh)
          for (int64_t kw = 0; kw < d.KW; ++kw) {
            const int64_t ih = oh * d.SH - d.PH + kh, iw = ow * d.SW - d.PW + kw;
            if (ih >= 0 && ih < d.H && iw >= 0 && iw < d.W) s += x[(nc * d.H + ih) * d.W + iw];
          }
        y[(nc * d.OH + oh) * d.OW + ow] = static_cast<float>(s / static_cast<double>(d.KH * d.KW));
      }
}

void avg_pool2d_backward(float* dx, const float* dy, const Pool2dDims& d) {
  for (int64_t i = 0; i < d.N * d.C * d.H * d.W; ++i) dx[i] = 0.f;
  const float scale = 1.f / static_cast<float>(d.KH * d.KW);
  for (int64_t nc = 0; nc < d.N * d.C; ++nc)
    for (int64_t oh = 0; oh < d.OH; ++oh)
      for (int64_t ow = 0; ow < d.OW; ++ow)
        for (int64_t kh = 0; kh < d.KH; ++kh)
          for (int64_t kw = 0; kw < d.KW; ++kw) {
            const int64_t ih = oh * d.SH - d.PH + kh, iw = ow * d.SW - d.PW + kw;
            if (ih >= 0 && ih < d.H && iw >= 0 && iw < d.W)
              dx[(nc * d.H + ih) * d.W + iw] += dy[(nc * d.OH + oh) * d.OW + ow] * scale;
          }
}

}  // namespace joule::kernels::ref
