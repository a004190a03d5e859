// Checkpoints of quantized models: int8 weights, their per-channel scales and zero points and the
// float biases as HDF5 datasets, one group per layer, the activations' scales and zero points as
// attributes (lib/joule/io/LAYOUT.md, "Quantized models", has the table and an h5py example).
#pragma once

#include <memory>
#include <string>

#include "joule/quant/modules.h"

namespace joule::quant {

// Writes `model` to `path` atomically (a temp file renamed over it).
void save_quantized(const std::string& path, const QuantizedModel& model);
// Reads a file save_quantized wrote. Throws naming the file and the group or dataset at fault.
std::shared_ptr<QuantizedModel> load_quantized(const std::string& path);

}  // namespace joule::quant
