#!/usr/bin/env bash
# ONNX export end to end: trains the Fashion-MNIST MLP and CNN for one epoch on the first 6,000
# training images, exports them (fp32) and the int8 ptq_static models of the CNN and of the MLP
# (quantize, QDQ form; the MLP trained by quantize with its recipe on the same slice), checks the
# four files with onnx.checker and runs them in ONNX Runtime on all 10,000 test images. ONNX
# Runtime's accuracy must equal the test_acc Joule printed for the same model to within one image
# (fp32) or 0.1 points (int8: the runtime's int8 kernels round a few values differently).
#
#   bash tests/onnx/test_onnx_runtime.sh BIN_DIR DATA_DIR WORK_DIR
#
# BIN_DIR holds fashion_mlp, fashion_cnn and quantize. Exit status 77 (CTest's skip) when
# python3-onnx, node or onnxruntime-node is missing, with the reason, unless
# JOULE_REQUIRE_ONNXRUNTIME=1 (CI), which makes that a failure.
set -euo pipefail
bin="$1" data="$2" work="$3"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

skip() {
  if [[ "${JOULE_REQUIRE_ONNXRUNTIME:-0}" == 1 ]]; then
    echo "FAIL: $1 (JOULE_REQUIRE_ONNXRUNTIME=1)" >&2
    exit 1
  fi
  echo "SKIP: $1"
  exit 77
}

python=""
for py in python3 /usr/bin/python3; do
  if command -v "$py" >/dev/null && "$py" -c "import onnx" 2>/dev/null; then python="$py"; break; fi
done
[[ -n "$python" ]] || skip "no python3 with the onnx module (install python3-onnx)"
command -v node >/dev/null || skip "no node (install nodejs)"
node "$here/ort_accuracy.js" --probe >/dev/null 2>&1 ||
  skip "onnxruntime-node cannot be loaded (run tests/onnx/install-onnxruntime.sh)"

rm -rf "$work"
mkdir -p "$work/data"
# The data: the first 6,000 training images and labels (IDX headers rewritten), the whole test set.
"$python" - "$data" "$work/data" 6000 <<'PY'
import gzip, os, struct, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def read_idx(base):
    for name in (base, base + ".gz"):
        path = os.path.join(src, name)
        if os.path.exists(path):
            with (gzip.open if name.endswith(".gz") else open)(path, "rb") as f:
                return f.read()
    sys.exit(f"no {base}[.gz] in {src}")
for base, item in (("train-images-idx3-ubyte", 28 * 28), ("train-labels-idx1-ubyte", 1)):
    raw = read_idx(base)
    start = 4 + 4 * raw[3]
    header = bytearray(raw[:start])
    struct.pack_into(">I", header, 4, n)
    with open(os.path.join(dst, base), "wb") as f:
        f.write(bytes(header) + raw[start:start + n * item])
for base in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
    with open(os.path.join(dst, base), "wb") as f:
        f.write(read_idx(base))
PY
common=(--data "$work/data" --threads 2 --out "$work/runs")

# "export onnx=PATH test_acc=X ..." -> X
joule_acc() { sed -n 's/^export onnx=[^ ]* test_acc=\([0-9.]*\).*/\1/p' "$1"; }
ort_acc() { sed -n 's/^ort onnx=.* test_acc=\([0-9.]*\).*/\1/p' "$1"; }

run() {  # name, then the command; its output goes to $work/name.log and is shown on failure
  local name="$1"
  shift
  if ! "$@" >"$work/$name.log" 2>&1; then
    cat "$work/$name.log"
    echo "FAIL: $name: $* exited with an error" >&2
    exit 1
  fi
}

run mlp "$bin/fashion_mlp" "${common[@]}" --epochs 1 --no-progress --export "$work/mlp.onnx"
run cnn "$bin/fashion_cnn" "${common[@]}" --epochs 1 --no-progress --batchnorm \
  --checkpoint "$work/cnn" --export "$work/cnn.onnx"
run cnn_int8 "$bin/quantize" "${common[@]}" --model cnn --checkpoint "$work/cnn/last.h5" \
  --qat-epochs 0 --runs 1 --export "$work/cnn_int8.onnx"
run mlp_int8 "$bin/quantize" "${common[@]}" --model mlp --qat-epochs 0 --runs 1 \
  --export "$work/mlp_int8.onnx"
"$python" "$here/check_model.py" "$work"/{mlp,cnn,cnn_int8,mlp_int8}.onnx

status=0
for case in "mlp 0.01" "cnn 0.01" "cnn_int8 0.1" "mlp_int8 0.1"; do
  read -r name tolerance <<<"$case"
  file="$work/$name.onnx"
  run "ort_$name" node "$here/ort_accuracy.js" "$file" "$data"
  cat "$work/ort_$name.log"
  joule="$(joule_acc "$work/$name.log")" ort="$(ort_acc "$work/ort_$name.log")"
  if [[ -z "$joule" || -z "$ort" ]]; then
    echo "FAIL: $name: no accuracy (joule='$joule', onnxruntime='$ort')" >&2
    status=1
    continue
  fi
  if awk -v a="$joule" -v b="$ort" -v t="$tolerance" \
      'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t + 1e-9) }'; then
    echo "ok $name joule_test_acc=$joule onnxruntime_test_acc=$ort tolerance=$tolerance"
  else
    echo "FAIL: $name: joule_test_acc=$joule onnxruntime_test_acc=$ort differ by more than" \
         "$tolerance points" >&2
    status=1
  fi
done
exit "$status"
