#include "joule/nn/linear.h"

#include <cmath>

#include "joule/nn/init.h"
#include "joule/ops/linalg.h"

namespace joule::nn {

Linear::Linear(const LinearOptions& o, Generator& gen) : options_(o) {
  JOULE_CHECK(o.in > 0 && o.out > 0, "Linear: sizes must be positive, got in=", o.in, " out=",
              o.out);
  Tensor w = Tensor::empty(Shape{o.out, o.in});
  init::kaiming_uniform_(w, gen, std::sqrt(5.0));
  weight_ = register_parameter("weight", w);
  if (o.bias) {
    Tensor b = Tensor::empty(Shape{o.out});
    const float bound = 1.f / std::sqrt(static_cast<float>(o.in));
    init::uniform_(b, gen, -bound, bound);
    bias_ = register_parameter("bias", b);
  }
}

Tensor Linear::forward(const Tensor& x) { return linear(x, weight_, bias_); }

std::string Linear::repr() const {
  return "Linear(in=" + std::to_string(options_.in) + ", out=" + std::to_string(options_.out) +
         ", bias=" + (options_.bias ? "true" : "false") + ")";
}

}  // namespace joule::nn
