#include "joule/dist/environment.h"

#include <cstdlib>
#include <string>

#include "joule/core/check.h"
#include "joule/dist/mpi_check.h"

namespace joule::dist {

namespace {
// The first of the launcher variables that is set, parsed as an int; -1 when none is.
int env_int(std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (const char* v = std::getenv(n); v && *v) return std::atoi(v);
  return -1;
}
}  // namespace

bool Environment::launched_by_mpirun() { return launcher_world_size() > 0; }

int Environment::launcher_world_size() {
  // OpenMPI (mpirun), PMIx launchers, MPICH's hydra and Slurm's PMI.
  return env_int({"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE", "MPI_LOCALNRANKS"});
}

Environment::Environment() {
  const int announced = launcher_world_size();
#ifdef JOULE_WITH_MPI
  if (announced > 0) {
    int initialized = 0;
    JOULE_MPI_CHECK(MPI_Initialized(&initialized));
    if (!initialized) {
      // Only the main thread calls MPI (OpenMP threads never do).
      int provided = 0;
      JOULE_MPI_CHECK(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided));
      owns_mpi_ = true;
    }
    // Errors come back as codes (JOULE_MPI_CHECK throws) instead of aborting inside MPI.
    JOULE_MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    int rank = 0, size = 1;
    JOULE_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    JOULE_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size));
    MPI_Comm node = MPI_COMM_NULL;
    JOULE_MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank,
                                        MPI_INFO_NULL, &node));
    JOULE_MPI_CHECK(MPI_Comm_rank(node, &local_rank_));
    JOULE_MPI_CHECK(MPI_Comm_size(node, &local_size_));
    JOULE_MPI_CHECK(MPI_Comm_free(&node));
    world_ = std::make_unique<Communicator>(rank, size, true);
    return;
  }
#else
  JOULE_CHECK(announced <= 1, "dist::Environment: started by mpirun as one of ", announced,
              " processes, but this joule was built without MPI (JOULE_MPI=OFF, or CMake found "
              "no MPI): install libopenmpi-dev and rebuild, or run a single process");
#endif
  world_ = std::make_unique<Communicator>(0, 1, false);
}

Environment::~Environment() {
#ifdef JOULE_WITH_MPI
  if (owns_mpi_) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  }
#endif
}

std::string Environment::library() const {
#ifdef JOULE_WITH_MPI
  if (owns_mpi_ || world_->size() > 1) {
    char version[MPI_MAX_LIBRARY_VERSION_STRING] = {};
    int len = 0;
    if (MPI_Get_library_version(version, &len) == MPI_SUCCESS) {
      std::string v(version, static_cast<size_t>(len));
      const size_t comma = v.find(',');
      return "MPI (" + v.substr(0, comma) + ")";
    }
    return "MPI";
  }
#endif
  return "none";
}

}  // namespace joule::dist
