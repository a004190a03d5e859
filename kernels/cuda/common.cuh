// Helpers shared by the .cu files: launch sizes, the grid-stride loop, warp and block sums.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "cuda/check.h"
#include "cuda/context.h"

namespace joule::kernels::cuda {

constexpr int kThreads = 256;

// Blocks for a grid-stride loop over n elements: one element per thread up to a cap (each
// thread then loops).
inline unsigned blocks_for(int64_t n, int threads = kThreads) {
  const int64_t b = (n + threads - 1) / threads;
  return static_cast<unsigned>(std::clamp<int64_t>(b, 1, 65535 * 4));
}

template <class T>
__device__ __forceinline__ T warp_sum(T v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  return v;  // complete in lane 0
}

template <class T>
__device__ __forceinline__ T warp_sum_all(T v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;  // complete in every lane
}

template <class T>
__device__ __forceinline__ T warp_max_all(T v) {
  for (int o = 16; o > 0; o >>= 1) {
    const T other = __shfl_xor_sync(0xffffffffu, v, o);
    v = other > v ? other : v;
  }
  return v;
}

// The sum of v over the block, returned to every thread. Every thread of the block must call it.
template <class T>
__device__ T block_sum(T v) {
  __shared__ T partial[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = warp_sum(v);
  __syncthreads();  // a previous call may still be reading partial[0]
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (warp == 0) {
    const int warps = (blockDim.x + 31) >> 5;
    T w = lane < warps ? partial[lane] : T(0);
    w = warp_sum(w);
    if (lane == 0) partial[0] = w;
  }
  __syncthreads();
  return partial[0];
}

}  // namespace joule::kernels::cuda

// for (int64_t i = first index of this thread; i < n; i += all threads of the grid)
#define JOULE_GRID_STRIDE(i, n)                                                          \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < (n); \
       i += static_cast<int64_t>(blockDim.x) * gridDim.x)

// One warp per row: declares `lane` (0..31) and loops r over the rows [0, R) of this warp. Every
// lane of a warp sees the same r, so warp shuffles inside the loop are safe. Needs a block size
// that is a multiple of 32.
#define JOULE_FOR_EACH_WARP_ROW(r, R)                                                           \
  const int lane = threadIdx.x & 31;                                                            \
  for (int64_t r = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / 32; r < (R); \
       r += static_cast<int64_t>(blockDim.x) * gridDim.x / 32)
