#include "joule/dist/communicator.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>

#include "joule/core/check.h"
#include "joule/dist/mpi_check.h"

namespace joule::dist {

#ifdef JOULE_WITH_MPI
namespace detail {
void check_mpi(int rc, const char* call, const char* file, int line) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING] = {};
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) std::strcpy(text, "unknown error");
  joule::detail::throw_error(
      file, line, joule::detail::str_cat("MPI: ", call, " failed with code ", rc, ": ", text));
}
}  // namespace detail

struct Request::Impl {
  MPI_Request req = MPI_REQUEST_NULL;
};
#else
struct Request::Impl {};
#endif

namespace {
// MPI counts are int: larger buffers go in pieces of at most this many elements.
constexpr int64_t kMaxCount = int64_t{1} << 30;

void check_count(const char* op, int64_t n) {
  JOULE_CHECK(n >= 0, "dist::", op, ": the count must be >= 0, got ", n);
}
}  // namespace

Request::Request() = default;
Request::Request(Request&& o) noexcept = default;
Request& Request::operator=(Request&& o) noexcept {
  if (this != &o) {
    if (active()) {
      try {
        wait();
      } catch (const Error&) {
      }
    }
    impl_ = std::move(o.impl_);
  }
  return *this;
}

Request::~Request() {
  if (!active()) return;
  try {
    wait();
  } catch (const Error&) {
    // a failed collective in a destructor: the job is ending; nothing more to do here
  }
}

bool Request::active() const {
#ifdef JOULE_WITH_MPI
  return impl_ && impl_->req != MPI_REQUEST_NULL;
#else
  return false;
#endif
}

bool Request::test() {
#ifdef JOULE_WITH_MPI
  if (!active()) return true;
  int done = 0;
  JOULE_MPI_CHECK(MPI_Test(&impl_->req, &done, MPI_STATUS_IGNORE));
  return done != 0;
#else
  return true;
#endif
}

void Request::wait() {
#ifdef JOULE_WITH_MPI
  if (!active()) return;
  JOULE_MPI_CHECK(MPI_Wait(&impl_->req, MPI_STATUS_IGNORE));
#endif
}

Communicator::Communicator(int rank, int size, bool mpi) : rank_(rank), size_(size), mpi_(mpi) {
  JOULE_CHECK(size >= 1 && rank >= 0 && rank < size, "dist::Communicator: rank ", rank,
              " is not within a world of ", size, " processes");
#ifndef JOULE_WITH_MPI
  JOULE_CHECK(!mpi, "dist::Communicator: this joule was built without MPI (JOULE_MPI=OFF or no "
              "MPI found)");
#endif
}

void Communicator::allreduce_sum(float* data, int64_t n) {
  check_count("allreduce_sum", n);
  if (size_ == 1) return;
#ifdef JOULE_WITH_MPI
  for (int64_t at = 0; at < n; at += kMaxCount)
    JOULE_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, data + at,
                                  static_cast<int>(std::min(kMaxCount, n - at)), MPI_FLOAT, MPI_SUM,
                                  MPI_COMM_WORLD));
#endif
}

void Communicator::allreduce_sum(double* data, int64_t n) {
  check_count("allreduce_sum", n);
  if (size_ == 1) return;
#ifdef JOULE_WITH_MPI
  for (int64_t at = 0; at < n; at += kMaxCount)
    JOULE_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, data + at,
                                  static_cast<int>(std::min(kMaxCount, n - at)), MPI_DOUBLE,
                                  MPI_SUM, MPI_COMM_WORLD));
#endif
}

Request Communicator::iallreduce_sum(float* data, int64_t n) {
  check_count("iallreduce_sum", n);
  Request r;
  if (size_ == 1) return r;
  JOULE_CHECK(n <= kMaxCount, "dist::iallreduce_sum: ", n, " values in one request; at most ",
              kMaxCount, " (use smaller buckets)");
#ifdef JOULE_WITH_MPI
  r.impl_ = std::make_unique<Request::Impl>();
  JOULE_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, data, static_cast<int>(n), MPI_FLOAT, MPI_SUM,
                                 MPI_COMM_WORLD, &r.impl_->req));
#else
  (void)data;
#endif
  return r;
}

std::vector<double> Communicator::allgather(const double* data, int64_t n) {
  check_count("allgather", n);
  JOULE_CHECK(n <= kMaxCount / size_, "dist::allgather: ", n, " values per rank is too many");
  std::vector<double> out(static_cast<size_t>(n * size_));
  if (size_ == 1) {
    std::copy(data, data + n, out.begin());
    return out;
  }
#ifdef JOULE_WITH_MPI
  JOULE_MPI_CHECK(MPI_Allgather(data, static_cast<int>(n), MPI_DOUBLE, out.data(),
                                static_cast<int>(n), MPI_DOUBLE, MPI_COMM_WORLD));
#endif
  return out;
}

std::vector<uint64_t> Communicator::allgather(uint64_t value) {
  std::vector<uint64_t> out(static_cast<size_t>(size_), value);
  if (size_ == 1) return out;
#ifdef JOULE_WITH_MPI
  JOULE_MPI_CHECK(MPI_Allgather(&value, 1, MPI_UINT64_T, out.data(), 1, MPI_UINT64_T,
                                MPI_COMM_WORLD));
#endif
  return out;
}

void Communicator::broadcast(void* data, int64_t bytes, int root) {
  check_count("broadcast", bytes);
  JOULE_CHECK(root >= 0 && root < size_, "dist::broadcast: root ", root, " is not a rank of a "
              "world of ", size_);
  if (size_ == 1) return;
#ifdef JOULE_WITH_MPI
  char* p = static_cast<char*>(data);
  for (int64_t at = 0; at < bytes; at += kMaxCount)
    JOULE_MPI_CHECK(MPI_Bcast(p + at, static_cast<int>(std::min(kMaxCount, bytes - at)), MPI_BYTE,
                              root, MPI_COMM_WORLD));
#else
  (void)data;
#endif
}

void Communicator::barrier() {
  if (size_ == 1) return;
#ifdef JOULE_WITH_MPI
  JOULE_MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
#endif
}

void Communicator::abort(int code) {
#ifdef JOULE_WITH_MPI
  if (mpi_) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

}  // namespace joule::dist
