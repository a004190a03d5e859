// Strided copies: one thread per element, which turns its row-major index into the strided
// offset. Shapes and strides travel by value in the kernel's parameters.
#include <string>

#include "cuda/common.cuh"
#include "cuda/copy.h"

namespace joule::kernels::cuda {

namespace {

struct Geometry {
  int64_t shape[kMaxDims];
  int64_t strides[kMaxDims];
  int ndim;
};

Geometry make_geometry(const int64_t* shape, const int64_t* strides, int64_t ndim, int64_t* n,
                       const char* op) {
  if (ndim > kMaxDims) {
    const std::string what = std::string(op) + ": tensors of " + std::to_string(ndim) +
                             " dimensions (more than " + std::to_string(kMaxDims) + ")";
    fail(op, what.c_str(), __FILE__, __LINE__);
  }
  Geometry g{};
  g.ndim = static_cast<int>(ndim);
  *n = 1;
  for (int64_t d = 0; d < ndim; ++d) {
    g.shape[d] = shape[d];
    g.strides[d] = strides[d];
    *n *= shape[d];
  }
  return g;
}

// The strided offset of row-major element i.
__device__ int64_t offset_of(int64_t i, const Geometry& g) {
  int64_t off = 0;
  for (int d = g.ndim - 1; d >= 0; --d) {
    const int64_t size = g.shape[d];
    off += (i % size) * g.strides[d];
    i /= size;
  }
  return off;
}

// dst (n, contiguous) = src viewed with g
template <class T>
__global__ void strided_copy_kernel(T* dst, const T* src, Geometry g, int64_t n) {
  JOULE_GRID_STRIDE(i, n) dst[i] = src[offset_of(i, g)];
}

// dst viewed with g = src (n, contiguous), or += (atomically: stride-0 dimensions make several
// source elements land on one destination)
__global__ void strided_scatter_kernel(float* dst, const float* src, Geometry g, int64_t n,
                                       bool accumulate) {
  JOULE_GRID_STRIDE(i, n) {
    const int64_t off = offset_of(i, g);
    if (accumulate)
      atomicAdd(dst + off, src[i]);
    else
      dst[off] = src[i];
  }
}

}  // namespace

void strided_copy(void* dst, const void* src, const int64_t* shape, const int64_t* src_strides,
                  int64_t ndim, int64_t elem_size, cudaStream_t stream) {
  int64_t n = 0;
  const Geometry g = make_geometry(shape, src_strides, ndim, &n, "strided_copy");
  if (n <= 0) return;
  if (elem_size == 4) {
    strided_copy_kernel<<<blocks_for(n), kThreads, 0, stream>>>(
        static_cast<uint32_t*>(dst), static_cast<const uint32_t*>(src), g, n);
  } else if (elem_size == 8) {
    strided_copy_kernel<<<blocks_for(n), kThreads, 0, stream>>>(
        static_cast<uint64_t*>(dst), static_cast<const uint64_t*>(src), g, n);
  } else {
    const std::string what = "element size " + std::to_string(elem_size) + " (4 or 8 expected)";
    fail("strided_copy", what.c_str(), __FILE__, __LINE__);
  }
  CUDA_CHECK_LAUNCH();
}

void strided_scatter(float* dst, const int64_t* dst_strides, const float* src, const int64_t* shape,
                     int64_t ndim, bool accumulate, cudaStream_t stream) {
  int64_t n = 0;
  const Geometry g = make_geometry(shape, dst_strides, ndim, &n, "strided_scatter");
  if (n <= 0) return;
  strided_scatter_kernel<<<blocks_for(n), kThreads, 0, stream>>>(dst, src, g, n, accumulate);
  CUDA_CHECK_LAUNCH();
}

}  // namespace joule::kernels::cuda
