// IDX files (the MNIST family): a big-endian header, then the array. Raw or gzip-compressed.
//
//   bytes 0-1  0x00 0x00
//   byte  2    type code: 0x08 ubyte, 0x09 sbyte, 0x0B short, 0x0C int, 0x0D float, 0x0E double
//   byte  3    number of dimensions (1..4)
//   then one big-endian uint32 per dimension, then prod(dims) elements, big-endian, row-major.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/dataset.h"
#include "joule/core/tensor.h"

namespace joule::data {

// The type codes an IDX header may carry.
enum class IdxType : uint8_t {
  UByte = 0x08,
  SByte = 0x09,
  Short = 0x0B,
  Int = 0x0C,
  Float = 0x0D,
  Double = 0x0E,
};

// Bytes per element of `type`, or 0 if it is none of the codes above.
int64_t idx_type_size(IdxType type);
// "ubyte", "sbyte", "short", "int", "float", "double", or "unknown".
const char* idx_type_name(IdxType type);

// A whole IDX file: its dimensions, its type and its elements exactly as stored (big-endian).
struct IdxArray {
  std::vector<int64_t> dims;
  IdxType type = IdxType::UByte;
  std::vector<uint8_t> bytes;  // numel() * idx_type_size(type) bytes, in file order

  int64_t numel() const;
  // Element i (row-major), decoded from big-endian and widened to double.
  double value(int64_t i) const;
};

// Reads a raw or gzip IDX file (gzip is recognised by its 0x1f 0x8b magic). Throws joule::Error
// naming the file on a bad magic, type code or dimension, and when the file holds fewer or more
// bytes than the header announces.
IdxArray read_idx(const std::string& path);

// images (N, rows, cols) ubyte -> float32 (N, rows * cols), each value multiplied by `scale`.
Tensor read_idx_images(const std::string& path, float scale = 1.0f / 255.0f);

// labels (N) of an integer type -> int64 (N); every label must be >= 0.
Tensor read_idx_labels(const std::string& path);

// An image file and a label file with the same N -> features (N, rows * cols) in [0, 1],
// labels (N), sample_shape {1, rows, cols}, num_classes = max label + 1.
Dataset load_idx_dataset(const std::string& images_path, const std::string& labels_path);

}  // namespace joule::data
