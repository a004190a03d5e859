#include "cpu/softmax.h"

#include <algorithm>
#include <cmath>

#include "cpu/parallel.h"

namespace joule::kernels::cpu {

namespace {
// Row max and sum(exp(row - max)): the two passes of a stable softmax. The sum is kept in double
// so that wide rows (a vocabulary of 50k) lose none of their small terms.
inline void row_max_sumexp(const float* r, int64_t N, float& mx, float& s) {
  mx = r[0];
  for (int64_t j = 1; j < N; ++j) mx = r[j] > mx ? r[j] : mx;
  double acc = 0;
  for (int64_t j = 0; j < N; ++j) acc += std::exp(r[j] - mx);
  s = static_cast<float>(acc);
}
}  // namespace

void softmax_forward(float* y, const float* x, int64_t M, int64_t N) {
#pragma omp parallel for if (M * N >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < M; ++i) {
    const float* r = x + i * N;
    float* o = y + i * N;
    float mx = r[0];
    for (int64_t j = 1; j < N; ++j) mx = r[j] > mx ? r[j] : mx;
    double s = 0;
    for (int64_t j = 0; j < N; ++j) s += (o[j] = std::exp(r[j] - mx));
    const float inv = static_cast<float>(1.0 / s);
    for (int64_t j = 0; j < N; ++j) o[j] *= inv;
  }
}

void softmax_backward(float* dx, const float* dy, const float* y, int64_t M, int64_t N) {
#pragma omp parallel for if (M * N >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < M; ++i) {
    const float* g = dy + i * N;
    const float* p = y + i * N;
    double dot = 0;
    for (int64_t j = 0; j < N; ++j) dot += g[j] * p[j];
    const float d = static_cast<float>(dot);
    for (int64_t j = 0; j < N; ++j) dx[i * N + j] = p[j] * (g[j] - d);
  }
}

void log_softmax_forward(float* y, const float* x, int64_t M, int64_t N) {
#pragma omp parallel for if (M * N >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < M; ++i) {
    float mx, s;
    row_max_sumexp(x + i * N, N, mx, s);
    const float lse = mx + std::log(s);
    for (int64_t j = 0; j < N; ++j) y[i * N + j] = x[i * N + j] - lse;
  }
}

void log_softmax_backward(float* dx, const float* dy, const float* y, int64_t M, int64_t N) {
#pragma omp parallel for if (M * N >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < M; ++i) {
    double acc = 0;
    for (int64_t j = 0; j < N; ++j) acc += dy[i * N + j];
    const float s = static_cast<float>(acc);
    for (int64_t j = 0; j < N; ++j) dx[i * N + j] = dy[i * N + j] - std::exp(y[i * N + j]) * s;
  }
}

void cross_entropy_forward(float* loss, int64_t* first_bad, float* probs, const float* logits,
                           const int64_t* labels, int64_t M, int64_t N) {
  double total = 0;
  int64_t bad = M;
#pragma omp parallel for reduction(+ : total) reduction(min : bad) if (M * N >= kParallelMin) \
    schedule(static)
  for (int64_t i = 0; i < M; ++i) {
    const float* r = logits + i * N;
    float* p = probs + i * N;
    float mx, s;
    row_max_sumexp(r, N, mx, s);
    const float inv = 1.f / s;
    for (int64_t j = 0; j < N; ++j) p[j] = std::exp(r[j] - mx) * inv;
    const int64_t y = labels[i];
    if (y < 0 || y >= N) bad = std::min(bad, i);
    else total += static_cast<double>(mx + std::log(s) - r[y]);
  }
  *loss = static_cast<float>(total / static_cast<double>(M));
  *first_bad = bad;
}

void cross_entropy_backward(float* dlogits, const float* probs, const int64_t* labels,
                            const float* upstream, float scale, int64_t M, int64_t N) {
  const float s = upstream ? *upstream * scale : scale;
#pragma omp parallel for if (M * N >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) dlogits[i * N + j] = probs[i * N + j] * s;
    const int64_t y = labels[i];
    if (y >= 0 && y < N) dlogits[i * N + y] -= s;
  }
}

void mse_forward(float* loss, const float* a, const float* b, int64_t n) {
  double s = 0;
#pragma omp parallel for simd reduction(+ : s) if (n >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const float d = a[i] - b[i];
    s += static_cast<double>(d * d);
  }
  *loss = static_cast<float>(s / static_cast<double>(n));
}

void mse_backward(float* da, const float* a, const float* b, const float* upstream, float scale,
                  int64_t n) {
  const float s2 = 2.f * (upstream ? *upstream * scale : scale);
#pragma omp parallel for simd if (n >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < n; ++i) da[i] = (a[i] - b[i]) * s2;
}

}  // namespace joule::kernels::cpu
