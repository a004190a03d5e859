#!/usr/bin/env bash
# scripts/check-layers.sh against small made-up trees: a clean one passes; one with a violation
# of each rule fails, naming each file, line and include. Usage: test_check_layers.sh REPO_ROOT
set -euo pipefail

repo="${1:?usage: test_check_layers.sh REPO_ROOT}"
script="$repo/scripts/check-layers.sh"
tree="$(mktemp -d)"
trap 'rm -rf "$tree"' EXIT

failures=0
expect() {  # expect <what> <condition result>
  if [[ $2 != 0 ]]; then echo "FAIL: $1"; failures=$((failures + 1)); else echo "ok: $1"; fi
}

mkdir -p "$tree/scripts" "$tree/kernels/cpu" "$tree/datasets" \
  "$tree/lib/joule/core" "$tree/lib/joule/io" "$tree/lib/joule/train"
cp "$repo/scripts/layers.txt" "$tree/scripts/"
printf '#include <vector>\n' > "$tree/kernels/cpu/gemm.h"
printf '#include "kernels/cpu/gemm.h"\n#include <string>\n' > "$tree/lib/joule/core/tensor.h"
printf '#include "joule/core/tensor.h"\n' > "$tree/lib/joule/io/checkpoint.h"
printf '#include "joule/io/checkpoint.h"\n#include "datasets/csv.h"\n' \
  > "$tree/lib/joule/train/trainer.h"
printf '#include "joule/io/checkpoint.h"\n' > "$tree/datasets/csv.h"

set +e
out="$(bash "$script" "$tree" 2>&1)"; rc=$?
set -e
echo "$out"
expect "a clean tree passes" "$([[ $rc == 0 ]]; echo $?)"

# One violation of each rule.
printf '#include "joule/core/tensor.h"\n#include "joule/train/trainer.h"\n' \
  > "$tree/lib/joule/io/checkpoint.h"
printf '#include <vector>\n #  include <joule/core/tensor.h>\n' > "$tree/kernels/cpu/gemm.h"
printf '#include "joule/train/trainer.h"\n' > "$tree/datasets/csv.h"
printf '#include "lib/joule/core/tensor.h"\n' > "$tree/lib/joule/core/shape.h"
mkdir -p "$tree/lib/joule/attic"
# Includes the script sees only by resolving them: a relative "../" path, a bare name from the
# same folder of another layer, and a kernels include through the kernels/ include root.
printf '#include "../train/trainer.h"\n' > "$tree/lib/joule/core/device.h"
printf '#include "trainer.h"\n#include "../io/checkpoint.h"\n' > "$tree/lib/joule/train/loop.h"
printf '#include "cpu/gemm.h"\n' > "$tree/lib/joule/core/storage.h"
printf '#include "../datasets/csv.h"\n' > "$tree/kernels/cpu/conv.inc"

set +e
out="$(bash "$script" "$tree" 2>&1)"; rc=$?
set -e
echo "$out"
expect "a tree with violations fails with status 1" "$([[ $rc == 1 ]]; echo $?)"
has() { grep -qF -- "$1" <<<"$out"; echo $?; }
expect "io including train is named with file and line" \
  "$(has 'lib/joule/io/checkpoint.h:2: io (layer 10) includes joule/train/trainer.h')"
expect "kernels including the framework is named" \
  "$(has 'kernels/cpu/gemm.h:2: kernels/ includes nothing from the framework, found joule/core/')"
expect "datasets including train is named" \
  "$(has 'datasets/csv.h:1: datasets (layer 11) includes joule/train/trainer.h')"
expect "an include through lib/ is named" "$(has 'lib/joule/core/shape.h:1: includes through lib/')"
expect "a folder outside the order is named" "$(has 'folder lib/joule/attic has no place')"
expect "a relative ../ include is judged by the file it reaches" \
  "$(has 'lib/joule/core/device.h:1: core (layer 2) includes ../train/trainer.h')"
expect "a .inc file of kernels/ is read and its relative include named" \
  "$(has 'kernels/cpu/conv.inc:1: kernels/ includes nothing from the framework, found ../datasets')"
expect "the count is given (allowed relative includes are not counted)" \
  "$(has 'check-layers: 7 violation(s)')"

if [[ $failures != 0 ]]; then echo "$failures check(s) failed"; exit 1; fi
echo "all checks passed"
