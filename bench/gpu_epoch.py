#!/usr/bin/env python3
"""Fashion-MNIST epochs on the GPU: Joule on CUDA against Joule on the CPU and PyTorch on the GPU.

For each model (the MLP of fashion_mlp and the CNN of fashion_cnn, their default recipes), every
round runs, one after the other so that they share the machine's state:
  joule-gpu    build/examples/<model> --device cuda
  torch-gpu    bench/torch_twin.py --model <model> --device cuda   (same data, model and recipe)
  joule-cpu    build/examples/<model> --device cpu --threads <n>   (unless --no-cpu)
and reports, per side, the median training time of an epoch (train_s, the epochs after the first,
which pays for CUDA's start: context, cuBLAS handle, first allocations), the median energy of an
epoch (Joule's joules= field, from NVML alone when the machine has no CPU counter, else RAPL+NVML;
PyTorch's gpu_joules=, NVML's counter around the same training and evaluation) and the final test
accuracy, then the ratios the issue asks for: Joule CPU / Joule GPU (at least 10x) and Joule GPU /
PyTorch GPU (at most 1 for the MLP). Results go to <results-dir>/gpu_epoch.csv and .md.

Needs a CUDA build of Joule (cmake -DJOULE_CUDA=AUTO on a machine with nvcc) and, for PyTorch's
side, a torch built with CUDA in --python. Written before it could be run on a GPU: see README's
CUDA section.

  /usr/bin/python3 bench/gpu_epoch.py --model both --epochs 3 --rounds 3
"""
import argparse
import csv
import os
import shlex
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROG = "gpu_epoch"
MODELS = {"mlp": "build/examples/fashion_mlp", "cnn": "build/examples/fashion_cnn"}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["mlp", "cnn", "both"], default="both")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per run (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per side (default 3)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for joule-cpu")
    parser.add_argument("--no-cpu", action="store_true", help="skip the (slow) CPU runs")
    parser.add_argument("--python", default=sys.executable, help="Python with torch for PyTorch")
    parser.add_argument("--results-dir", default="bench/results")
    args = parser.parse_args()
    if args.epochs < 2 or args.rounds < 1:
        parser.error("--epochs must be at least 2 (the first is warm-up) and --rounds at least 1")
    return args


def key_values(line):
    """{'epoch': '1', 'train_s': '1.2', ...} from a line of space-separated key=value tokens."""
    pairs = {}
    for token in line.split():
        key, sep, value = token.partition("=")
        if sep:
            pairs[key] = value.strip('"')
    return pairs


def run(cmd):
    """Runs cmd in the repository root; returns its stdout lines, or exits with its output."""
    result = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        sys.exit(f"{PROG}: `{shlex.join(cmd)}` failed with exit status {result.returncode}:\n"
                 f"{result.stdout}{result.stderr}")
    return result.stdout.splitlines()


class Side:
    def __init__(self, name, cmd, joules_key):
        self.name, self.cmd, self.joules_key = name, cmd, joules_key
        self.epochs = []  # dicts of every epoch line of every round
        self.header = {}
        self.meter = ""

    def run_round(self):
        lines = run(self.cmd)
        for line in lines:
            kv = key_values(line)
            if "epoch" in kv and "train_s" in kv:
                self.epochs.append(kv)
            elif line.startswith("meter "):
                self.meter = kv.get("energy_source", "") + " " + kv.get("energy", "")
            elif "blas" in kv and not self.header:
                self.header = kv

    def after_warmup(self, key):
        return [float(e[key]) for e in self.epochs if key in e and int(e["epoch"]) > 1]

    def median_s(self):
        return statistics.median(self.after_warmup("train_s"))

    def median_j(self):
        values = self.after_warmup(self.joules_key)
        return statistics.median(values) if values else float("nan")

    def final_acc(self):
        return float(self.epochs[-1].get("test_acc", "nan"))


def sides_for(model, args):
    common = ["--epochs", str(args.epochs), "--no-progress", "--out", ""]
    if model == "cnn":
        common += ["--checkpoint", ""]
    binary = MODELS[model]
    if not os.path.exists(os.path.join(ROOT, binary)):
        sys.exit(f"{PROG}: {binary} is missing: build Joule first (cmake --build build)")
    sides = [Side("joule-gpu", [binary, "--device", "cuda"] + common, "joules"),
             Side("torch-gpu", [args.python, "bench/torch_twin.py", "--model", model, "--device",
                                "cuda", "--epochs", str(args.epochs)], "gpu_joules")]
    if not args.no_cpu:
        sides.append(Side("joule-cpu", [binary, "--device", "cpu", "--threads", str(args.threads)]
                          + common, "joules"))
    return sides


def main():
    args = parse_args()
    models = ["mlp", "cnn"] if args.model == "both" else [args.model]
    os.makedirs(os.path.join(ROOT, args.results_dir), exist_ok=True)
    rows = []
    md = ["# Fashion-MNIST epochs on the GPU", "",
          f"`{shlex.join([sys.executable] + sys.argv)}`: {args.rounds} rounds of {args.epochs} "
          "epochs per side, run one after the other; medians over the epochs after the first.", ""]
    for model in models:
        sides = sides_for(model, args)
        for r in range(args.rounds):
            for side in sides:
                print(f"{PROG}: {model} round {r + 1}/{args.rounds}: {side.name}", flush=True)
                side.run_round()
        by = {s.name: s for s in sides}
        gpu = by["joule-gpu"]
        md += [f"## {model}", "", f"GPU: {gpu.header.get('gpu', '?')}; Joule's meter: {gpu.meter}",
               "", "| side | median epoch s | median joules/epoch | final test_acc |",
               "|---|---:|---:|---:|"]
        for s in sides:
            rows.append({"model": model, "side": s.name, "median_epoch_s": f"{s.median_s():.4f}",
                         "median_joules": f"{s.median_j():.2f}", "final_test_acc": s.final_acc(),
                         "command": shlex.join(s.cmd)})
            md.append(f"| {s.name} | {s.median_s():.4f} | {s.median_j():.2f} "
                      f"| {s.final_acc():.2f} |")
        md.append("")
        ratio_torch = gpu.median_s() / by["torch-gpu"].median_s()
        md.append(f"Joule GPU / PyTorch GPU epoch time: **{ratio_torch:.2f}**")
        if "joule-cpu" in by:
            speedup = by["joule-cpu"].median_s() / gpu.median_s()
            md.append(f"Joule CPU ({args.threads} threads) / Joule GPU epoch time: "
                      f"**{speedup:.1f}x**")
        md.append("")
        print("\n".join(md[-12:]), flush=True)
    with open(os.path.join(ROOT, args.results_dir, "gpu_epoch.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with open(os.path.join(ROOT, args.results_dir, "gpu_epoch.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print(f"{PROG}: wrote {args.results_dir}/gpu_epoch.csv and gpu_epoch.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
