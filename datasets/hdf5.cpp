#include "datasets/hdf5.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "joule/io/hdf5_util.h"

namespace joule::data {

namespace h5 = io::h5;

namespace {

// Labels are scanned in blocks of this many rows, and chunks aim at about this many bytes.
constexpr int64_t kScanRows = int64_t{1} << 16;
constexpr int64_t kChunkBytes = int64_t{1} << 20;

// Whether every component of `path` ("/X", "/data/train/X") exists, so that a missing one gets
// its own message instead of HDF5's.
bool has_path(hid_t file, const std::string& path) {
  const bool absolute = path.front() == '/';
  std::string prefix = absolute ? "/" : "";
  size_t pos = absolute ? 1 : 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    if (next == pos) return false;  // "//" or a trailing '/': no such name
    prefix += path.substr(pos, next - pos);
    if (!h5::has_link(file, prefix)) return false;
    prefix += '/';
    pos = next + 1;
  }
  return true;
}

h5::Dataset open_named(hid_t file, const std::string& path, const std::string& name,
                       const char* what) {
  JOULE_CHECK(!name.empty() && has_path(file, name), "read_hdf5_dataset: ", path, " has no ",
              what, " dataset '", name, "' (Hdf5DatasetOptions::", what, " names it)");
  return h5::Dataset{h5::check(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "H5Dopen2",
                               {file, name})};
}

// Whether every feature is k * (1.0f / 255) for an integer k in [0, 255], bit for bit; if so,
// `bytes` holds the k.
bool as_uint8(const Tensor& features, std::vector<uint8_t>& bytes) {
  const float* f = features.data<float>();
  const int64_t n = features.numel();
  bytes.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const float k = std::nearbyint(f[i] * 255.0f);
    if (!(k >= 0.0f && k <= 255.0f)) return false;  // also false for NaN
    const uint8_t byte = static_cast<uint8_t>(k);
    // What the reader will make of it (so -0.0f, which would come back as +0.0f, stays float32).
    const float back = static_cast<float>(byte) * (1.0f / 255.0f);
    if (std::bit_cast<uint32_t>(back) != std::bit_cast<uint32_t>(f[i])) return false;
    bytes[static_cast<size_t>(i)] = byte;
  }
  return true;
}

// Chunked by rows (about kChunkBytes each), shuffled and gzip level 4; contiguous when empty.
h5::PropList row_chunks(const std::vector<int64_t>& dims, int64_t element_bytes,
                        const std::string& path) {
  h5::PropList dcpl{h5::check(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate", h5::Where::file(path))};
  const int64_t row_elems = Shape(std::vector<int64_t>(dims.begin() + 1, dims.end())).numel();
  if (dims[0] == 0 || row_elems == 0) return dcpl;
  std::vector<hsize_t> chunk(dims.begin(), dims.end());
  chunk[0] = static_cast<hsize_t>(
      std::clamp(kChunkBytes / (row_elems * element_bytes), int64_t{1}, dims[0]));
  h5::check(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()), "H5Pset_chunk",
            h5::Where::file(path));
  h5::check(H5Pset_shuffle(dcpl), "H5Pset_shuffle", h5::Where::file(path));
  h5::check(H5Pset_deflate(dcpl, 4), "H5Pset_deflate", h5::Where::file(path));
  return dcpl;
}

}  // namespace

// ---- Hdf5Reader ------------------------------------------------------------------------------

struct Hdf5Reader::Impl {
  std::string path;
  Hdf5DatasetOptions options;
  h5::File file;
  h5::Dataset x, y;
  int64_t n = 0, d = 0;
  Shape sample_shape;
  int64_t num_classes = 0;
  float file_scale = 1.0f;  // X's scale attribute
};

Hdf5Reader::Hdf5Reader() = default;
Hdf5Reader::Hdf5Reader(const std::string& path, const Hdf5DatasetOptions& options) {
  open(path, options);
}
Hdf5Reader::~Hdf5Reader() {
  h5::Quiet quiet;
  impl_.reset();
}
Hdf5Reader::Hdf5Reader(Hdf5Reader&&) noexcept = default;
Hdf5Reader& Hdf5Reader::operator=(Hdf5Reader&&) noexcept = default;

void Hdf5Reader::close() {
  h5::Quiet quiet;
  impl_.reset();
}

