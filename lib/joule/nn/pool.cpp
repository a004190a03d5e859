#include "joule/nn/pool.h"

#include <sstream>

#include "joule/ops/pool.h"

namespace joule::nn {

namespace {
// Fills in the default stride and checks what the op would only check at the first forward.
Pool2dOptions checked(const char* name, Pool2dOptions o) {
  if (o.stride.h == 0) o.stride.h = o.kernel.h;
  if (o.stride.w == 0) o.stride.w = o.kernel.w;
  JOULE_CHECK(o.kernel.h > 0 && o.kernel.w > 0, name, ": kernel must be positive, got ",
              o.kernel);
  JOULE_CHECK(o.stride.h > 0 && o.stride.w > 0, name, ": stride must be positive, got ",
              o.stride);
  JOULE_CHECK(o.padding.h >= 0 && o.padding.w >= 0 && 2 * o.padding.h <= o.kernel.h &&
                  2 * o.padding.w <= o.kernel.w,
              name, ": padding must be between 0 and half the kernel ", o.kernel, ", got ",
              o.padding);
  return o;
}

std::string pool_repr(const char* name, const Pool2dOptions& o) {
  std::ostringstream os;
  os << name << "(kernel=" << o.kernel << ", stride=" << o.stride << ", padding=" << o.padding
     << ")";
  return os.str();
}
}  // namespace

MaxPool2d::MaxPool2d(const Pool2dOptions& o) : options_(checked("MaxPool2d", o)) {}
Tensor MaxPool2d::forward(const Tensor& x) {
  return max_pool2d(x, options_.kernel, options_.stride, options_.padding);
}
std::string MaxPool2d::repr() const { return pool_repr("MaxPool2d", options_); }

AvgPool2d::AvgPool2d(const Pool2dOptions& o) : options_(checked("AvgPool2d", o)) {}
Tensor AvgPool2d::forward(const Tensor& x) {
  return avg_pool2d(x, options_.kernel, options_.stride, options_.padding);
}
std::string AvgPool2d::repr() const { return pool_repr("AvgPool2d", options_); }

Tensor GlobalAvgPool2d::forward(const Tensor& x) { return global_avg_pool2d(x); }

}  // namespace joule::nn
