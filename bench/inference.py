#!/usr/bin/env python3
"""The inference ladder: every Fashion-MNIST model variant, one row each.

Runs build/bench/inference (which trains each model with its example's recipe, or loads it from
the cache folder --out when an earlier run with the same settings trained it) and writes
  bench/results/inference.csv  one row per model
  bench/results/inference.md   the table, the command that produced it and the machine
  bench/results/inference.svg  test accuracy against joules per 1,000 predictions (log scale),
                               every model a labelled point, the Pareto front as a line

  /usr/bin/python3 bench/inference.py [--build build] [--threads 0]
      [--out runs/inference] [--runs 30] [--conditions "..."] [--quick] [-- FLAGS...]

--quick trains one epoch on 2,000 images and measures on 1,000 (a smoke test: its timings and
accuracies mean nothing); flags after -- go to the program as they are (see inference --help).
Run it on a quiet machine: the latencies and the energy estimate follow the load.

Standard library only.
"""
import argparse
import csv
import math
import os
import platform
import shlex
import subprocess
import sys

FIELDS = ["model", "test_acc", "params", "model_bytes", "latency_ms_b1", "latency_p99_ms_b1",
          "images_per_s_b256", "j_per_1k", "energy_source"]
WHAT = {
    "mlp": "dense MLP 784-256-128-10, fashion_mlp's recipe",
    "cnn": "dense CNN (conv16-pool-conv32-pool-fc128-fc10), fashion_cnn's recipe",
    "cnn_thin50": "the CNN with 50% of each conv's channels pruned, fine-tuned, then thinned",
    "sparse_mlp90": "the MLP with SparseLinear layers at 90% sparsity (ERK), trained by SET",
    "student": "MLP 784-64-10 distilled from the dense CNN (T = 3, alpha = 0.5)",
    "cnn_int8_ptq": "the dense CNN, int8 static post-training quantization",
    "cnn_int8_qat": "the dense CNN, int8 after quantization-aware training",
}
COLORS = {"mlp": "#1f77b4", "cnn": "#d62728", "cnn_thin50": "#ff7f0e", "sparse_mlp90": "#2ca02c",
          "student": "#9467bd", "cnn_int8_ptq": "#8c564b", "cnn_int8_qat": "#e377c2"}


def parse_rows(out):
    """The model=... lines of the program's output, as dicts."""
    rows = []
    for line in out.splitlines():
        if line.startswith("model="):
            row = dict(kv.split("=", 1) for kv in line.split())
            missing = [f for f in FIELDS if f not in row]
            if missing:
                raise SystemExit("row without %s: %s" % (", ".join(missing), line))
            rows.append(row)
    if not rows:
        raise SystemExit("no model= line in the output")
    return rows


def num(row, key):
    return float(row[key])


def pareto_front(rows):
    """The rows no other row beats on both counts (more accurate and cheaper), cheapest first."""
    front, best = [], -math.inf
    for r in sorted(rows, key=lambda r: (num(r, "j_per_1k"), -num(r, "test_acc"))):
        if num(r, "test_acc") > best:
            front.append(r)
            best = num(r, "test_acc")
    return front


