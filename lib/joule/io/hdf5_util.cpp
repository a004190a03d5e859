#include "joule/io/hdf5_util.h"

#include <filesystem>
#include <system_error>

#include "joule/core/check.h"
#include "joule/io/atomic_file.h"

namespace joule::io::h5 {

namespace {

std::vector<hsize_t> to_hsize(const std::vector<int64_t>& dims) {
  return std::vector<hsize_t>(dims.begin(), dims.end());
}

Dataspace make_space(const std::vector<int64_t>& dims) {
  if (dims.empty()) return Dataspace{check(H5Screate(H5S_SCALAR), "H5Screate", {H5I_INVALID_HID})};
  const std::vector<hsize_t> h = to_hsize(dims);
  return Dataspace{check(H5Screate_simple(static_cast<int>(h.size()), h.data(), nullptr),
                         "H5Screate_simple", {H5I_INVALID_HID})};
}

// A string type in memory: variable-length, or fixed with room for `fixed_size` bytes plus a NUL.
Datatype string_type(bool variable, size_t fixed_size, H5T_cset_t cset) {
  Datatype t{check(H5Tcopy(H5T_C_S1), "H5Tcopy", {H5I_INVALID_HID})};
  check(H5Tset_size(t, variable ? H5T_VARIABLE : fixed_size + 1), "H5Tset_size", {t});
  check(H5Tset_strpad(t, H5T_STR_NULLTERM), "H5Tset_strpad", {t});
  check(H5Tset_cset(t, cset), "H5Tset_cset", {t});
  return t;
}

int64_t npoints(hid_t space) {
  return check(H5Sget_simple_extent_npoints(space), "H5Sget_simple_extent_npoints", {space});
}

Attribute open_attr(hid_t obj, const std::string& name) {
  JOULE_CHECK(has_attr(obj, name), "HDF5: attribute '", name, "' is missing from ",
              describe({obj}));
  return Attribute{check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "H5Aopen", {obj, name})};
}

// The class of attribute `name` and its number of elements.
struct AttrShape {
  H5T_class_t type_class;
  int64_t count;
  bool scalar;
};

AttrShape attr_shape(hid_t attr, hid_t obj, const std::string& name) {
  Datatype type{check(H5Aget_type(attr), "H5Aget_type", {obj, name})};
  Dataspace space{check(H5Aget_space(attr), "H5Aget_space", {obj, name})};
  const H5S_class_t sc =
      check(H5Sget_simple_extent_type(space), "H5Sget_simple_extent_type", {obj, name});
  return {check(H5Tget_class(type), "H5Tget_class", {obj, name}), npoints(space),
          sc == H5S_SCALAR};
}

// Throws unless attribute `name` holds exactly one number.
void expect_one_number(const AttrShape& s, hid_t obj, const std::string& name, const char* kind) {
  const bool numeric = s.type_class == H5T_INTEGER ||
                       (std::string(kind) != "an integer" && s.type_class == H5T_FLOAT);
  JOULE_CHECK(numeric && s.count == 1, "HDF5: attribute '", name, "' of ", describe({obj}),
              " should hold ", kind, ", found ",
              s.type_class == H5T_STRING ? "a string" : "another type", " with ", s.count,
              " element(s)");
}

// Attribute names, collected by H5Aiterate2.
herr_t collect_attr(hid_t, const char* name, const H5A_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}

// Whether the group tracks (and indexes) the creation order of its links or attributes.
bool tracks_order(hid_t group, bool links) {
  if (check(H5Iget_type(group), "H5Iget_type", {group}) != H5I_GROUP) return false;
  PropList gcpl{check(H5Gget_create_plist(group), "H5Gget_create_plist", {group})};
  unsigned flags = 0;
  if (links)
    check(H5Pget_link_creation_order(gcpl, &flags), "H5Pget_link_creation_order", {group});
  else
    check(H5Pget_attr_creation_order(gcpl, &flags), "H5Pget_attr_creation_order", {group});
  return (flags & H5P_CRT_ORDER_INDEXED) != 0;
}

// Keep links and attributes in the order they were made (for gcpl and the file's root group).
void track_order(hid_t plist) {
  const unsigned flags = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
  check(H5Pset_link_creation_order(plist, flags), "H5Pset_link_creation_order", {plist});
  check(H5Pset_attr_creation_order(plist, flags), "H5Pset_attr_creation_order", {plist});
}

void write_attr(hid_t obj, const std::string& name, hid_t file_type, hid_t mem_type,
                const std::vector<int64_t>& dims, const void* data) {
  Dataspace space = make_space(dims);
  Attribute a{check(H5Acreate2(obj, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT),
                    "H5Acreate2", {obj, name})};
  check(H5Awrite(a, mem_type, data), "H5Awrite", {obj, name});
}

}  // namespace

