#!/usr/bin/env bash
# joule_report end to end: short real trainings (fashion_mlp, sparse_mlp dense and SET,
# energy_aware_stop) on a slice of Fashion-MNIST into a temp folder, joule_report over it, then
# the page rendered by headless Chromium: no console error, every run in the DOM, and no
# http(s) fetch in the HTML.
#   test_joule_report.sh BIN_DIR FASHION_MNIST_DIR
# Without chromium the test skips (exit 77) unless JOULE_REQUIRE_CHROMIUM=1 (CI), where it fails.
set -euo pipefail
bin=$1
data=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A slice of the IDX files: the first N examples, with the count in the header rewritten.
slice() {  # slice SRC.gz DST.gz N HEADER_BYTES RECORD_BYTES
  local src=$1 dst=$2 n=$3 hdr=$4 rec=$5 count raw="$work/raw"
  count=$(printf '%08x' "$n")
  zcat "$src" > "$raw"
  { head -c 4 "$raw"
    printf "\\x${count:0:2}\\x${count:2:2}\\x${count:4:2}\\x${count:6:2}"
    head -c "$hdr" "$raw" > "$raw.hdr"
    tail -c $((hdr - 8)) "$raw.hdr"
    tail -c +$((hdr + 1)) "$raw" | head -c $((n * rec)) || true; } | gzip -1 > "$dst"
  rm -f "$raw" "$raw.hdr"
}
mkdir -p "$work/data"
slice "$data/train-images-idx3-ubyte.gz" "$work/data/train-images-idx3-ubyte.gz" 1200 16 784
slice "$data/train-labels-idx1-ubyte.gz" "$work/data/train-labels-idx1-ubyte.gz" 1200 8 1
slice "$data/t10k-images-idx3-ubyte.gz" "$work/data/t10k-images-idx3-ubyte.gz" 500 16 784
slice "$data/t10k-labels-idx1-ubyte.gz" "$work/data/t10k-labels-idx1-ubyte.gz" 500 8 1

runs="$work/runs"
common=(--data "$work/data" --threads 2 --no-progress --out "$runs")
"$bin/fashion_mlp" "${common[@]}" --epochs 3 --hidden 64 --pue 1.5 --country FRA
"$bin/sparse_mlp" "${common[@]}" --epochs 3 --hidden 64 --method dense
"$bin/sparse_mlp" "${common[@]}" --epochs 3 --hidden 64 --method set
"$bin/energy_aware_stop" "${common[@]}" --epochs 8 --hidden 64 --val 300 --min-epochs 2 \
  --landing 1

html="$work/report.html"
"$bin/joule_report" "$runs" "$html"

ids=$(find "$runs/mlruns" -mindepth 3 -maxdepth 3 -name meta.yaml -printf '%h\n' |
      xargs -n1 basename)
n=$(echo "$ids" | wc -l)
echo "runs written: $n"
[ "$n" -eq 4 ] || { echo "FAIL: expected 4 runs, found $n"; exit 1; }
for example in fashion_mlp sparse_mlp_dense sparse_mlp_set energy_aware_stop; do
  grep -q ">$example" "$html" || { echo "FAIL: no $example run in the page"; exit 1; }
done
if grep -Eiq '(src|href)[[:space:]]*=[[:space:]]*["'"'"']?(https?:)?//' "$html"; then
  echo "FAIL: the page fetches from the network:"
  grep -Eio '(src|href)[[:space:]]*=[[:space:]]*["'"'"']?(https?:)?//[^"'"'"' >]*' "$html"
  exit 1
fi

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  if [ "${JOULE_REQUIRE_CHROMIUM:-0}" = 1 ]; then
    echo "FAIL: JOULE_REQUIRE_CHROMIUM=1 but no chromium on PATH"
    exit 1
  fi
  echo "SKIP: no chromium on PATH (Debian: apt-get install chromium); the page was checked"
  echo "      for its runs and for network fetches, not rendered"
  exit 77
fi
"$browser" --headless=new --no-sandbox --disable-gpu --enable-logging=stderr --v=1 \
  --virtual-time-budget=2000 --dump-dom "file://$html" > "$work/dom.html" 2> "$work/stderr.txt" \
  || { echo "FAIL: chromium exited with $?"; tail -20 "$work/stderr.txt"; exit 1; }
# The page has no scripts, so any console message is a fault. Chromium logs console.error() as
# an INFO:CONSOLE line naming only the message ("boom"), so every CONSOLE line fails the test.
if grep -Eq 'CONSOLE|Uncaught' "$work/stderr.txt"; then
  echo "FAIL: console messages:"
  grep -E 'CONSOLE|Uncaught' "$work/stderr.txt"
  exit 1
fi
for id in $ids; do
  grep -q "id=\"run-$id\"" "$work/dom.html" || { echo "FAIL: run $id not in the DOM"; exit 1; }
  grep -q "id=\"row-$id\"" "$work/dom.html" || { echo "FAIL: run $id not in the table"; exit 1; }
done
echo "PASS: chromium rendered $n runs with no console error"
