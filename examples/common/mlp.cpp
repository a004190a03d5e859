#include "common/mlp.h"

#include "joule/nn/activation.h"
#include "joule/nn/linear.h"

namespace joule::examples {

std::shared_ptr<nn::Sequential> make_mlp(int64_t in, const std::vector<int64_t>& hidden,
                                         int64_t out, Generator& gen, std::string* arch) {
  auto model = std::make_shared<nn::Sequential>();
  std::string widths = std::to_string(in);
  for (int64_t h : hidden) {
    model->push_back(std::make_shared<nn::Linear>(in, h, gen));
    model->push_back(std::make_shared<nn::ReLU>());
    in = h;
    widths.append(1, '-').append(std::to_string(h));
  }
  model->push_back(std::make_shared<nn::Linear>(in, out, gen));
  widths.append(1, '-').append(std::to_string(out));
  if (arch) *arch = widths;
  return model;
}

}  // namespace joule::examples