// ---- files and groups ------------------------------------------------------------------------

File create_file(const std::string& path) {
  PropList fcpl{check(H5Pcreate(H5P_FILE_CREATE), "H5Pcreate", Where::file(path))};
  track_order(fcpl);
  PropList fapl{check(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate", Where::file(path))};
  check(H5Pset_fclose_degree(fapl, H5F_CLOSE_SEMI), "H5Pset_fclose_degree", Where::file(path));
  return File{check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, fapl), "H5Fcreate",
                    Where::file(path))};
}

File open_file_readonly(const std::string& path, const char* who) {
  std::error_code ec;
  JOULE_CHECK(std::filesystem::is_regular_file(path, ec), who, ": no such file: ", path,
              std::filesystem::exists(path, ec) ? " (not a regular file)" : "");
  std::string reason;
  try {
    if (check(H5Fis_hdf5(path.c_str()), "H5Fis_hdf5", Where::file(path)) > 0)
      return File{check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "H5Fopen",
                        Where::file(path))};
    reason = "no HDF5 signature";
  } catch (const Error& e) {
    reason = e.what();
  }
  JOULE_CHECK(false, who, ": not an HDF5 file or truncated: ", path, " (", reason, ")");
  return File();
}

void write_file_atomically(const std::string& path,
                           const std::function<void(hid_t root)>& write) {
  io::AtomicFile out(path);
  const Where where = Where::file(out.temp_path());
  {
    File file = create_file(out.temp_path());
    {
      Group root = open_root(file);
      write(root);
    }
    check(H5Fflush(file, H5F_SCOPE_GLOBAL), "H5Fflush", where);
    file.close(where);
  }
  out.commit();
}

Group open_root(hid_t file) {
  return Group{check(H5Gopen2(file, "/", H5P_DEFAULT), "H5Gopen2", {file})};
}

Group create_group(hid_t parent, const std::string& name) {
  PropList gcpl{check(H5Pcreate(H5P_GROUP_CREATE), "H5Pcreate", {parent, name})};
  track_order(gcpl);
  return Group{check(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT),
                     "H5Gcreate2", {parent, name})};
}

Group open_group(hid_t parent, const std::string& name) {
  JOULE_CHECK(has_link(parent, name), "HDF5: group '", name, "' is missing from ",
              describe({parent}));
  return Group{check(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), "H5Gopen2", {parent, name})};
}

bool has_link(hid_t parent, const std::string& name) {
  return check(H5Lexists(parent, name.c_str(), H5P_DEFAULT), "H5Lexists", {parent, name}) > 0;
}

std::vector<std::string> link_names(hid_t group) {
  H5G_info_t info;
  check(H5Gget_info(group, &info), "H5Gget_info", {group});
  const H5_index_t index = tracks_order(group, true) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t n = check(
        H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT),
        "H5Lget_name_by_idx", {group});
    std::string name(static_cast<size_t>(n) + 1, '\0');
    check(H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, i, name.data(), name.size(),
                             H5P_DEFAULT),
          "H5Lget_name_by_idx", {group});
    name.resize(static_cast<size_t>(n));
    names.push_back(std::move(name));
  }
  return names;
}

// ---- attributes ------------------------------------------------------------------------------

bool has_attr(hid_t obj, const std::string& name) {
  return check(H5Aexists(obj, name.c_str()), "H5Aexists", {obj, name}) > 0;
}

