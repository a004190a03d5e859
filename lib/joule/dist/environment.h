// Environment: the process's place in a data-parallel job (RAII). Started by mpirun / mpiexec
// (OpenMPI, MPICH or any launcher that sets PMI/PMIx variables) it initialises MPI and finalizes
// it on destruction; started alone it is a world of one process and calls no MPI function at
// all, so a plain run needs no MPI. Create one per process, at the top of main().
#pragma once

#include <memory>
#include <string>

#include "joule/dist/communicator.h"

namespace joule::dist {

class Environment {
 public:
  // Throws joule::Error when launched as several processes by a joule built without MPI (each
  // would otherwise train alone and write the same outputs), or when MPI fails to start.
  Environment();
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  int rank() const { return world_->rank(); }
  int size() const { return world_->size(); }
  // Rank among the processes on this machine (0 .. local_size()-1): local rank 0 reads the
  // machine-wide counters (RAPL), and a rank's GPU is its local rank.
  int local_rank() const { return local_rank_; }
  int local_size() const { return local_size_; }
  bool is_root() const { return rank() == 0; }
  // True when this process initialised MPI (launched by mpirun, even with -np 1).
  bool uses_mpi() const { return owns_mpi_; }
  Communicator& world() { return *world_; }
  // "MPI (Open MPI v4.1.4, ...)" or "none".
  std::string library() const;

  // True when a launcher started this process (its PMI/PMIx/OpenMPI variables are set).
  static bool launched_by_mpirun();
  // The world size the launcher announced, 1 when none.
  static int launcher_world_size();

 private:
  std::unique_ptr<Communicator> world_;
  int local_rank_ = 0, local_size_ = 1;
  bool owns_mpi_ = false;
};

}  // namespace joule::dist
