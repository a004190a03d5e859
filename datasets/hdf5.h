// Datasets in HDF5 files: features and integer labels as two named datasets (/X and /y by
// default), as h5py, Keras and most dataset converters write them.
//
//   /X   (N, ...) any integer or float type: one sample per row (trailing dimensions flattened)
//        attr scale (optional, float64): the reader multiplies X by it (write_hdf5_dataset stores
//        uint8 pixels with scale = the float32 1/255, so they come back exactly as written)
//   /y   (N) or (N, 1), any integer type: class indices >= 0
//   /    attrs num_classes (optional, int64), sample_shape (optional, int64 [k])
//
// read_hdf5_dataset loads a whole file; Hdf5Reader reads row ranges (hyperslabs), so a file
// larger than memory can be fed in pieces.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "datasets/dataset.h"

namespace joule::data {

struct Hdf5DatasetOptions {
  std::string features = "/X";  // path of the features dataset
  std::string labels = "/y";    // path of the labels dataset
  // Multiplies every feature, after X's own `scale` attribute (e.g. 1.0f / 255 for raw pixels).
  float scale = 1.0f;
  // The shape of one sample (numel = D). Empty: the file's sample_shape attribute, else X's
  // trailing dimensions ([D] for a 2-D X, [1] for a 1-D one).
  Shape sample_shape;
};

// The whole file: features (N, D) float32, labels (N) int64, sample_shape, num_classes = the
// largest label + 1 (or the file's num_classes attribute when larger). Throws joule::Error
// naming the file and dataset when either is missing, X is not numeric or y not integer, N
// differs between them, or a label is negative.
Dataset read_hdf5_dataset(const std::string& path, const Hdf5DatasetOptions& options = {});

// Reads a file in row ranges. open() checks the file as read_hdf5_dataset does, scanning the
// labels in blocks (for num_classes and negative labels) but not the features; read() then
// reads only the rows asked for. One thread at a time (HDF5's serial build is not thread-safe).
class Hdf5Reader {
 public:
  Hdf5Reader();
  explicit Hdf5Reader(const std::string& path, const Hdf5DatasetOptions& options = {});
  ~Hdf5Reader();
  Hdf5Reader(Hdf5Reader&&) noexcept;
  Hdf5Reader& operator=(Hdf5Reader&&) noexcept;

  void open(const std::string& path, const Hdf5DatasetOptions& options = {});
  bool is_open() const { return impl_ != nullptr; }
  void close();

  int64_t size() const;  // N
  int64_t feature_dim() const;
  const Shape& sample_shape() const;
  int64_t num_classes() const;
  // Samples [begin, end), as a Dataset of their own (features (end - begin, D)).
  Dataset read(int64_t begin, int64_t end) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes `ds` to `path` (atomically, through a temp file and a rename): /X (N, D) and /y (N)
// int64, both chunked by rows and gzip-compressed (level 4), and the root attributes
// num_classes and sample_shape. /X is uint8 with scale = 1.0f / 255 when compress_uint8 is set
// and every feature is exactly k * (1.0f / 255) for an integer k in [0, 255] (what
// load_idx_dataset produces), float32 otherwise; either way reading gives back the same floats.
void write_hdf5_dataset(const std::string& path, const Dataset& ds, bool compress_uint8 = true);

}  // namespace joule::data
