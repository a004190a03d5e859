#include "joule/nn/conv.h"

#include <cmath>
#include <sstream>

#include "joule/nn/init.h"

namespace joule::nn {

Conv2d::Conv2d(const Conv2dOptions& o, Generator& gen) : options_(o) {
  JOULE_CHECK(o.in > 0 && o.out > 0, "Conv2d: channels must be positive, got in=", o.in,
              " out=", o.out);
  JOULE_CHECK(o.kernel.h > 0 && o.kernel.w > 0, "Conv2d: kernel must be positive, got ",
              o.kernel);
  JOULE_CHECK(o.groups > 0 && o.in % o.groups == 0 && o.out % o.groups == 0, "Conv2d: groups (",
              o.groups, ") must divide in (", o.in, ") and out (", o.out, ")");
  Tensor w = Tensor::empty(Shape{o.out, o.in / o.groups, o.kernel.h, o.kernel.w});
  init::kaiming_uniform_(w, gen, std::sqrt(5.0));
  weight_ = register_parameter("weight", w);
  if (o.bias) {
    Tensor b = Tensor::empty(Shape{o.out});
    const float bound = 1.f / std::sqrt(static_cast<float>(init::fan_in(w)));
    init::uniform_(b, gen, -bound, bound);
    bias_ = register_parameter("bias", b);
  }
}

Tensor Conv2d::forward(const Tensor& x) {
  return conv2d(x, weight_, bias_,
                {options_.stride, options_.padding, options_.dilation, options_.groups});
}

std::string Conv2d::repr() const {
  const Conv2dOptions& o = options_;
  std::ostringstream os;
  os << "Conv2d(in=" << o.in << ", out=" << o.out << ", kernel=" << o.kernel
     << ", stride=" << o.stride << ", padding=" << o.padding;
  if (o.dilation != Size2(1)) os << ", dilation=" << o.dilation;
  if (o.groups != 1) os << ", groups=" << o.groups;
  os << ", bias=" << (o.bias ? "true" : "false") << ")";
  return os.str();
}

}  // namespace joule::nn
