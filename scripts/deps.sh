#!/usr/bin/env bash
# Installs the Debian packages Joule needs to build, test and run its examples, only where they
# are missing. Works when run (bash scripts/deps.sh) or sourced (. scripts/deps.sh), as root or
# through sudo, on a bare Debian bookworm root (no lsb_release, no python needed).
#
# Packages:
#   build-essential cmake pkg-config   compiler and build tools
#   libeigen3-dev zlib1g-dev           library dependencies (Eigen for kernels, zlib for .gz IDX)
#   libhdf5-dev hdf5-tools             HDF5 checkpoints and datasets; h5dump to inspect them
#   python3-h5py                       the tests check that h5py reads a checkpoint without Joule
#   libgtest-dev libgmock-dev googletest   the test suite
#   libopenmpi-dev openmpi-bin         MPI for data-parallel training (joule::dist) and mpirun;
#                                      the build finds it (JOULE_MPI=AUTO) and CTest runs the MPI
#                                      test as two processes
#   libonnx-dev libprotobuf-dev protobuf-compiler   ONNX export (deploy::export_onnx): the ONNX
#                                      protobuf classes; the build finds them (JOULE_ONNX=AUTO)
#   python3-onnx                       tests/onnx checks exported files with onnx.checker
#   dataset-fashion-mnist              Fashion-MNIST IDX files in /usr/share/datasets/fashion-mnist
#                                      (used by the examples, the dataset tests and bench/)
# Not CUDA: the toolkit (nvcc, cuBLAS) comes from NVIDIA's installer or the machine's image, never
# from here; CMake finds it when present (JOULE_CUDA=AUTO) and builds the CPU library without it.

# The body runs in a subshell so that sourcing this file changes nothing in the caller's shell
# (no set -e, no variables) beyond its exit status.
joule_install_deps() (
  set -euo pipefail

  local packages=(build-essential cmake pkg-config libeigen3-dev zlib1g-dev libhdf5-dev hdf5-tools
                  python3-h5py
                  libgtest-dev libgmock-dev googletest dataset-fashion-mnist
                  libopenmpi-dev openmpi-bin
                  libonnx-dev libprotobuf-dev protobuf-compiler python3-onnx)

  local missing=()
  local pkg status
  for pkg in "${packages[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    if [[ "$status" != "install ok installed" ]]; then
      missing+=("$pkg")
    fi
  done

  if [[ ${#missing[@]} -eq 0 ]]; then
    echo "deps: all ${#packages[@]} packages already installed (${packages[*]})"
    return 0
  fi
  echo "deps: missing ${missing[*]}"

  if ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: missing ${missing[*]} and apt-get is not available; install them by hand" >&2
    return 1
  fi

  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "deps: missing ${missing[*]}; not root and sudo is not available" >&2
      return 1
    fi
  fi

  # env(1) passes DEBIAN_FRONTEND through sudo, which would otherwise reset the environment.
  local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y)
  echo "deps: apt-get update"
  "${apt[@]}" update </dev/null
  echo "deps: apt-get install ${missing[*]}"
  "${apt[@]}" install --no-install-recommends "${missing[@]}" </dev/null
)

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  joule_install_deps "$@"
else
  joule_install_deps "$@" || return
fi
