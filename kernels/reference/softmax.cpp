#include "reference/softmax.h"

#include <cmath>

namespace joule::kernels::ref {

namespace {
// log(sum(exp(row))) computed stably in double
double log_sum_exp(const float* row, int64_t N) {
  double mx = row[0];
  for (int64_t j = 1; j < N; ++j) mx = row[j] > mx ? row[j] : mx;
  double s = 0;
  for (int64_t j = 0; j < N; ++j) s += std::exp(row[j] - mx);
  return mx + std::log(s);
}
}  // namespace

void softmax_forward(float* y, const float* x, int64_t M, int64_t N) {
  for (int64_t i = 0; i < M; ++i) {
    const double lse = log_sum_exp(x + i * N, N);
    for (int64_t j = 0; j < N; ++j) y[i * N + j] = static_cast<float>(std::exp(x[i * N + j] - lse));
  }
}

void softmax_backward(float* dx, const float* dy, const float* y, int64_t M, int64_t N) {
  for (int64_t i = 0; i < M; ++i) {
    double dot = 0;
    for (int64_t j = 0; j < N; ++j) dot += dy[i * N + j] * y[i * N + j];
    for (int64_t j = 0; j < N; ++j)
      dx[i * N + j] = static_cast<float>(y[i * N + j] * (dy[i * N + j] - dot));
  }
}

void log_softmax_forward(float* y, const float* x, int64_t M, int64_t N) {
  for (int64_t i = 0; i < M; ++i) {
    const double lse = log_sum_exp(x + i * N, N);
    for (int64_t j = 0; j < N; ++j) y[i * N + j] = static_cast<float>(x[i * N + j] - lse);
  }
}

void log_softmax_backward(float* dx, const float* dy, const float* y, int64_t M, int64_t N) {
  for (int64_t i = 0; i < M; ++i) {
    double s = 0;
    for (int64_t j = 0; j < N; ++j) s += dy[i * N + j];
    for (int64_t j = 0; j < N; ++j)
      dx[i * N + j] = static_cast<float>(dy[i * N + j] - std::exp(y[i * N + j]) * s);
  }
}

void cross_entropy_forward(float* loss, int64_t* first_bad, float* probs, const float* logits,
                           const int64_t* labels, int64_t M, int64_t N) {
  double total = 0;
  *first_bad = M;
  for (int64_t i = 0; i < M; ++i) {
    const double lse = log_sum_exp(logits + i * N, N);
    for (int64_t j = 0; j < N; ++j)
      probs[i * N + j] = static_cast<float>(std::exp(logits[i * N + j] - lse));
    const int64_t y = labels[i];
    if (y >= 0 && y < N) total += lse - logits[i * N + y];
    else if (*first_bad == M) *first_bad = i;
  }
  *loss = static_cast<float>(total / static_cast<double>(M));
}

void cross_entropy_backward(float* dlogits, const float* probs, const int64_t* labels,
                            const float* upstream, float scale, int64_t M, int64_t N) {
  const float s = upstream ? *upstream * scale : scale;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j)
      dlogits[i * N + j] = (probs[i * N + j] - (j == labels[i] ? 1.f : 0.f)) * s;
}

void mse_forward(float* loss, const float* a, const float* b, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(a[i] - b[i]) * (a[i] - b[i]);
  *loss = static_cast<float>(s / static_cast<double>(n));
}

void mse_backward(float* da, const float* a, const float* b, const float* upstream, float scale,
                  int64_t n) {
  const float s = upstream ? *upstream * scale : scale;
  for (int64_t i = 0; i < n; ++i) da[i] = 2.f * (a[i] - b[i]) * s;
}

}  // namespace joule::kernels::ref
