#!/usr/bin/env bash
# Installs missing dependencies, builds Joule with its tests and runs the whole suite with CTest.
#   BUILD_DIR         build directory (default: build)
#   JOULE_CMAKE_ARGS  extra configure arguments, split on spaces, e.g.
#                     JOULE_CMAKE_ARGS="-DJOULE_SANITIZE=address,undefined" bash scripts/test.sh
# Exits non-zero if the build or any test fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

build_dir="${BUILD_DIR:-build}"
read -r -a extra_args <<<"${JOULE_CMAKE_ARGS:-}"

bash scripts/deps.sh

echo "test: configuring $build_dir${extra_args[*]:+ with ${extra_args[*]}}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DJOULE_BUILD_TESTS=ON "${extra_args[@]}"
echo "test: building with $(nproc) jobs"
cmake --build "$build_dir" -j"$(nproc)"
echo "test: running ctest in $build_dir"
ctest --test-dir "$build_dir" --output-on-failure -j2 --timeout 600