void Hdf5Reader::open(const std::string& path, const Hdf5DatasetOptions& options) {
  h5::Quiet quiet;
  auto im = std::make_unique<Impl>();
  im->path = path;
  im->options = options;
  im->file = h5::open_file_readonly(path, "read_hdf5_dataset");
  im->x = open_named(im->file, path, options.features, "features");
  im->y = open_named(im->file, path, options.labels, "labels");

  const h5::ArrayInfo xi = h5::array_info(im->x), yi = h5::array_info(im->y);
  JOULE_CHECK(!xi.dims.empty() && (xi.type_class == H5T_FLOAT || xi.is_integer()),
              "read_hdf5_dataset: ", path, ": features ", options.features,
              " must be an array of numbers (N, ...), found ", xi.str());
  JOULE_CHECK(yi.is_integer() && (yi.dims.size() == 1 || (yi.dims.size() == 2 && yi.dims[1] == 1)),
              "read_hdf5_dataset: ", path, ": labels ", options.labels,
              " must be integers shaped (N) or (N, 1), found ", yi.str());
  im->n = xi.dims[0];
  JOULE_CHECK(yi.dims[0] == im->n, "read_hdf5_dataset: ", path, ": ", options.features, " holds ",
              im->n, " samples but ", options.labels, " holds ", yi.dims[0], " labels");
  const std::vector<int64_t> trailing(xi.dims.begin() + 1, xi.dims.end());
  im->d = Shape(trailing).numel();
  JOULE_CHECK(im->d > 0, "read_hdf5_dataset: ", path, ": features ", options.features,
              " hold no values per sample: ", xi.str());
  if (h5::has_attr(im->x, "scale"))
    im->file_scale = static_cast<float>(h5::read_attr_double(im->x, "scale"));

  h5::Group root = h5::open_root(im->file);
  if (!options.sample_shape.dims().empty())
    im->sample_shape = options.sample_shape;
  else if (h5::has_attr(root, "sample_shape"))
    im->sample_shape = Shape(h5::read_attr_ints(root, "sample_shape"));
  else
    im->sample_shape = trailing.empty() ? Shape{1} : Shape(trailing);
  JOULE_CHECK(im->sample_shape.numel() == im->d, "read_hdf5_dataset: ", path, ": sample shape ",
              im->sample_shape, " does not hold the ", im->d, " features per sample of ",
              options.features);

  // Labels, block by block: none negative; the largest gives num_classes.
  int64_t max_label = -1;
  std::vector<int64_t> block;
  for (int64_t begin = 0; begin < im->n; begin += kScanRows) {
    const int64_t count = std::min(kScanRows, im->n - begin);
    block.resize(static_cast<size_t>(count));
    h5::read_rows(im->y, H5T_NATIVE_INT64, begin, count, block.data());
    for (int64_t i = 0; i < count; ++i) {
      const int64_t label = block[static_cast<size_t>(i)];
      JOULE_CHECK(label >= 0, "read_hdf5_dataset: ", path, ": label ", label, " of sample ",
                  begin + i, " in ", options.labels, " is negative");
      max_label = std::max(max_label, label);
    }
  }
  im->num_classes = max_label + 1;
  if (h5::has_attr(root, "num_classes")) {
    const int64_t declared = h5::read_attr_int(root, "num_classes");
    JOULE_CHECK(declared >= im->num_classes, "read_hdf5_dataset: ", path,
                ": attribute num_classes is ", declared, " but ", options.labels,
                " holds label ", max_label);
    im->num_classes = declared;
  }
  impl_ = std::move(im);
}

int64_t Hdf5Reader::size() const {
  JOULE_CHECK(impl_, "Hdf5Reader: not open");
  return impl_->n;
}

int64_t Hdf5Reader::feature_dim() const {
  JOULE_CHECK(impl_, "Hdf5Reader: not open");
  return impl_->d;
}

const Shape& Hdf5Reader::sample_shape() const {
  JOULE_CHECK(impl_, "Hdf5Reader: not open");
  return impl_->sample_shape;
}

int64_t Hdf5Reader::num_classes() const {
  JOULE_CHECK(impl_, "Hdf5Reader: not open");
  return impl_->num_classes;
}

Dataset Hdf5Reader::read(int64_t begin, int64_t end) const {
  JOULE_CHECK(impl_, "Hdf5Reader: not open");
  const Impl& im = *impl_;
  JOULE_CHECK(0 <= begin && begin <= end && end <= im.n, "Hdf5Reader::read: range [", begin, ", ",
              end, ") is outside [0, ", im.n, ") of ", im.path);
  h5::Quiet quiet;
  const int64_t count = end - begin;
  Tensor features = Tensor::empty({count, im.d});
  Tensor labels = Tensor::empty({count}, DType::Int64);
  h5::read_rows(im.x, H5T_NATIVE_FLOAT, begin, count, features.raw_data());
  h5::read_rows(im.y, H5T_NATIVE_INT64, begin, count, labels.raw_data());
  float* f = features.data<float>();
  for (float scale : {im.file_scale, im.options.scale})
    if (scale != 1.0f)
      for (int64_t i = 0; i < features.numel(); ++i) f[i] *= scale;
  return {features, labels, im.sample_shape, im.num_classes};
}

// ---- whole files -----------------------------------------------------------------------------

Dataset read_hdf5_dataset(const std::string& path, const Hdf5DatasetOptions& options) {
  Hdf5Reader reader(path, options);
  return reader.read(0, reader.size());
}

void write_hdf5_dataset(const std::string& path, const Dataset& ds, bool compress_uint8) {
  ds.validate("write_hdf5_dataset");
  h5::Quiet quiet;
  const Tensor features = ds.features.detach().to(Device::cpu()).contiguous();
  const Tensor labels = ds.labels.detach().to(Device::cpu()).contiguous();
  const int64_t n = features.size(0), d = features.size(1);
  std::vector<uint8_t> bytes;
  const bool uint8 = compress_uint8 && as_uint8(features, bytes);

  try {
    h5::write_file_atomically(path, [&](hid_t root) {
      h5::PropList xcpl = row_chunks({n, d}, uint8 ? 1 : 4, path);
      h5::Dataset x;
      if (uint8) {
        x = h5::write_array(root, "X", H5T_STD_U8LE, H5T_NATIVE_UINT8, {n, d}, bytes.data(), xcpl);
        h5::write_attr_double(x, "scale", static_cast<double>(1.0f / 255.0f));
      } else {
        x = h5::write_array(root, "X", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {n, d},
                            features.raw_data(), xcpl);
      }
      h5::PropList ycpl = row_chunks({n}, 8, path);
      h5::write_array(root, "y", H5T_STD_I64LE, H5T_NATIVE_INT64, {n}, labels.raw_data(), ycpl);
      h5::write_attr_int(root, "num_classes", ds.num_classes);
      h5::write_attr_ints(root, "sample_shape", ds.sample_shape.dims());
    });
  } catch (const Error& e) {
    throw Error("write_hdf5_dataset: cannot write " + path + ": " + e.what());
  }
}

}  // namespace joule::data