std::vector<std::string> attr_names(hid_t obj) {
  const H5_index_t index = tracks_order(obj, false) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
  std::vector<std::string> names;
  hsize_t pos = 0;
  check(H5Aiterate2(obj, index, H5_ITER_INC, &pos, collect_attr, &names), "H5Aiterate2", {obj});
  return names;
}

bool attr_is_string(hid_t obj, const std::string& name) {
  Attribute a = open_attr(obj, name);
  return attr_shape(a, obj, name).type_class == H5T_STRING;
}

void write_attr_string(hid_t obj, const std::string& name, const std::string& value) {
  Datatype t = string_type(true, 0, H5T_CSET_UTF8);
  const char* p = value.c_str();
  write_attr(obj, name, t, t, {}, &p);
}

void write_attr_strings(hid_t obj, const std::string& name,
                        const std::vector<std::string>& values) {
  Datatype t = string_type(true, 0, H5T_CSET_UTF8);
  std::vector<const char*> p;
  for (const std::string& v : values) p.push_back(v.c_str());
  write_attr(obj, name, t, t, {static_cast<int64_t>(values.size())}, p.data());
}

void write_attr_int(hid_t obj, const std::string& name, int64_t value) {
  write_attr(obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, {}, &value);
}

void write_attr_ints(hid_t obj, const std::string& name, const std::vector<int64_t>& values) {
  write_attr(obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, {static_cast<int64_t>(values.size())},
             values.data());
}

void write_attr_double(hid_t obj, const std::string& name, double value) {
  write_attr(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {}, &value);
}

std::vector<std::string> read_attr_strings(hid_t obj, const std::string& name) {
  Attribute a = open_attr(obj, name);
  const AttrShape s = attr_shape(a, obj, name);
  JOULE_CHECK(s.type_class == H5T_STRING, "HDF5: attribute '", name, "' of ", describe({obj}),
              " should hold text, found a number");
  Datatype file_type{check(H5Aget_type(a), "H5Aget_type", {obj, name})};
  const bool variable = check(H5Tis_variable_str(file_type), "H5Tis_variable_str", {obj, name}) > 0;
  const H5T_cset_t cset = check(H5Tget_cset(file_type), "H5Tget_cset", {obj, name});
  const size_t count = static_cast<size_t>(s.count);
  std::vector<std::string> out;
  if (variable) {
    Datatype mem = string_type(true, 0, cset);
    std::vector<char*> p(count, nullptr);
    check(H5Aread(a, mem, p.data()), "H5Aread", {obj, name});
    for (char* c : p) {
      out.emplace_back(c ? c : "");
      if (c) H5free_memory(c);  // memory HDF5 allocated for the read; nothing to report
    }
  } else {
    const size_t size = check(H5Tget_size(file_type), "H5Tget_size", {obj, name});
    Datatype mem = string_type(false, size, cset);
    std::vector<char> buf(count * (size + 1), '\0');
    check(H5Aread(a, mem, buf.data()), "H5Aread", {obj, name});
    for (size_t i = 0; i < count; ++i) out.emplace_back(buf.data() + i * (size + 1));
  }
  return out;
}

std::string read_attr_string(hid_t obj, const std::string& name) {
  std::vector<std::string> v = read_attr_strings(obj, name);
  JOULE_CHECK(v.size() == 1, "HDF5: attribute '", name, "' of ", describe({obj}),
              " should hold one string, found ", v.size());
  return v.front();
}

int64_t read_attr_int(hid_t obj, const std::string& name) {
  Attribute a = open_attr(obj, name);
  expect_one_number(attr_shape(a, obj, name), obj, name, "an integer");
  int64_t v = 0;
  check(H5Aread(a, H5T_NATIVE_INT64, &v), "H5Aread", {obj, name});
  return v;
}

std::vector<int64_t> read_attr_ints(hid_t obj, const std::string& name) {
  Attribute a = open_attr(obj, name);
  const AttrShape s = attr_shape(a, obj, name);
  JOULE_CHECK(s.type_class == H5T_INTEGER, "HDF5: attribute '", name, "' of ", describe({obj}),
              " should hold integers");
  std::vector<int64_t> v(static_cast<size_t>(s.count));
  check(H5Aread(a, H5T_NATIVE_INT64, v.data()), "H5Aread", {obj, name});
  return v;
}

