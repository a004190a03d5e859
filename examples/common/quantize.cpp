#include "common/quantize.h"

#include <algorithm>

#include "datasets/dataloader.h"
#include "joule/quant/qat.h"

namespace joule::examples {

std::shared_ptr<quant::QuantizedModel> ptq_static(const nn::Sequential& model,
                                                  const data::Dataset& train,
                                                  quant::ObserverKind observer, int64_t batches,
                                                  uint64_t seed, int64_t* used) {
  quant::StaticQuantizer ptq(model, {.observer = observer});
  data::DataLoader calib(train, {.batch_size = 256, .shuffle = true, .seed = seed});
  const int64_t nb = std::min(batches, calib.num_batches());
  for (int64_t b = 0; b < nb; ++b) ptq.calibrate(calib.batch(b).x);
  if (used) *used = nb;
  return ptq.convert();
}

std::shared_ptr<quant::QuantizedModel> qat_int8(const nn::Sequential& model,
                                                const data::Dataset& train,
                                                const data::Dataset& test, const Recipe& recipe,
                                                uint64_t seed, const std::string& prefix) {
  auto qat = quant::prepare_qat(model);
  qat->train();
  fit_recipe(*qat, train, test, recipe, seed, prefix);
  qat->eval();
  return quant::convert_qat(*qat, train.features.slice_rows(0, 1));
}

}  // namespace joule::examples
