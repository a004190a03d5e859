#include "datasets/idx.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <sstream>

namespace joule::data {

namespace {

// gzread reads gzip streams and, transparently, plain files: one path serves both.
struct GzClose {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzClose>;

// The largest payload accepted; half of int64 leaves room to add the header and trailing bytes.
constexpr int64_t kMaxBytes = std::numeric_limits<int64_t>::max() / 2;

std::string dims_str(const std::vector<int64_t>& dims) {
  std::ostringstream os;
  for (size_t i = 0; i < dims.size(); ++i) os << (i ? " x " : "") << dims[i];
  return os.str();
}

// "32 bytes (16-byte header + 4 x 2 x 2 ubyte)"
std::string layout(const IdxArray& a) {
  const int64_t header = 4 + 4 * static_cast<int64_t>(a.dims.size());
  std::ostringstream os;
  os << header + a.numel() * idx_type_size(a.type) << " bytes (" << header << "-byte header + " << dims_str(a.dims) << " "
     << idx_type_name(a.type) << ")";
  return os.str();
}

// Reads up to n bytes into dst; returns how many arrived (fewer only at the end of the data).
int64_t read_some(gzFile f, uint8_t* dst, int64_t n, const std::string& path) {
  int64_t done = 0;
  while (done < n) {
    const auto want = static_cast<unsigned>(std::min<int64_t>(n - done, int64_t{1} << 30));
    const int got = gzread(f, dst + done, want);
    int code = Z_OK;
    JOULE_CHECK(got >= 0, "read_idx: ", path, ": cannot read: ", gzerror(f, &code));
    if (got == 0) break;
    done += got;
  }
  return done;
}

// Reads up to n bytes, growing the buffer as data arrives, so that a header announcing far
// more data than the file holds does not allocate it all first.
std::vector<uint8_t> read_payload(gzFile f, int64_t n, const std::string& path) {
  std::vector<uint8_t> out;
  out.reserve(static_cast<size_t>(std::min<int64_t>(n, int64_t{1} << 28)));
  const int64_t chunk = int64_t{1} << 24;
  while (static_cast<int64_t>(out.size()) < n) {
    const size_t old = out.size();
    const int64_t want = std::min<int64_t>(chunk, n - static_cast<int64_t>(old));
    out.resize(old + static_cast<size_t>(want));
    const int64_t got = read_some(f, out.data() + old, want, path);
    out.resize(old + static_cast<size_t>(got));
    if (got < want) break;
  }
  return out;
}

// Bytes left in the stream (read and discarded).
int64_t count_rest(gzFile f, const std::string& path) {
  std::vector<uint8_t> scratch(1 << 16);
  int64_t total = 0;
  while (int64_t got = read_some(f, scratch.data(), static_cast<int64_t>(scratch.size()), path)) {
    total += got;
  }
  return total;
}

uint64_t load_be(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

// Reads the magic and the dimensions; leaves `f` at the first element.
IdxArray read_header(gzFile f, const std::string& path) {
  uint8_t magic[4] = {};
  const int64_t got = read_some(f, magic, 4, path);
  JOULE_CHECK(got == 4, "read_idx: ", path, ": file holds ", got,
              " bytes, fewer than the 4-byte IDX magic");
  JOULE_CHECK(magic[0] == 0 && magic[1] == 0, "read_idx: ", path,
              ": bad magic: the first two bytes must be 0, got ", int{magic[0]}, " and ",
              int{magic[1]}, " (not an IDX file?)");
  const auto type = static_cast<IdxType>(magic[2]);  // any uint8_t value is a valid IdxType
  JOULE_CHECK(idx_type_size(type) > 0, "read_idx: ", path, ": bad magic: unknown type code ",
              int{magic[2]}, " (expected 8, 9, 11, 12, 13 or 14)");
  const int ndim = magic[3];
  JOULE_CHECK(ndim >= 1 && ndim <= 4, "read_idx: ", path, ": bad magic: ", ndim,
              " dimensions, expected 1 to 4");

  uint8_t raw[16] = {};
  const int64_t got_dims = read_some(f, raw, 4 * ndim, path);
  JOULE_CHECK(got_dims == 4 * ndim, "read_idx: ", path, ": truncated header: ", ndim,
              " dimensions need ", 4 + 4 * ndim, " bytes, file holds ", 4 + got_dims);
  IdxArray a;
  a.type = type;
  int64_t bytes = idx_type_size(type);
  for (int d = 0; d < ndim; ++d) {
    const auto size = static_cast<int64_t>(load_be(raw + 4 * d, 4));
    a.dims.push_back(size);
    JOULE_CHECK(size > 0, "read_idx: ", path, ": dimension ", d, " is 0 (dims ", dims_str(a.dims),
                ")");
    JOULE_CHECK(bytes <= kMaxBytes / size, "read_idx: ", path,
                ": dims ", dims_str(a.dims), " overflow a 64-bit byte count");
    bytes *= size;
  }
  return a;
}

}  // namespace

int64_t idx_type_size(IdxType type) {
  switch (type) {
    case IdxType::UByte: case IdxType::SByte: return 1;
    case IdxType::Short: return 2;
    case IdxType::Int: case IdxType::Float: return 4;
    case IdxType::Double: return 8;
  }
  return 0;
}

const char* idx_type_name(IdxType type) {
  switch (type) {
    case IdxType::UByte: return "ubyte";
    case IdxType::SByte: return "sbyte";
    case IdxType::Short: return "short";
    case IdxType::Int: return "int";
    case IdxType::Float: return "float";
    case IdxType::Double: return "double";
  }
  return "unknown";
}

int64_t IdxArray::numel() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

double IdxArray::value(int64_t i) const {
  const uint8_t* p = bytes.data() + i * idx_type_size(type);
  switch (type) {
    case IdxType::UByte: return p[0];
    case IdxType::SByte: return static_cast<int8_t>(p[0]);
    case IdxType::Short: return static_cast<int16_t>(load_be(p, 2));
    case IdxType::Int: return static_cast<int32_t>(load_be(p, 4));
    case IdxType::Float: return std::bit_cast<float>(static_cast<uint32_t>(load_be(p, 4)));
    case IdxType::Double: return std::bit_cast<double>(load_be(p, 8));
  }
  return 0.0;
}

IdxArray read_idx(const std::string& path) {
  errno = 0;
  GzFile f(gzopen(path.c_str(), "rb"));
  JOULE_CHECK(f != nullptr, "read_idx: ", path, ": cannot open: ",
              errno ? std::strerror(errno) : "out of memory");
  gzbuffer(f.get(), 1 << 20);

  IdxArray a = read_header(f.get(), path);
  const int64_t header = 4 + 4 * static_cast<int64_t>(a.dims.size());
  const int64_t expected = a.numel() * idx_type_size(a.type);
  a.bytes = read_payload(f.get(), expected, path);
  const int64_t got = static_cast<int64_t>(a.bytes.size());
  const char* how = gzdirect(f.get()) ? "" : " (after gunzip)";
  const std::string announced = layout(a);
  JOULE_CHECK(got == expected, "read_idx: ", path, ": truncated: the header announces ", announced,
              ", the file holds ", header + got, how);
  const int64_t extra = count_rest(f.get(), path);
  JOULE_CHECK(extra == 0, "read_idx: ", path, ": ", extra,
              " unexpected bytes after the data: the header announces ", announced,
              ", the file holds ", header + expected + extra, how);
  return a;
}

namespace {

// (N, rows, cols) ubyte -> float32 (N, rows * cols) times scale.
Tensor images_to_tensor(const IdxArray& a, float scale, const std::string& path) {
  JOULE_CHECK(a.type == IdxType::UByte, "read_idx_images: ", path, ": images must be ubyte, got ",
              idx_type_name(a.type));
  JOULE_CHECK(a.dims.size() == 3, "read_idx_images: ", path,
              ": images must have 3 dimensions (N x rows x cols), got ", dims_str(a.dims));
  const int64_t n = a.dims[0];
  const int64_t d = a.dims[1] * a.dims[2];
  Tensor t = Tensor::empty({n, d}, DType::Float32);
  float* out = t.data<float>();
  for (int64_t i = 0; i < n * d; ++i) out[i] = static_cast<float>(a.bytes[i]) * scale;
  return t;
}

// (N) integer type -> int64 (N), every label >= 0.
Tensor labels_to_tensor(const IdxArray& a, const std::string& path) {
  JOULE_CHECK(a.type != IdxType::Float && a.type != IdxType::Double, "read_idx_labels: ", path,
              ": labels must be of an integer type, got ", idx_type_name(a.type));
  JOULE_CHECK(a.dims.size() == 1, "read_idx_labels: ", path,
              ": labels must have 1 dimension (N), got ", dims_str(a.dims));
  Tensor t = Tensor::empty({a.dims[0]}, DType::Int64);
  int64_t* out = t.data<int64_t>();
  for (int64_t i = 0; i < a.dims[0]; ++i) {
    out[i] = static_cast<int64_t>(a.value(i));
    JOULE_CHECK(out[i] >= 0, "read_idx_labels: ", path, ": label ", i, " is ", out[i],
                ", labels must be >= 0");
  }
  return t;
}

}  // namespace

Tensor read_idx_images(const std::string& path, float scale) {
  return images_to_tensor(read_idx(path), scale, path);
}

Tensor read_idx_labels(const std::string& path) {
  return labels_to_tensor(read_idx(path), path);
}

Dataset load_idx_dataset(const std::string& images_path, const std::string& labels_path) {
  Dataset ds;
  int64_t rows = 0, cols = 0;
  {
    const IdxArray images = read_idx(images_path);
    ds.features = images_to_tensor(images, 1.0f / 255.0f, images_path);
    rows = images.dims[1];
    cols = images.dims[2];
  }
  ds.labels = read_idx_labels(labels_path);
  const int64_t n_images = ds.features.size(0);
  const int64_t n_labels = ds.labels.numel();
  JOULE_CHECK(n_images == n_labels, "load_idx_dataset: counts differ: ", images_path, " holds ",
              n_images, " images, ", labels_path, " holds ", n_labels, " labels");
  ds.sample_shape = Shape{1, rows, cols};
  const int64_t* labels = ds.labels.data<int64_t>();
  ds.num_classes = 1 + *std::max_element(labels, labels + n_labels);
  return ds;
}

}  // namespace joule::data