def machine():
    """A line naming the CPU, its cores and the system."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%s, %d logical cores, %s %s, Python %s" % (
        cpu, os.cpu_count() or 0, platform.system(), platform.release(),
        platform.python_version())


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(r)


def write_markdown(path, rows, meta):
    front = {r["model"] for r in pareto_front(rows)}
    out = ["# The inference ladder (Fashion-MNIST)\n",
           "Produced by:\n", "```", meta["command"], "```\n",
           "which ran:\n", "```", meta["program"], "```\n",
           "Machine: %s. %s\n" % (meta["machine"], meta["conditions"]),
           "Every row is measured by the same code (examples/common/inference.h): test accuracy "
           "on the test set, batch-1 latency (median and 99th percentile of %s runs), batch-256 "
           "throughput (median of %s runs) and the energy of two passes over the test set in "
           "batches of 256, per 1,000 predictions (energy_source=%s). Bytes: the model's "
           "checkpoint file. Parameters: weights and biases stored (the int8 rows hold the "
           "float CNN's, one byte each). **Bold**: on the Pareto front (no other row is both "
           "more accurate and cheaper in J/1k).\n" % (meta["runs_b1"], meta["runs"],
                                                       rows[0]["energy_source"]),
           "| model | test acc % | params | file bytes | latency b1 p50 ms | latency b1 p99 ms | "
           "images/s b256 | J / 1k | energy |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        name = ("**%s**" % r["model"]) if r["model"] in front else r["model"]
        out.append("| %s | %.2f | %d | %d | %.4g | %.4g | %.0f | %.4g | %s |" % (
            name, num(r, "test_acc"), int(r["params"]), int(r["model_bytes"]),
            num(r, "latency_ms_b1"), num(r, "latency_p99_ms_b1"), num(r, "images_per_s_b256"),
            num(r, "j_per_1k"), r["energy_source"]))
    out.append("\n## The rows\n")
    for r in rows:
        out.append("- `%s`: %s" % (r["model"], WHAT.get(r["model"], "")))
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def write_svg(path, rows, title):
    W, H = 820, 500
    L, T, PW, PH = 70, 50, 560, 380
    xs = [num(r, "j_per_1k") for r in rows]
    ys = [num(r, "test_acc") for r in rows]
    lx0 = math.floor(math.log10(min(xs)) * 2) / 2  # half-decade bounds
    lx1 = math.ceil(math.log10(max(xs)) * 2) / 2
    if lx1 - lx0 < 1:
        lx1 = lx0 + 1
    y0, y1 = math.floor(min(ys) - 0.5), math.ceil(max(ys) + 0.5)

    def px(x):
        return L + (math.log10(x) - lx0) / (lx1 - lx0) * PW

    def py(y):
        return T + (y1 - y) / (y1 - y0) * PH

    s = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
         'font-family="sans-serif" font-size="12">' % (W, H),
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="%d" y="22" font-size="14">%s</text>' % (L, title),
         '<text x="%d" y="38" fill="#555">up and to the left is better; the line joins the '
         'Pareto front</text>' % L]
    decade = math.floor(lx0)
    while decade <= lx1:
        for m in range(1, 10):
            lv = decade + math.log10(m)
            if lx0 - 1e-9 <= lv <= lx1 + 1e-9:
                x = px(10 ** lv)
                s.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>' % (
                    x, T, x, T + PH, "#ccc" if m == 1 else "#eee"))
                if m in (1, 3):
                    s.append('<text x="%.1f" y="%d" text-anchor="middle">%g</text>' % (
                        x, T + PH + 16, float("%.3g" % 10 ** lv)))
        decade += 1
    for i in range(6):
        yv = y0 + (y1 - y0) * i / 5
        s.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (
            L, py(yv), L + PW, py(yv)))
        s.append('<text x="%d" y="%.1f" text-anchor="end">%.1f</text>' % (L - 6, py(yv) + 4, yv))
    s.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>' % (
        L, T, PW, PH))
    front = pareto_front(rows)
    s.append('<polyline fill="none" stroke="#333" stroke-width="1.5" stroke-dasharray="5 3" '
             'points="%s"/>' % " ".join("%.1f,%.1f" % (px(num(r, "j_per_1k")),
                                                       py(num(r, "test_acc"))) for r in front))
    placed = []  # label boxes (x0, y0, x1, y1) so far: a label that would overlap one moves down
    for r in rows:
        x, y = px(num(r, "j_per_1k")), py(num(r, "test_acc"))
        c = COLORS.get(r["model"], "#555")
        s.append('<circle cx="%.1f" cy="%.1f" r="5" fill="%s"><title>%s: %.2f%%, %.4g J/1k'
                 '</title></circle>' % (x, y, c, r["model"], num(r, "test_acc"),
                                        num(r, "j_per_1k")))
        ty, width = y + 4, 6.5 * len(r["model"])
        while any(x + 8 < b[2] and b[0] < x + 8 + width and ty - 11 < b[3] and b[1] < ty
                  for b in placed):
            ty += 13
        placed.append((x + 8, ty - 11, x + 8 + width, ty))
        s.append('<text x="%.1f" y="%.1f" font-size="11" fill="%s">%s</text>' % (
            x + 8, ty, c, r["model"]))
    s.append('<text x="%d" y="%d" text-anchor="middle">joules per 1,000 predictions '
             '(batch 256, %s; log scale)</text>' % (L + PW // 2, H - 20, rows[0]["energy_source"]))
    s.append('<text x="16" y="%d" transform="rotate(-90 16 %d)" text-anchor="middle">'
             'test accuracy %%</text>' % (T + PH // 2, T + PH // 2))
    ly = T + 10
    for r in rows:
        s.append('<circle cx="%d" cy="%d" r="5" fill="%s"/><text x="%d" y="%d">%s</text>' % (
            L + PW + 20, ly, COLORS.get(r["model"], "#555"), L + PW + 32, ly + 4, r["model"]))
        ly += 20
    s.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333" stroke-dasharray="5 3"/>'
             '<text x="%d" y="%d">Pareto front</text>' % (L + PW + 15, ly, L + PW + 27, ly,
                                                          L + PW + 32, ly + 4))
    s.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(s) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--exe", default="", help="the inference binary (default: BUILD/bench/...)")
    ap.add_argument("--results-dir", default="bench/results")
    ap.add_argument("--out", default="runs/inference", help="the folder that caches the models")
    ap.add_argument("--threads", default="0", help="OpenMP threads (0: all cores)")
    ap.add_argument("--runs", default="30", help="timed batch-256 runs (batch 1: ten times)")
    ap.add_argument("--conditions", default="", help="a line on the machine and its load")
    ap.add_argument("--quick", action="store_true",
                    help="1 epoch on 2,000 images, 1,000 test images, 3 runs (a smoke test)")
    ap.add_argument("extra", nargs=argparse.REMAINDER, help="-- then flags for the program")
    a = ap.parse_args()
    exe = a.exe or os.path.join(a.build, "bench", "inference")
    runs = "3" if a.quick else a.runs
    cmd = [exe, "--out", a.out, "--threads", a.threads, "--runs", runs]
    if a.quick:
        cmd += ["--epochs", "1", "--train-samples", "2000", "--test-samples", "1000"]
    cmd += [x for x in a.extra if x != "--"]
    os.makedirs(a.results_dir, exist_ok=True)
    print("+ " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    print(proc.stdout, end="", flush=True)
    if proc.returncode != 0:
        raise SystemExit("failed (%d): %s" % (proc.returncode, " ".join(cmd)))
    rows = parse_rows(proc.stdout)
    stem = os.path.join(a.results_dir, "inference")
    meta = {"command": " ".join(shlex.quote(c) for c in ["python3"] + sys.argv),
            "program": " ".join(shlex.quote(c) for c in cmd), "machine": machine(),
            "conditions": a.conditions or "Conditions not recorded.", "runs": runs,
            "runs_b1": str(10 * int(runs))}
    write_csv(stem + ".csv", rows)
    write_markdown(stem + ".md", rows, meta)
    write_svg(stem + ".svg", rows, "The inference ladder: test accuracy against energy")
    print("wrote %s.csv %s.md %s.svg" % (stem, stem, stem))


if __name__ == "__main__":
    main()
