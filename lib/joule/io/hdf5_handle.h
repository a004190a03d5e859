// Internal to lib/joule/io and datasets/ (it includes <hdf5.h>, whose headers stay private to the
// library): RAII owners for HDF5 ids, the one checking helper that every HDF5 call's result goes
// through, and Quiet, which keeps HDF5 from printing its error stack while Joule works.
//
//   h5::Quiet quiet;                                   // for the scope of a public entry point
//   h5::Dataset d{h5::check(H5Dopen2(g, "0.weight", H5P_DEFAULT), "H5Dopen2", {g, "0.weight"})};
//   h5::check(H5Dread(d, ...), "H5Dread", {d});       // d is closed when it goes out of scope
#pragma once

#include <hdf5.h>

#include <source_location>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace joule::io::h5 {

// Where an HDF5 operation happened, for its error message: an open object plus a name relative to
// it ("'/model/0.weight' in ckpt.h5"), or a file path alone (Where::file(path)). The object's file
// and path are asked of HDF5 only after the failed call's error stack has been read.
struct Where {
  hid_t obj = H5I_INVALID_HID;
  std::string_view name;
  bool is_file_path = false;

  Where(hid_t object, std::string_view relative = {}) : obj(object), name(relative) {}
  static Where file(std::string_view path) {
    Where w(H5I_INVALID_HID, path);
    w.is_file_path = true;
    return w;
  }
};

// Throws joule::Error "HDF5 <op> failed on <where>: <HDF5's own messages>", located at the caller.
[[noreturn]] void fail(std::string_view op, const Where& where, const std::source_location& loc);

// The one check for HDF5 results: a negative hid_t, herr_t, htri_t, ssize_t or enum means the
// call failed, and so does 0 from the calls that return a size_t (H5Tget_size). Returns `result`
// when it did not. `op` names the HDF5 function ("H5Dopen2").
// Pass the HDF5 call itself as `result`, so that nothing runs between it and this check (another
// HDF5 call would clear the error stack whose text goes into the exception).
template <class T>
T check(T result, std::string_view op, const Where& where,
        std::source_location loc = std::source_location::current()) {
  bool failed;
  if constexpr (std::is_unsigned_v<T>)
    failed = result == 0;
  else
    failed = result < 0;
  if (failed) fail(op, where, loc);
  return result;
}

// "'/model/0.weight' in /tmp/ckpt.h5" (an object and its file), or the file path alone.
std::string describe(const Where& where);

// HDF5's error stack for the calling thread as one line: the API call's message and the deepest
// cause, e.g. "unable to open file; file signature not found". Empty when the stack is empty.
std::string error_text();

// Owns one HDF5 id and releases it with `Close` (H5Fclose, H5Dclose, ...), whose name is
// `CloseName`. Move-only; converts to hid_t so it can be passed straight to HDF5 calls.
template <herr_t (*Close)(hid_t), const char* CloseName>
class Id {
 public:
  Id() = default;
  explicit Id(hid_t id) : id_(id) {}
  ~Id() { reset(); }
  Id(Id&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)) {}
  Id& operator=(Id&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;

  operator hid_t() const { return id_; }
  bool valid() const { return id_ >= 0; }

  // Releases the id, ignoring a failure (destructors and error paths, where one is already
  // being reported).
  void reset() {
    if (id_ >= 0) Close(id_);
    id_ = H5I_INVALID_HID;
  }
  // Releases the id and throws if HDF5 reports a failure: for a file being written, whose close
  // is where buffered data reaches the disk.
  void close(const Where& where, std::source_location loc = std::source_location::current()) {
    const hid_t id = std::exchange(id_, H5I_INVALID_HID);
    if (id >= 0) check(Close(id), CloseName, where, loc);
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

namespace close_names {
inline constexpr char file[] = "H5Fclose", group[] = "H5Gclose", dataset[] = "H5Dclose",
                      dataspace[] = "H5Sclose", datatype[] = "H5Tclose", attribute[] = "H5Aclose",
                      plist[] = "H5Pclose";
}  // namespace close_names

using File = Id<H5Fclose, close_names::file>;
using Group = Id<H5Gclose, close_names::group>;
using Dataset = Id<H5Dclose, close_names::dataset>;
using Dataspace = Id<H5Sclose, close_names::dataspace>;
using Datatype = Id<H5Tclose, close_names::datatype>;
using Attribute = Id<H5Aclose, close_names::attribute>;
using PropList = Id<H5Pclose, close_names::plist>;

// For its scope, HDF5 does not print its error stack to stderr (check() puts the text in the
// exception instead); the caller's own setting is restored afterwards. Per thread where HDF5 is
// built thread-safe, process-wide otherwise.
class Quiet {
 public:
  Quiet();
  ~Quiet();
  Quiet(const Quiet&) = delete;
  Quiet& operator=(const Quiet&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
  bool saved_ = false;
};

}  // namespace joule::io::h5
