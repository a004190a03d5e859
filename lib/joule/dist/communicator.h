// Communicator: the collective operations data-parallel training needs, over every process of
// the job (MPI_COMM_WORLD). A world of one process (no mpirun, or a joule built without MPI)
// answers every call itself without touching MPI. Buffers are host memory; a tensor on a GPU is
// staged through the host (see state_sync.h).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace joule::dist {

// A started non-blocking collective (RAII): wait() completes it; the destructor waits too, so the
// buffer it reads and writes is never left in use. Movable, not copyable.
class Request {
 public:
  Request();
  ~Request();
  Request(Request&& o) noexcept;
  Request& operator=(Request&& o) noexcept;
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;

  // True while started and not yet seen complete.
  bool active() const;
  // Lets MPI progress the operation; true when it has completed (then inactive).
  bool test();
  // Blocks until it completes. Throws joule::Error naming the MPI error.
  void wait();

 private:
  friend class Communicator;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Communicator {
 public:
  // The world of processes the job was started with; `mpi` false: one process, no MPI calls.
  Communicator(int rank, int size, bool mpi);

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }

  // Sums over ranks, in place, on every rank.
  void allreduce_sum(float* data, int64_t n);
  void allreduce_sum(double* data, int64_t n);
  // Starts an in-place sum over ranks; `data` must stay alive and untouched until it completes.
  Request iallreduce_sum(float* data, int64_t n);
  // `n` values from every rank, rank 0's first: size() * n values, on every rank.
  std::vector<double> allgather(const double* data, int64_t n);
  std::vector<uint64_t> allgather(uint64_t value);
  // Copies `bytes` bytes at `data` from rank `root` to every other rank.
  void broadcast(void* data, int64_t bytes, int root = 0);
  void barrier();
  // Ends every process of the job with `code` (MPI_Abort); in a world of one, std::exit(code).
  [[noreturn]] void abort(int code);

 private:
  int rank_ = 0, size_ = 1;
  bool mpi_ = false;
};

}  // namespace joule::dist
