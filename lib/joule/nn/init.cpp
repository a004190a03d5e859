#include "joule/nn/init.h"

#include <cmath>

#include "joule/autograd/grad_mode.h"

namespace joule::nn::init {

void uniform_(Tensor& t, Generator& gen, float low, float high) {
  NoGradGuard ng;
  t.copy_(Tensor::uniform(t.shape(), gen, low, high).to(t.device()));
}

void normal_(Tensor& t, Generator& gen, float mean, float stddev) {
  NoGradGuard ng;
  t.copy_(Tensor::randn(t.shape(), gen, mean, stddev).to(t.device()));
}

int64_t fan_in(const Tensor& weight) {
  JOULE_CHECK(weight.dim() >= 2, "fan_in: needs a weight of at least 2 dimensions, got ",
              weight.shape());
  return weight.numel() / weight.size(0);
}

void kaiming_uniform_(Tensor& t, Generator& gen, double a) {
  const double bound = std::sqrt(6.0 / ((1.0 + a * a) * static_cast<double>(fan_in(t))));
  uniform_(t, gen, static_cast<float>(-bound), static_cast<float>(bound));
}

void zeros_(Tensor& t) {
  NoGradGuard ng;
  t.fill_(0.f);
}

}  // namespace joule::nn::init