double read_attr_double(hid_t obj, const std::string& name) {
  Attribute a = open_attr(obj, name);
  expect_one_number(attr_shape(a, obj, name), obj, name, "a number");
  double v = 0;
  check(H5Aread(a, H5T_NATIVE_DOUBLE, &v), "H5Aread", {obj, name});
  return v;
}

// ---- arrays ----------------------------------------------------------------------------------

int64_t ArrayInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

std::string ArrayInfo::type_name() const {
  const std::string bits = std::to_string(type_size * 8);
  if (type_class == H5T_FLOAT) return "float" + bits;
  if (type_class == H5T_INTEGER) return (is_signed ? "int" : "uint") + bits;
  if (type_class == H5T_STRING) return "string";
  return "other";
}

std::string ArrayInfo::str() const {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "] " + type_name();
}

Dataset open_dataset(hid_t parent, const std::string& name) {
  JOULE_CHECK(has_link(parent, name), "HDF5: dataset '", name, "' is missing from ",
              describe({parent}));
  return Dataset{check(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), "H5Dopen2", {parent, name})};
}

ArrayInfo array_info(hid_t dataset) {
  ArrayInfo info;
  Datatype type{check(H5Dget_type(dataset), "H5Dget_type", {dataset})};
  info.type_class = check(H5Tget_class(type), "H5Tget_class", {dataset});
  info.type_size = check(H5Tget_size(type), "H5Tget_size", {dataset});
  if (info.type_class == H5T_INTEGER)
    info.is_signed = check(H5Tget_sign(type), "H5Tget_sign", {dataset}) == H5T_SGN_2;
  Dataspace space{check(H5Dget_space(dataset), "H5Dget_space", {dataset})};
  const int rank =
      check(H5Sget_simple_extent_ndims(space), "H5Sget_simple_extent_ndims", {dataset});
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  check(H5Sget_simple_extent_dims(space, dims.data(), nullptr), "H5Sget_simple_extent_dims",
        {dataset});
  info.dims.assign(dims.begin(), dims.end());
  return info;
}

Dataset write_array(hid_t parent, const std::string& name, hid_t file_type, hid_t mem_type,
                    const std::vector<int64_t>& dims, const void* data, hid_t dcpl) {
  Dataspace space = make_space(dims);
  Dataset d{check(H5Dcreate2(parent, name.c_str(), file_type, space, H5P_DEFAULT, dcpl,
                             H5P_DEFAULT),
                  "H5Dcreate2", {parent, name})};
  if (npoints(space) > 0)
    check(H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "H5Dwrite", {d});
  return d;
}

void read_array(hid_t dataset, hid_t mem_type, void* out) {
  Dataspace space{check(H5Dget_space(dataset), "H5Dget_space", {dataset})};
  if (npoints(space) > 0)
    check(H5Dread(dataset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out), "H5Dread", {dataset});
}

void read_rows(hid_t dataset, hid_t mem_type, int64_t begin, int64_t count, void* out) {
  const ArrayInfo info = array_info(dataset);
  JOULE_CHECK(!info.dims.empty() && begin >= 0 && count >= 0 && begin + count <= info.dims[0],
              "HDF5: rows [", begin, ", ", begin + count, ") are outside ", describe({dataset}),
              ", which is ", info.str());
  if (count == 0 || info.numel() == 0) return;
  std::vector<hsize_t> start(info.dims.size(), 0), size = to_hsize(info.dims);
  start[0] = static_cast<hsize_t>(begin);
  size[0] = static_cast<hsize_t>(count);
  Dataspace file_space{check(H5Dget_space(dataset), "H5Dget_space", {dataset})};
  check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, size.data(),
                            nullptr),
        "H5Sselect_hyperslab", {dataset});
  Dataspace mem_space{check(H5Screate_simple(static_cast<int>(size.size()), size.data(), nullptr),
                            "H5Screate_simple", {dataset})};
  check(H5Dread(dataset, mem_type, mem_space, file_space, H5P_DEFAULT, out), "H5Dread", {dataset});
}

}  // namespace joule::io::h5
