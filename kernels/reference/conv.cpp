// The direct convolution, one output (or input, or weight) element at a time, summed in double:
// the ground truth for the im2col + GEMM kernels in kernels/cpu/conv.cpp.
#include "reference/conv.h"

namespace joule::kernels::ref {

namespace {
// The input row (or column) that kernel tap k of output position o reads; may lie in the padding.
int64_t input_pos(int64_t o, int64_t k, int64_t stride, int64_t pad, int64_t dilation) {
  return o * stride - pad + k * dilation;
}
}  // namespace

void conv2d_forward(float* y, const float* x, const float* w, const float* bias,
                    const Conv2dDims& d) {
  const int64_t CG = d.C / d.G, OCG = d.OC / d.G;
  for (int64_t n = 0; n < d.N; ++n)
    for (int64_t oc = 0; oc < d.OC; ++oc) {
      const int64_t c0 = oc / OCG * CG;  // the group's first input channel
      for (int64_t oh = 0; oh < d.OH; ++oh)
        for (int64_t ow = 0; ow < d.OW; ++ow) {
          double s = bias ? bias[oc] : 0.0;
          for (int64_t c = 0; c < CG; ++c)
            for (int64_t kh = 0; kh < d.KH; ++kh)
              for (int64_t kw = 0; kw < d.KW; ++kw) {
                const int64_t ih = input_pos(oh, kh, d.SH, d.PH, d.DH);
                const int64_t iw = input_pos(ow, kw, d.SW, d.PW, d.DW);
                if (ih < 0 || ih >= d.H || iw < 0 || iw >= d.W) continue;
                s += static_cast<double>(x[((n * d.C + c0 + c) * d.H + ih) * d.W + iw]) *
                     w[((oc * CG + c) * d.KH + kh) * d.KW + kw];
              }
          y[((n * d.OC + oc) * d.OH + oh) * d.OW + ow] = static_cast<float>(s);
        }
    }
}

// dx[n, c, ih, iw] = sum over the (oc, kh, kw, oh, ow) whose tap lands on (ih, iw).
void conv2d_backward_input(float* dx, const float* dy, const float* w, const Conv2dDims& d) {
  const int64_t CG = d.C / d.G, OCG = d.OC / d.G;
  for (int64_t n = 0; n < d.N; ++n)
    for (int64_t c = 0; c < d.C; ++c) {
      const int64_t g = c / CG;
      for (int64_t ih = 0; ih < d.H; ++ih)
        for (int64_t iw = 0; iw < d.W; ++iw) {
          double s = 0;
          for (int64_t oc = g * OCG; oc < (g + 1) * OCG; ++oc)
            for (int64_t kh = 0; kh < d.KH; ++kh)
              for (int64_t kw = 0; kw < d.KW; ++kw) {
                // ih = oh SH - PH + kh DH  <=>  oh = (ih + PH - kh DH) / SH when it divides
                const int64_t th = ih + d.PH - kh * d.DH, tw = iw + d.PW - kw * d.DW;
                if (th < 0 || tw < 0 || th % d.SH != 0 || tw % d.SW != 0) continue;
                const int64_t oh = th / d.SH, ow = tw / d.SW;
                if (oh >= d.OH || ow >= d.OW) continue;
                s += static_cast<double>(dy[((n * d.OC + oc) * d.OH + oh) * d.OW + ow]) *
                     w[((oc * CG + c - g * CG) * d.KH + kh) * d.KW + kw];
              }
          dx[((n * d.C + c) * d.H + ih) * d.W + iw] = static_cast<float>(s);
        }
    }
}

void conv2d_backward_weight(float* dw, const float* dy, const float* x, const Conv2dDims& d) {
  const int64_t CG = d.C / d.G, OCG = d.OC / d.G;
  for (int64_t oc = 0; oc < d.OC; ++oc) {
    const int64_t c0 = oc / OCG * CG;
    for (int64_t c = 0; c < CG; ++c)
      for (int64_t kh = 0; kh < d.KH; ++kh)
        for (int64_t kw = 0; kw < d.KW; ++kw) {
          double s = 0;
          for (int64_t n = 0; n < d.N; ++n)
            for (int64_t oh = 0; oh < d.OH; ++oh)
              for (int64_t ow = 0; ow < d.OW; ++ow) {
                const int64_t ih = input_pos(oh, kh, d.SH, d.PH, d.DH);
                const int64_t iw = input_pos(ow, kw, d.SW, d.PW, d.DW);
                if (ih < 0 || ih >= d.H || iw < 0 || iw >= d.W) continue;
                s += static_cast<double>(dy[((n * d.OC + oc) * d.OH + oh) * d.OW + ow]) *
                     x[((n * d.C + c0 + c) * d.H + ih) * d.W + iw];
              }
          dw[((oc * CG + c) * d.KH + kh) * d.KW + kw] = static_cast<float>(s);
        }
  }
}

void conv2d_backward_bias(float* db, const float* dy, const Conv2dDims& d) {
  const int64_t P = d.OH * d.OW;
  for (int64_t oc = 0; oc < d.OC; ++oc) {
    double s = 0;
    for (int64_t n = 0; n < d.N; ++n)
      for (int64_t p = 0; p < P; ++p) s += dy[(n * d.OC + oc) * P + p];
    db[oc] = static_cast<float>(s);
  }
}

}  // namespace joule::kernels::ref
