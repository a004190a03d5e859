#include "reference/copy.h"

#include <cstring>
#include <vector>

namespace joule::kernels::ref {

namespace {
// Calls f(linear index, strided offset) for every element of `shape` in row-major order.
template <class F>
void for_each_index(const int64_t* shape, const int64_t* strides, int64_t ndim, F f) {
  int64_t n = 1;
  for (int64_t d = 0; d < ndim; ++d) n *= shape[d];
  std::vector<int64_t> idx(static_cast<size_t>(ndim), 0);
  int64_t off = 0;
  for (int64_t i = 0; i < n; ++i) {
    f(i, off);
    for (int64_t d = ndim - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) {
        off += strides[d];
        break;
      }
      off -= strides[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
}
}  // namespace

void strided_copy(void* dst, const void* src, const int64_t* shape, const int64_t* src_strides,
                  int64_t ndim, int64_t elem_size) {
  auto* d = static_cast<char*>(dst);
  const auto* s = static_cast<const char*>(src);
  for_each_index(shape, src_strides, ndim, [&](int64_t i, int64_t off) {
    std::memcpy(d + i * elem_size, s + off * elem_size, static_cast<size_t>(elem_size));
  });
}

void strided_scatter(float* dst, const int64_t* dst_strides, const float* src,
                     const int64_t* shape, int64_t ndim, bool accumulate) {
  for_each_index(shape, dst_strides, ndim, [&](int64_t i, int64_t off) {
    dst[off] = accumulate ? dst[off] + src[i] : src[i];
  });
}

}  // namespace joule::kernels::ref
