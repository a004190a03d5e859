// Internal to checkpoints: a Tensor as an HDF5 dataset and back. The dataset has the tensor's
// shape and dtype (float32 or int64, little-endian) and is chunked with a Fletcher32 checksum, so
// a flipped bit in the file is an error on load rather than a silently different weight.
#pragma once

#include <string>

#include "joule/core/tensor.h"
#include "joule/io/hdf5_util.h"

namespace joule::io::detail {

// Writes `t` (any device; copied to the host) as dataset `name` under `parent`.
h5::Dataset write_tensor(hid_t parent, const std::string& name, const Tensor& t);

// Whether a dataset of `info` can be read into a tensor of `shape` and `dtype` unchanged.
bool fits(const h5::ArrayInfo& info, const Shape& shape, DType dtype);

// "[4, 3] float32"
std::string tensor_str(const Shape& shape, DType dtype);

// The dataset as a new CPU tensor of `shape` and `dtype` (check fits() first).
Tensor read_tensor(hid_t dataset, const Shape& shape, DType dtype);

}  // namespace joule::io::detail
