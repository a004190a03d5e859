#include "cpu/elementwise.h"

#include <cmath>

#include "cpu/parallel.h"

namespace joule::kernels::cpu {

namespace {
template <class Op>
void binary(float* y, const float* a, const float* b, int64_t n, Op op) {
  parallel_chunks(n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) y[i] = op(a[i], b[i]);
  });
}
template <class Op>
void binary_row(float* y, const float* a, const float* row, int64_t M, int64_t N, Op op) {
#pragma omp parallel for if (M * N >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < M; ++i) {
    const float* ai = a + i * N;
    float* yi = y + i * N;
#pragma omp simd
    for (int64_t j = 0; j < N; ++j) yi[j] = op(ai[j], row[j]);
  }
}
template <class Op>
void unary(float* y, const float* x, int64_t n, Op op) {
  parallel_chunks(n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) y[i] = op(x[i]);
  });
}
}  // namespace

void add(float* y, const float* a, const float* b, int64_t n) { binary(y, a, b, n, [](float p, float q) { return p + q; }); }
void sub(float* y, const float* a, const float* b, int64_t n) { binary(y, a, b, n, [](float p, float q) { return p - q; }); }
void mul(float* y, const float* a, const float* b, int64_t n) { binary(y, a, b, n, [](float p, float q) { return p * q; }); }
void div(float* y, const float* a, const float* b, int64_t n) { binary(y, a, b, n, [](float p, float q) { return p / q; }); }

void add_row(float* y, const float* a, const float* row, int64_t M, int64_t N) { binary_row(y, a, row, M, N, [](float p, float q) { return p + q; }); }
void sub_row(float* y, const float* a, const float* row, int64_t M, int64_t N) { binary_row(y, a, row, M, N, [](float p, float q) { return p - q; }); }
void mul_row(float* y, const float* a, const float* row, int64_t M, int64_t N) { binary_row(y, a, row, M, N, [](float p, float q) { return p * q; }); }
void div_row(float* y, const float* a, const float* row, int64_t M, int64_t N) { binary_row(y, a, row, M, N, [](float p, float q) { return p / q; }); }

void affine(float* y, const float* a, float s, float t, int64_t n) { unary(y, a, n, [s, t](float v) { return v * s + t; }); }

void axpy(float* y, const float* x, float alpha, int64_t n) {
  binary(y, y, x, n, [alpha](float p, float q) { return p + alpha * q; });
}

void fill(float* y, float value, int64_t n) {
  parallel_chunks(n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) y[i] = value;
  });
}

void fill_rows(float* y, const float* row, int64_t M, int64_t N) {
#pragma omp parallel for if (M * N >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < M; ++i)
#pragma omp simd
    for (int64_t j = 0; j < N; ++j) y[i * N + j] = row[j];
}

void exp(float* y, const float* x, int64_t n) { unary(y, x, n, [](float v) { return std::exp(v); }); }
void log(float* y, const float* x, int64_t n) { unary(y, x, n, [](float v) { return std::log(v); }); }

}  // namespace joule::kernels::cpu
