// Helpers for the kernel tests: seeded random inputs and an elementwise comparison that names the
// first element out of tolerance with both values. Nothing here depends on lib/.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <random>
#include <sstream>
#include <vector>

namespace joule::kernels::test {

// Sizes that cross kernels/cpu/parallel.h's kParallelMin (32768) so that the serial and the
// OpenMP paths both run; none is a multiple of a SIMD width.
inline const std::vector<int64_t> kSizes = {1, 7, 33, 1000, 40001, 70003};

// n values uniform in [lo, hi), reproducible from `seed`.
inline std::vector<float> uniform(int64_t n, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(gen);
  return v;
}

// n values from N(mean, stddev^2), reproducible from `seed`.
inline std::vector<float> normal(int64_t n, uint32_t seed, float mean = 0.f, float stddev = 1.f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(mean, stddev);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(gen);
  return v;
}

// n values with random sign and magnitude in [lo, hi): safe divisors.
inline std::vector<float> away_from_zero(int64_t n, uint32_t seed, float lo = 0.5f,
                                         float hi = 2.f) {
  std::vector<float> v = uniform(n, seed, lo, hi);
  std::mt19937 gen(seed + 1);
  std::bernoulli_distribution flip(0.5);
  for (float& x : v)
    if (flip(gen)) x = -x;
  return v;
}

// An element passes when |got - want| <= abs + rel * |want|. NaN only matches NaN and an
// infinity only matches the same infinity.
struct Tol {
  double abs = 0;
  double rel = 0;
};

// Compares got and want elementwise, element i allowed an absolute error of bound(i); the
// failure names how many elements failed, the first one with both values, and the largest error.
template <class T, class Bound>
::testing::AssertionResult all_within(const T* got, const T* want, int64_t n, Bound bound) {
  int64_t bad = 0, first = -1;
  double worst = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double g = static_cast<double>(got[i]), w = static_cast<double>(want[i]);
    bool ok;
    if (std::isnan(w) || std::isnan(g)) {
      ok = std::isnan(w) && std::isnan(g);
    } else if (std::isinf(w) || std::isinf(g)) {
      ok = g == w;
    } else {
      const double err = std::abs(g - w);
      worst = std::max(worst, err);
      ok = err <= bound(i);
    }
    if (!ok && bad++ == 0) first = i;
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  const double g = static_cast<double>(got[first]), w = static_cast<double>(want[first]);
  std::ostringstream msg;
  msg << std::setprecision(9) << bad << " of " << n
      << " elements out of tolerance; first at index " << first << ": got " << g << ", want "
      << w << " (|diff| " << std::abs(g - w) << ", allowed " << bound(first)
      << "); largest finite |diff| " << worst;
  return ::testing::AssertionFailure() << msg.str();
}

template <class T>
::testing::AssertionResult all_close(const T* got, const T* want, int64_t n, Tol tol) {
  return all_within(got, want, n, [&](int64_t i) {
    return tol.abs + tol.rel * std::abs(static_cast<double>(want[i]));
  });
}

template <class T>
::testing::AssertionResult all_close(const std::vector<T>& got, const std::vector<T>& want,
                                     Tol tol) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure()
           << "sizes differ: got " << got.size() << ", want " << want.size();
  return all_close(got.data(), want.data(), static_cast<int64_t>(got.size()), tol);
}

// Every element finite (no inf, no NaN); names the first one that is not.
inline ::testing::AssertionResult all_finite(const std::vector<float>& v) {
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i]))
      return ::testing::AssertionFailure() << "element " << i << " is " << v[i];
  return ::testing::AssertionSuccess();
}

}  // namespace joule::kernels::test
