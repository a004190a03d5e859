#include "joule/nn/dropout.h"

#include <sstream>

#include "joule/ops/dropout.h"

namespace joule::nn {

Dropout::Dropout(double p, uint64_t seed) : p_(p), gen_(seed) {
  JOULE_CHECK(p >= 0.0 && p <= 1.0, "Dropout: p must be in [0, 1], got ", p);
}

Tensor Dropout::forward(const Tensor& x) { return dropout(x, p_, is_training(), gen_); }

std::string Dropout::repr() const {
  std::ostringstream os;
  os << "Dropout(p=" << p_ << ")";
  return os.str();
}

}  // namespace joule::nn
