#include "reference/elementwise.h"

#include <cmath>

namespace joule::kernels::ref {

void add(float* y, const float* a, const float* b, int64_t n) { for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i]; }
void sub(float* y, const float* a, const float* b, int64_t n) { for (int64_t i = 0; i < n; ++i) y[i] = a[i] - b[i]; }
void mul(float* y, const float* a, const float* b, int64_t n) { for (int64_t i = 0; i < n; ++i) y[i] = a[i] * b[i]; }
void div(float* y, const float* a, const float* b, int64_t n) { for (int64_t i = 0; i < n; ++i) y[i] = a[i] / b[i]; }

void add_row(float* y, const float* a, const float* row, int64_t M, int64_t N) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) y[i * N + j] = a[i * N + j] + row[j];
}
void sub_row(float* y, const float* a, const float* row, int64_t M, int64_t N) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) y[i * N + j] = a[i * N + j] - row[j];
}
void mul_row(float* y, const float* a, const float* row, int64_t M, int64_t N) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) y[i * N + j] = a[i * N + j] * row[j];
}
void div_row(float* y, const float* a, const float* row, int64_t M, int64_t N) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) y[i * N + j] = a[i * N + j] / row[j];
}

void affine(float* y, const float* a, float s, float t, int64_t n) { for (int64_t i = 0; i < n; ++i) y[i] = a[i] * s + t; }
void axpy(float* y, const float* x, float alpha, int64_t n) { for (int64_t i = 0; i < n; ++i) y[i] += alpha * x[i]; }
void fill(float* y, float value, int64_t n) { for (int64_t i = 0; i < n; ++i) y[i] = value; }

void fill_rows(float* y, const float* row, int64_t M, int64_t N) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) y[i * N + j] = row[j];
}

void exp(float* y, const float* x, int64_t n) { for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i]); }
void log(float* y, const float* x, int64_t n) { for (int64_t i = 0; i < n; ++i) y[i] = std::log(x[i]); }

}  // namespace joule::kernels::ref
