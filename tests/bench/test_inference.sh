#!/usr/bin/env bash
# bench/inference end to end on a slice of Fashion-MNIST, one epoch per training:
#   1. a fresh cache folder: every model trains, and every row is printed with every field; the
#      thinned CNN scores what the masked CNN it came from scored;
#   2. the same command again: every model comes from the cache (nothing trains) and measures
#      the accuracy it measured the first time;
#   3. bench/inference.py over the cached models writes the CSV (one line per row), the Markdown
#      (the command and the machine) and the SVG (a point per row and the Pareto front).
# usage: test_inference.sh INFERENCE_BINARY FASHION_MNIST_DIR WORK_DIR
set -euo pipefail
exe=$1 data=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
rows="mlp cnn cnn_thin50 sparse_mlp90 student cnn_int8_ptq cnn_int8_qat"
fields="test_acc params model_bytes latency_ms_b1 latency_p99_ms_b1 images_per_s_b256 j_per_1k
        energy_source"
args=(--data "$data" --epochs 1 --train-samples 600 --test-samples 500 --runs 2 --threads 2
      --out "$work/cache")
fail() { echo "FAIL: $*"; exit 1; }

rm -rf "$work"
mkdir -p "$work"
"$exe" "${args[@]}" > "$work/first.txt"
"$exe" "${args[@]}" > "$work/second.txt"
for row in $rows; do
  line=$(grep "^model=$row " "$work/first.txt") || fail "no row model=$row in the first run"
  for f in $fields; do
    [[ " $line" == *" $f="* ]] || fail "row $row has no $f=: $line"
  done
  made="^train model=$row epoch=1 "
  [[ $row == cnn_int8_ptq ]] && made="^calibrated model=$row "
  grep -q "$made" "$work/first.txt" || fail "$row was not made: no line $made"
  acc1=$(grep "^model=$row " "$work/first.txt" | sed 's/.* test_acc=\([^ ]*\).*/\1/')
  acc2=$(grep "^model=$row " "$work/second.txt" | sed 's/.* test_acc=\([^ ]*\).*/\1/')
  [[ "$acc1" == "$acc2" ]] || fail "$row: test_acc $acc1 trained, $acc2 from the cache"
done
# Thinning keeps the function: the thinned CNN scores what the masked one scored after its last
# fine-tuning epoch.
masked=$(grep "^train model=cnn_thin50 " "$work/first.txt" | tail -1 | sed 's/.*test_acc=//')
thinned=$(grep "^model=cnn_thin50 " "$work/first.txt" | sed 's/.* test_acc=\([^ ]*\).*/\1/')
awk -v a="$masked" -v b="$thinned" 'BEGIN { exit (a - b < 0.005 && b - a < 0.005) ? 0 : 1 }' ||
  fail "cnn_thin50: the masked CNN scored $masked, the thinned one $thinned"
! grep -qE "^(train|calibrated) model=" "$work/second.txt" ||
  fail "the second run made a model again: $(grep -E '^(train|calibrated)' "$work/second.txt")"
[[ $(grep -c "^cached model=" "$work/second.txt") == $(wc -w <<< "$rows") ]] ||
  fail "the second run did not load every model from the cache"

python3 "$here/../../bench/inference.py" --exe "$exe" --results-dir "$work/results" \
  --out "$work/cache" --threads 2 --runs 2 -- --data "$data" --epochs 1 --train-samples 600 \
  --test-samples 500 > "$work/driver.txt"
csv="$work/results/inference.csv"
[[ $(wc -l < "$csv") == $(( $(wc -w <<< "$rows") + 1 )) ]] || fail "inference.csv: $(cat "$csv")"
head -1 "$csv" | grep -q "^model,test_acc,params,model_bytes,latency_ms_b1,latency_p99_ms_b1," ||
  fail "inference.csv header: $(head -1 "$csv")"
grep -q "bench/inference.py --exe" "$work/results/inference.md" || fail "no command in the .md"
grep -q "^Machine: " "$work/results/inference.md" || fail "no machine in the .md"
svg="$work/results/inference.svg"
for row in $rows; do
  grep -q ">$row</text>" "$svg" || fail "no label $row in the SVG"
done
grep -q "<polyline" "$svg" || fail "no Pareto front in the SVG"
echo "PASS: $(wc -w <<< "$rows") rows trained, reloaded from the cache, and reported"
