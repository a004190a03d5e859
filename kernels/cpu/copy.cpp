// Strided copies: the innermost dimension is copied as a run when it is contiguous; outer indices
// are walked per row, rows split across threads.
#include "cpu/copy.h"

#include <cstring>
#include <vector>

#include "cpu/parallel.h"

namespace joule::kernels::cpu {

namespace {
// Offset of row `r` (a linear index over all dimensions but the last) under `strides`.
int64_t row_offset(int64_t r, const int64_t* shape, const int64_t* strides, int64_t ndim) {
  int64_t off = 0;
  for (int64_t d = ndim - 2; d >= 0; --d) {
    off += (r % shape[d]) * strides[d];
    r /= shape[d];
  }
  return off;
}
}  // namespace

void strided_copy(void* dst, const void* src, const int64_t* shape, const int64_t* src_strides,
                  int64_t ndim, int64_t elem_size) {
  if (ndim == 0) {
    std::memcpy(dst, src, static_cast<size_t>(elem_size));
    return;
  }
  const int64_t inner = shape[ndim - 1];
  const int64_t inner_stride = src_strides[ndim - 1];
  int64_t rows = 1;
  for (int64_t d = 0; d < ndim - 1; ++d) rows *= shape[d];
  auto* d = static_cast<char*>(dst);
  const auto* s = static_cast<const char*>(src);
#pragma omp parallel for if (rows * inner >= kParallelMin) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const char* sr = s + row_offset(r, shape, src_strides, ndim) * elem_size;
    char* dr = d + r * inner * elem_size;
    if (inner_stride == 1) {
      std::memcpy(dr, sr, static_cast<size_t>(inner * elem_size));
    } else {
      for (int64_t j = 0; j < inner; ++j)
        std::memcpy(dr + j * elem_size, sr + j * inner_stride * elem_size,
                    static_cast<size_t>(elem_size));
    }
  }
}

void strided_scatter(float* dst, const int64_t* dst_strides, const float* src,
                     const int64_t* shape, int64_t ndim, bool accumulate) {
  // Several source rows may add into one destination row, so this stays on one thread.
  if (ndim == 0) {
    dst[0] = accumulate ? dst[0] + src[0] : src[0];
    return;
  }
  const int64_t inner = shape[ndim - 1];
  const int64_t inner_stride = dst_strides[ndim - 1];
  int64_t rows = 1;
  for (int64_t d = 0; d < ndim - 1; ++d) rows *= shape[d];
  for (int64_t r = 0; r < rows; ++r) {
    float* dr = dst + row_offset(r, shape, dst_strides, ndim);
    const float* sr = src + r * inner;
    if (accumulate)
      for (int64_t j = 0; j < inner; ++j) dr[j * inner_stride] += sr[j];
    else
      for (int64_t j = 0; j < inner; ++j) dr[j * inner_stride] = sr[j];
  }
}

}  // namespace joule::kernels::cpu
