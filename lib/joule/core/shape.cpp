#include "joule/core/shape.h"

#include <ostream>

#include "joule/core/check.h"

namespace joule {

int64_t wrap_dim(int64_t d, int64_t ndim, const char* op) {
  JOULE_CHECK(d >= -ndim && d < ndim, op, ": dimension ", d, " is out of range for a tensor with ",
              ndim, " dimensions");
  return d < 0 ? d + ndim : d;
}

int64_t Shape::size(int64_t i) const { return dims_[static_cast<size_t>(wrap_dim(i, dim(), "size"))]; }

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int64_t d : dims_) n *= d;
  return n;
}

std::vector<int64_t> Shape::contiguous_strides() const {
  std::vector<int64_t> st(dims_.size());
  int64_t s = 1;
  for (size_t i = dims_.size(); i-- > 0;) {
    st[i] = s;
    s *= dims_[i];
  }
  return st;
}

std::string Shape::str() const {
  std::string out = "[";
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(dims_[i]);
  }
  return out + "]";
}

std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << s.str(); }

}  // namespace joule
