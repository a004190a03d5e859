#include "common/cnn.h"

#include "joule/io/checkpoint.h"
#include "joule/nn/activation.h"
#include "joule/nn/conv.h"
#include "joule/nn/dropout.h"
#include "joule/nn/linear.h"
#include "joule/nn/norm.h"
#include "joule/nn/pool.h"

namespace joule::examples {

Cnn make_cnn(const CnnOptions& options, Generator& gen, uint64_t seed) {
  Cnn c;
  c.model = std::make_shared<nn::Sequential>();
  auto& m = *c.model;
  m.push_back(std::make_shared<nn::Unflatten>(1, Shape{1, 28, 28}));
  int64_t channels = 1;
  for (int64_t out : {16, 32}) {
    m.push_back(std::make_shared<nn::Conv2d>(
        nn::Conv2dOptions{.in = channels, .out = out, .kernel = 5, .padding = 2}, gen));
    if (options.batchnorm) m.push_back(std::make_shared<nn::BatchNorm2d>(out));
    m.push_back(std::make_shared<nn::ReLU>());
    m.push_back(std::make_shared<nn::MaxPool2d>(nn::Pool2dOptions{.kernel = 2}));
    channels = out;
  }
  m.push_back(std::make_shared<nn::Flatten>());
  m.push_back(std::make_shared<nn::Linear>(channels * 7 * 7, 128, gen));
  m.push_back(std::make_shared<nn::ReLU>());
  if (options.dropout > 0) {
    auto d = m.push_back(std::make_shared<nn::Dropout>(options.dropout, seed));
    c.generators.emplace_back("dropout", &d->generator());
  }
  m.push_back(std::make_shared<nn::Linear>(128, options.classes, gen));
  return c;
}

CnnOptions cnn_options_of(const std::string& checkpoint) {
  nn::Sequential nothing;  // loads no tensor: only the training state is wanted
  io::TrainingState state;
  io::load_checkpoint(checkpoint, nothing, nullptr, &state,
                      {.strict = false, .load_optimizer = false});
  CnnOptions o;
  for (const auto& [k, v] : state.attributes) {
    if (k == "batchnorm") o.batchnorm = v == "1";
    if (k == "dropout") o.dropout = std::stod(v);
  }
  return o;
}

}  // namespace joule::examples
