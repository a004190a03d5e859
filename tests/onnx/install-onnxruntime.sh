#!/usr/bin/env bash
# Installs npm's onnxruntime-node (ONNX Runtime for Node.js, with its Linux x64 CPU library) into
# .deps/onnxruntime/node_modules of this repository, where tests/onnx/ort_accuracy.js finds it.
# --ignore-scripts: the package's install script only fetches optional GPU binaries from the
# network; the CPU library is in the package itself. Needs node and npm (Debian: nodejs npm).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dest="$root/.deps/onnxruntime"
mkdir -p "$dest"
cd "$dest"
if [[ -d node_modules/onnxruntime-node ]]; then
  echo "onnxruntime-node: already in $dest/node_modules"
  exit 0
fi
[[ -f package.json ]] || echo '{"private": true}' > package.json
npm install --ignore-scripts --no-audit --no-fund onnxruntime-node
echo "onnxruntime-node: installed in $dest/node_modules"
