#include "joule/io/tensor_io.h"

#include <algorithm>
#include <vector>

#include "joule/autograd/grad_mode.h"

namespace joule::io::detail {

namespace {

// Chunks stay under 1 GiB (HDF5's limit is 4 GiB): the leading dimensions shrink until one fits.
constexpr int64_t kMaxChunkBytes = int64_t{1} << 30;

std::vector<hsize_t> chunk_dims(const std::vector<int64_t>& dims, int64_t element_bytes) {
  std::vector<int64_t> chunk = dims;
  int64_t elems = 1;
  for (int64_t d : dims) elems *= d;
  for (size_t d = 0; d < chunk.size() && elems * element_bytes > kMaxChunkBytes; ++d) {
    const int64_t per_unit = elems / chunk[d];  // elements per index of dimension d
    chunk[d] = std::clamp<int64_t>(kMaxChunkBytes / (per_unit * element_bytes), 1, chunk[d]);
    elems = per_unit * chunk[d];
  }
  return std::vector<hsize_t>(chunk.begin(), chunk.end());
}

hid_t memory_type(DType dtype) {
  return dtype == DType::Float32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_INT64;
}

}  // namespace

h5::Dataset write_tensor(hid_t parent, const std::string& name, const Tensor& t) {
  NoGradGuard no_grad;
  const Tensor host = t.detach().to(Device::cpu()).contiguous();
  const std::vector<int64_t>& dims = host.shape().dims();
  h5::PropList dcpl{h5::check(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate", {parent, name})};
  // A scalar or an empty tensor cannot be chunked; it is stored contiguous, without a checksum.
  if (!dims.empty() && host.numel() > 0) {
    const std::vector<hsize_t> chunk =
        chunk_dims(dims, static_cast<int64_t>(element_size(host.dtype())));
    h5::check(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()), "H5Pset_chunk",
              {parent, name});
    h5::check(H5Pset_fletcher32(dcpl), "H5Pset_fletcher32", {parent, name});
  }
  const hid_t file_type = host.dtype() == DType::Float32 ? H5T_IEEE_F32LE : H5T_STD_I64LE;
  return h5::write_array(parent, name, file_type, memory_type(host.dtype()), dims,
                         host.numel() > 0 ? host.raw_data() : nullptr, dcpl);
}

bool fits(const h5::ArrayInfo& info, const Shape& shape, DType dtype) {
  const bool type_ok = dtype == DType::Float32
                           ? info.is_float(4)
                           : info.is_integer() && info.type_size == 8 && info.is_signed;
  return type_ok && info.dims == shape.dims();
}

std::string tensor_str(const Shape& shape, DType dtype) {
  return shape.str() + " " + dtype_name(dtype);
}

Tensor read_tensor(hid_t dataset, const Shape& shape, DType dtype) {
  Tensor t = Tensor::empty(shape, dtype);
  if (t.numel() > 0) h5::read_array(dataset, memory_type(dtype), t.raw_data());
  return t;
}

}  // namespace joule::io::detail
