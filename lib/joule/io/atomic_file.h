// AtomicFile: a file written under a temporary name beside its destination and moved over the
// destination only when complete, so that a crash at any moment leaves either the previous file
// or the new one, never part of one.
//
//   AtomicFile out(path);               // nothing is created yet
//   write_everything(out.temp_path());  // "<path>.tmp.<pid>"
//   out.commit();                       // fsync it, rename it over path, fsync the folder
//
// Destroyed without commit() (an exception on the way), it removes the temp file.
// write_file_atomically() does all three for text already in memory (the run reports).
#pragma once

#include <string>

namespace joule::io {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_; }
  // fsync(temp), rename(temp, path), fsync(the folder of path). Throws joule::Error naming the
  // step, the file and errno's text; the temp file is then removed by the destructor.
  void commit();

 private:
  std::string path_, temp_;
  bool committed_ = false;
};

// Writes `bytes` to `path` through an AtomicFile: the temp file, fsync, rename, fsync of the
// folder. Throws joule::Error naming the file, and `op` (the caller, e.g. "write_epoch_csv")
// when the temp file cannot be written.
void write_file_atomically(const std::string& path, const std::string& bytes, const char* op);

}  // namespace joule::io
