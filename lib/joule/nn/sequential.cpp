#include "joule/nn/sequential.h"

namespace joule::nn {

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (auto& m : layers_) h = m->forward(h);
  return h;
}

}  // namespace joule::nn
