// The int8 recipes the examples and benchmarks share (quantize, deploy, bench/inference): static
// post-training quantization calibrated on shuffled training batches, and quantization-aware
// training with an example's recipe, each returning the converted int8 model.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/recipes.h"
#include "datasets/dataset.h"
#include "joule/nn/sequential.h"
#include "joule/quant/convert.h"
#include "joule/quant/modules.h"

namespace joule::examples {

// Static PTQ of `model` with `observer`, calibrated on the first `batches` (at most all) shuffled
// batches of 256 training examples (`seed`). *used (may be null) receives the batches used.
std::shared_ptr<quant::QuantizedModel> ptq_static(const nn::Sequential& model,
                                                  const data::Dataset& train,
                                                  quant::ObserverKind observer, int64_t batches,
                                                  uint64_t seed, int64_t* used = nullptr);

// Quantization-aware training of `model` (its weights are shared and trained) with `recipe`
// (fit_recipe: one `<prefix> epoch= test_acc=` line per epoch), then converted to int8.
std::shared_ptr<quant::QuantizedModel> qat_int8(const nn::Sequential& model,
                                                const data::Dataset& train,
                                                const data::Dataset& test, const Recipe& recipe,
                                                uint64_t seed, const std::string& prefix);

}  // namespace joule::examples
