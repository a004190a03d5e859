// Splitting a loop over n elements across OpenMP threads.
#pragma once

#include <omp.h>

#include <cstdint>

namespace joule::kernels::cpu {

// Below this many elements an OpenMP region costs more than it saves.
constexpr int64_t kParallelMin = int64_t{1} << 15;

// Calls f(begin, end) on contiguous chunks of [0, n): one per thread when n >= kParallelMin,
// else once on the calling thread. Chunks start on multiples of 16 elements (a cache line), and
// the inner loop inside f is a plain loop the compiler vectorizes.
template <class F>
void parallel_chunks(int64_t n, F f) {
  if (n < kParallelMin || omp_in_parallel()) {
    f(int64_t{0}, n);
    return;
  }
#pragma omp parallel
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t per = ((n + nt - 1) / nt + 15) / 16 * 16;
    const int64_t begin = t * per < n ? t * per : n;
    const int64_t end = begin + per < n ? begin + per : n;
    if (begin < end) f(begin, end);
  }
}

}  // namespace joule::kernels::cpu
