// Internal to lib/joule/dist (includes <mpi.h>): every MPI call goes through JOULE_MPI_CHECK,
// which throws joule::Error with the call, MPI's message for the code, and the file and line.
#pragma once

#ifdef JOULE_WITH_MPI
// The C API only: without these, Open MPI's and MPICH's mpi.h pull in the deprecated C++ bindings
// (and their library).
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

namespace joule::dist::detail {
// Throws when rc is not MPI_SUCCESS.
void check_mpi(int rc, const char* call, const char* file, int line);
}  // namespace joule::dist::detail

#define JOULE_MPI_CHECK(call) ::joule::dist::detail::check_mpi((call), #call, __FILE__, __LINE__)
#endif
