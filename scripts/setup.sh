#!/usr/bin/env bash
# Installs missing dependencies, then configures and builds Joule (Release) in build/.
# Extra arguments go to the CMake configure step, e.g.
#   bash scripts/setup.sh -DJOULE_NATIVE=OFF
# Safe to run again: it installs nothing twice and rebuilds only what changed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/deps.sh

echo "setup: configuring build/"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@"
echo "setup: building with $(nproc) jobs"
cmake --build build -j"$(nproc)"
echo "setup: done; try build/examples/fashion_mlp --epochs 10"
