#include "joule/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "joule/core/check.h"

namespace joule::io {

namespace {

// Opens `path` with `flags`, fsyncs it and closes it; throws naming `what` and errno's text.
void fsync_path(const std::string& path, int flags, const char* what) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  JOULE_CHECK(fd >= 0, "AtomicFile: cannot open ", what, " ", path, " to fsync it: ",
              std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  JOULE_CHECK(rc == 0, "AtomicFile: fsync of ", what, " ", path, " failed: ", std::strerror(err));
}

}  // namespace

AtomicFile::AtomicFile(std::string path)
    : path_(std::move(path)), temp_(path_ + ".tmp." + std::to_string(::getpid())) {
  JOULE_CHECK(!path_.empty(), "AtomicFile: empty path");
}

AtomicFile::~AtomicFile() {
  // unlink() never removes a folder, so a folder squatting on the temp name survives.
  if (!committed_) ::unlink(temp_.c_str());
}

void AtomicFile::commit() {
  JOULE_CHECK(!committed_, "AtomicFile: ", path_, " is already committed");
  fsync_path(temp_, O_RDONLY, "file");
  JOULE_CHECK(std::rename(temp_.c_str(), path_.c_str()) == 0, "AtomicFile: cannot rename ", temp_,
              " to ", path_, ": ", std::strerror(errno));
  committed_ = true;
  // The rename is durable once the folder's entry is: fsync the folder as well.
  std::string dir = std::filesystem::path(path_).parent_path().string();
  fsync_path(dir.empty() ? "." : dir, O_RDONLY | O_DIRECTORY, "folder");
}

void write_file_atomically(const std::string& path, const std::string& bytes, const char* op) {
  AtomicFile file(path);
  {
    std::ofstream out(file.temp_path(), std::ios::binary | std::ios::trunc);
    JOULE_CHECK(out.is_open(), op, ": cannot create ", file.temp_path(), " (for ", path, "): ",
                std::strerror(errno));
    out << bytes;
    out.flush();
    JOULE_CHECK(out.good(), op, ": cannot write ", file.temp_path(), " (for ", path, ")");
  }
  file.commit();
}

}  // namespace joule::io
