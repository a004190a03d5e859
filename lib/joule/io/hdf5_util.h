// Internal to lib/joule/io and datasets/: the HDF5 operations checkpoints and dataset files are
// made of (files, groups, attributes, whole and row-sliced arrays), each checked through
// h5::check and throwing joule::Error naming the object and its file.
//
// Strings are written as variable-length UTF-8 (h5py reads them as str); reading accepts
// variable- and fixed-length strings. Groups made here keep their links and attributes in
// creation order, and listing them returns that order (name order for files made elsewhere).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "joule/io/hdf5_handle.h"

namespace joule::io::h5 {

// ---- files and groups ------------------------------------------------------------------------
// Creates (truncates) `path`. Closing it fails while objects inside are still open, so a writer
// that forgets one hears of it instead of leaving the file half-closed.
File create_file(const std::string& path);
// Opens an existing file read-only. Throws "<who>: no such file: <path>" or "<who>: not an HDF5
// file or truncated: <path> (<HDF5's reason>)".
File open_file_readonly(const std::string& path, const char* who);
// Creates `path` atomically (io::AtomicFile): `write` fills the root group of "<path>.tmp.<pid>",
// which is then flushed, closed, fsynced and renamed over `path`. On an error the temp file is
// removed and the file at `path`, if any, is untouched.
void write_file_atomically(const std::string& path, const std::function<void(hid_t root)>& write);
Group open_root(hid_t file);  // the root group "/", for its attributes
Group create_group(hid_t parent, const std::string& name);
Group open_group(hid_t parent, const std::string& name);
bool has_link(hid_t parent, const std::string& name);
std::vector<std::string> link_names(hid_t group);

// ---- attributes (on a group or a dataset) ----------------------------------------------------
bool has_attr(hid_t obj, const std::string& name);
std::vector<std::string> attr_names(hid_t obj);
bool attr_is_string(hid_t obj, const std::string& name);
void write_attr_string(hid_t obj, const std::string& name, const std::string& value);
void write_attr_strings(hid_t obj, const std::string& name, const std::vector<std::string>& values);
void write_attr_int(hid_t obj, const std::string& name, int64_t value);
void write_attr_ints(hid_t obj, const std::string& name, const std::vector<int64_t>& values);
void write_attr_double(hid_t obj, const std::string& name, double value);
// Readers throw naming the attribute, its object and file when it is missing or of another kind
// (a string where a number is expected, or an array where one value is).
std::string read_attr_string(hid_t obj, const std::string& name);
std::vector<std::string> read_attr_strings(hid_t obj, const std::string& name);
int64_t read_attr_int(hid_t obj, const std::string& name);
std::vector<int64_t> read_attr_ints(hid_t obj, const std::string& name);
double read_attr_double(hid_t obj, const std::string& name);

// ---- arrays (datasets) -----------------------------------------------------------------------
struct ArrayInfo {
  std::vector<int64_t> dims;  // empty for a scalar
  H5T_class_t type_class = H5T_NO_CLASS;
  size_t type_size = 0;  // bytes per element
  bool is_signed = false;

  int64_t numel() const;
  // "float32", "float64", "int8" ... "uint64", "string", or "other".
  std::string type_name() const;
  // "[4, 3] float32"
  std::string str() const;
  bool is_float(size_t bytes) const { return type_class == H5T_FLOAT && type_size == bytes; }
  bool is_integer() const { return type_class == H5T_INTEGER; }
};

Dataset open_dataset(hid_t parent, const std::string& name);
ArrayInfo array_info(hid_t dataset);
// A new dataset `name` under `parent` holding `data` (row-major, mem_type elements) stored as
// `file_type` with `dims` (empty: a scalar). `dcpl` sets chunking and filters (H5P_DEFAULT:
// contiguous). Returns it open, for attributes.
Dataset write_array(hid_t parent, const std::string& name, hid_t file_type, hid_t mem_type,
                    const std::vector<int64_t>& dims, const void* data, hid_t dcpl = H5P_DEFAULT);
// The whole dataset converted to mem_type, into `out` (numel elements).
void read_array(hid_t dataset, hid_t mem_type, void* out);
// Rows [begin, begin + count) along the first dimension, converted to mem_type, into `out`
// (count * the product of the other dimensions elements). A hyperslab: the rest of the dataset
// is not read.
void read_rows(hid_t dataset, hid_t mem_type, int64_t begin, int64_t count, void* out);

}  // namespace joule::io::h5
