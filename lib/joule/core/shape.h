// Shape: the sizes of a tensor's dimensions, printed as [2, 3].
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <vector>

namespace joule {

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}

  int64_t dim() const { return static_cast<int64_t>(dims_.size()); }
  int64_t operator[](int64_t i) const { return dims_[static_cast<size_t>(i)]; }
  int64_t& operator[](int64_t i) { return dims_[static_cast<size_t>(i)]; }
  // Size of dimension i; negative i counts from the end (-1 is the last).
  int64_t size(int64_t i) const;
  int64_t numel() const;
  const std::vector<int64_t>& dims() const { return dims_; }
  // Row-major (C-contiguous) strides for these sizes.
  std::vector<int64_t> contiguous_strides() const;
  std::string str() const;

  bool operator==(const Shape& o) const { return dims_ == o.dims_; }
  bool operator!=(const Shape& o) const { return dims_ != o.dims_; }

 private:
  std::vector<int64_t> dims_;
};

std::ostream& operator<<(std::ostream& os, const Shape& s);

// Wraps a possibly negative dimension index into [0, ndim); throws naming `op` when out of range.
int64_t wrap_dim(int64_t d, int64_t ndim, const char* op);

}  // namespace joule
