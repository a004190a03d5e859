#include "joule/io/hdf5_handle.h"

#include <vector>

#include "joule/core/check.h"

namespace joule::io::h5 {

namespace {

// Collects one line per error stack entry, from the API call down to the deepest cause.
herr_t collect(unsigned, const H5E_error2_t* err, void* out) {
  auto& lines = *static_cast<std::vector<std::string>*>(out);
  if (err->desc && *err->desc) lines.emplace_back(err->desc);
  return 0;
}

// A name HDF5 writes into a caller's buffer (H5Fget_name, H5Iget_name): asks for the size first.
template <class F>
std::string name_of(F get) {
  const ssize_t n = get(nullptr, 0);
  if (n <= 0) return "";
  std::string s(static_cast<size_t>(n) + 1, '\0');
  if (get(s.data(), s.size()) < 0) return "";
  s.resize(static_cast<size_t>(n));
  return s;
}

}  // namespace

std::string describe(const Where& where) {
  if (where.is_file_path) return std::string(where.name);
  std::string path;
  if (where.obj >= 0)
    path = name_of([&](char* buf, size_t n) { return H5Iget_name(where.obj, buf, n); });
  if (!where.name.empty()) {
    if (!path.empty() && path.back() != '/') path.push_back('/');
    path.append(where.name);
  }
  const std::string file =
      where.obj >= 0 ? name_of([&](char* buf, size_t n) { return H5Fget_name(where.obj, buf, n); })
                     : std::string();
  if (path.empty()) return file;
  std::string text;
  text.push_back('\'');
  text.append(path);
  text.push_back('\'');
  if (!file.empty()) text.append(" in ").append(file);
  return text;
}

std::string error_text() {
  std::vector<std::string> lines;
  if (H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect, &lines) < 0 || lines.empty()) return "";
  // The API call's own line, then the deepest cause (which usually says what was wrong).
  std::string text = lines.front();
  if (lines.size() > 1 && lines.back() != lines.front()) text += "; " + lines.back();
  return text;
}

void fail(std::string_view op, const Where& where, const std::source_location& loc) {
  // Read the error stack first: any further HDF5 call (describe() makes some) clears it.
  const std::string detail = error_text();
  const std::string place = describe(where);
  std::string message = "HDF5 " + std::string(op) + " failed";
  if (!place.empty()) message += " on " + place;
  if (!detail.empty()) message += ": " + detail;
  detail::throw_error(loc.file_name(), static_cast<int>(loc.line()), message);
}

Quiet::Quiet() {
  saved_ = H5Eget_auto2(H5E_DEFAULT, &func_, &data_) >= 0;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

Quiet::~Quiet() {
  if (saved_) H5Eset_auto2(H5E_DEFAULT, func_, data_);
}

}  // namespace joule::io::h5
