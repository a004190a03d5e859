#!/usr/bin/python3
"""Epoch time of the Fashion-MNIST MLP (784-256-128-10): Joule against PyTorch, same machine.

Alternates three sides for --rounds rounds, each running --epochs epochs on --threads threads:
  joule:         build/examples/fashion_mlp --epochs E --threads 2
  pytorch:       /usr/bin/python3 bench/torch_mlp.py --epochs E --threads 2
                 (the issue's configuration: the environment as is, except that it lacks
                 OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, so OpenBLAS picks its kernels for the CPU
                 it finds; Joule's environment is left as it is)
  pytorch_tuned: the same with --tuned-threads (OMP_WAIT_POLICY=PASSIVE, OPENBLAS_NUM_THREADS=2),
                 the fastest PyTorch configuration we found on 2 cores
Both print `epoch=N loss=... train_s=... test_acc=...` lines; train_s is the training loop only.
Reports the median epoch time per side, the ratios joule/pytorch and joule/pytorch_tuned and the
GFLOP/s each achieved,
then runs build/bench/gemm_bench once for the GEMM kernel's own GFLOP/s.

Writes bench/results/mlp_epoch.csv (one row per measured epoch) and bench/results/mlp_epoch.md.
The last line printed is
`ratio=<joule/pytorch> ratio_tuned=<joule/pytorch_tuned> joule_median_s=... torch_median_s=...`.

Standard library only:  /usr/bin/python3 bench/mlp_epoch.py [--rounds 5] [--epochs 3]
"""
import argparse
import csv
import datetime
import os
import shlex
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results")

# Multiply-accumulates per sample of one training step of 784-256-128-10 (biases and activations
# are left out): the forward GEMMs, the weight-gradient GEMMs (same size), and the input-gradient
# GEMMs of layers 2 and 3 (layer 1's input needs no gradient).
LAYERS = [(784, 256), (256, 128), (128, 10)]
FORWARD_MACS = sum(i * o for i, o in LAYERS)
WEIGHT_GRAD_MACS = FORWARD_MACS
INPUT_GRAD_MACS = sum(i * o for i, o in LAYERS[1:])
TRAIN_SAMPLES = 60000
FLOP_PER_EPOCH = TRAIN_SAMPLES * 2 * (FORWARD_MACS + WEIGHT_GRAD_MACS + INPUT_GRAD_MACS)

# PyTorch's process runs without these, which pin OpenBLAS to a core type / cache size.
TORCH_ENV_DROP = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def locate(path):
    """path as given if it exists from here, else relative to the repository root; absolute."""
    if os.path.isabs(path) or os.path.exists(path):
        return os.path.abspath(path)
    return os.path.join(ROOT, path)


def shown(path):
    """A path for the report: relative to the repository root when inside it."""
    rel = os.path.relpath(path, ROOT)
    return path if rel.startswith("..") else rel


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per run (default 3)")
    parser.add_argument("--threads", type=int, default=2, help="threads per side (default 2)")
    parser.add_argument("--binary", default="build/examples/fashion_mlp",
                        help="Joule's fashion_mlp (default build/examples/fashion_mlp)")
    parser.add_argument("--gemm-bench", default=None,
                        help="gemm_bench (default: bench/gemm_bench in --binary's build dir)")
    parser.add_argument("--python", default="/usr/bin/python3",
                        help="the Python with torch (default /usr/bin/python3)")
    return parser.parse_args()


def key_values(line):
    """{'epoch': '1', 'train_s': '1.2', ...} from a line of space-separated key=value tokens."""
    pairs = {}
    for token in line.split():
        key, sep, value = token.partition("=")
        if sep:
            pairs[key] = value
    return pairs


def run(cmd, env=None):
    """Runs cmd in the repository root; returns its stdout lines, or exits with its output.

    stderr (progress bars, warnings) is kept apart so it cannot be mistaken for results.
    """
    result = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        sys.exit(f"mlp_epoch: `{shlex.join(cmd)}` failed with exit status "
                 f"{result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout.splitlines()


def parse_run(lines, side):
    """(header, epochs): the first line with blas= as a dict, and the epoch lines as dicts."""
    header, epochs = {}, []
    for line in lines:
        kv = key_values(line)
        if "epoch" in kv and "train_s" in kv:
            epochs.append({"epoch": int(kv["epoch"]), "train_s": float(kv["train_s"]),
                           "test_acc": float(kv["test_acc"]) if "test_acc" in kv else float("nan")})
        elif "blas" in kv and not header:
            header = kv
    if not epochs:
        sys.exit(f"mlp_epoch: no `epoch=... train_s=...` lines from {side}:\n" + "\n".join(lines))
    return header, epochs


def check_torch(python):
    try:
        found = subprocess.run([python, "-c", "import torch"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL).returncode == 0
    except OSError:
        found = False
    if not found:
        sys.exit(f"mlp_epoch: {python} cannot import torch. Install Debian's PyTorch and "
                 "OpenBLAS:\n  apt-get install python3-torch libopenblas0-pthread")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def cpu_busy(seconds=1.0):
    """Percent of all CPU time used over the next `seconds` (/proc/stat): other work running on
    the machine skews every timing here. NaN where /proc/stat cannot be read."""
    def idle_and_total():
        with open("/proc/stat") as f:
            ticks = [int(x) for x in f.readline().split()[1:9]]
        return ticks[3] + ticks[4], sum(ticks)  # idle + iowait, all
    try:
        idle0, total0 = idle_and_total()
        time.sleep(seconds)
        idle1, total1 = idle_and_total()
    except (OSError, ValueError, IndexError):
        return float("nan")
    return 100.0 * (1 - (idle1 - idle0) / max(total1 - total0, 1))


def nproc():
    try:
        return subprocess.run(["nproc"], stdout=subprocess.PIPE, text=True).stdout.strip()
    except OSError:
        return str(len(os.sched_getaffinity(0)))


def run_gemm_bench(path, threads):
    """gemm_bench's output lines, or [] with a note when it is not built."""
    if not os.path.exists(path):
        print(f"mlp_epoch: {shown(path)} not found; skipping the GEMM benchmark", flush=True)
        return []
    lines = run([shown(path), "--threads", str(threads)])
    for line in lines:
        print(f"  {line}", flush=True)
    return lines


class Side:
    def __init__(self, name, cmd, env=None):
        self.name, self.cmd, self.env = name, cmd, env
        self.header = {}
        self.rows = []  # (round, epoch, train_s, test_acc)

    def run_round(self, rnd):
        header, epochs = parse_run(run(self.cmd, self.env), self.name)
        self.header = self.header or header
        for e in epochs:
            self.rows.append((rnd, e["epoch"], e["train_s"], e["test_acc"]))
        times = " ".join(f"{e['train_s']:.3f}" for e in epochs)
        print(f"round={rnd} side={self.name} train_s=[{times}] "
              f"test_acc={epochs[-1]['test_acc']:.2f}", flush=True)

    def times(self):
        return [r[2] for r in self.rows]

    def median(self):
        return statistics.median(self.times())

    def final_acc(self):
        """Median over rounds of each round's last-epoch test accuracy."""
        last = {}
        for rnd, epoch, _, acc in self.rows:
            if rnd not in last or epoch >= last[rnd][0]:
                last[rnd] = (epoch, acc)
        return statistics.median(acc for _, acc in last.values())

    def blas(self):
        return self.header.get("blas", "unknown")


def write_csv(path, sides):
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["side", "round", "epoch", "train_s", "test_acc"])
        for side in sides:
            for rnd, epoch, train_s, acc in side.rows:
                out.writerow([side.name, rnd, epoch, f"{train_s:.4f}", f"{acc:.2f}"])


def header_line(side):
    return " ".join(f"{k}={v}" for k, v in side.header.items()) or "(none)"


def write_markdown(path, args, sides, ratios, gemm_command, gemm_lines, command, busy):
    joule = sides[0]
    lines = [
        "# MLP epoch time: Joule vs PyTorch",
        "",
        f"Fashion-MNIST, MLP 784-256-128-10, batch 128, SGD momentum 0.9, {args.threads} "
        f"threads per side; {args.rounds} alternating rounds of {args.epochs} epochs "
        f"({len(joule.rows)} epochs per side). Epoch time is the training loop only.",
        "",
        "| side | BLAS | median epoch s | min s | max s | GFLOP/s | final test_acc % |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for side in sides:
        t = side.times()
        lines.append(f"| {side.name} | {side.blas()} | {side.median():.3f} | {min(t):.3f} | "
                     f"{max(t):.3f} | {FLOP_PER_EPOCH / side.median() / 1e9:.2f} | "
                     f"{side.final_acc():.2f} |")
    lines += [
        "",
        f"**Ratio joule/pytorch (median epoch time): {ratios['pytorch']:.3f}**; against "
        f"pytorch_tuned: {ratios['pytorch_tuned']:.3f}.",
        "",
        "`pytorch` is the configuration the issue names (Debian's python3-torch with OpenBLAS, "
        "torch.set_num_threads, environment otherwise as is, OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE "
        "unset). `pytorch_tuned` adds OMP_WAIT_POLICY=PASSIVE and OPENBLAS_NUM_THREADS so that "
        "PyTorch's two thread pools stop competing for the 2 cores: the fastest PyTorch we found.",
        "",
        f"GFLOP/s counts {FLOP_PER_EPOCH / 1e9:.2f} GFLOP per epoch: {TRAIN_SAMPLES} samples x 2 x "
        f"({FORWARD_MACS} forward + {WEIGHT_GRAD_MACS} weight-gradient + {INPUT_GRAD_MACS} "
        "input-gradient MACs of layers 2 and 3).",
        "",
    ]
    if gemm_lines:
        lines += ["## GEMM kernel (joule::kernels::cpu::gemm)", "",
                  f"`{gemm_command}`:", "", "```"] + gemm_lines + ["```", ""]
    lines += [
        "## Setup",
        "",
        f"- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {nproc()} cores (nproc), {cpu_model()}",
        f"- CPU busy over 1 s before the run: {busy[0]:.0f}%, after: {busy[1]:.0f}% (other work "
        "on the machine skews both sides)",
        f"- command: `{command}`",
        f"- joule: `{shlex.join(joule.cmd)}`; says: `{header_line(joule)}`",
    ]
    for side in sides[1:]:
        lines.append(f"- {side.name}: `{shlex.join(side.cmd)}` without "
                     f"{', '.join(TORCH_ENV_DROP)}; says: `{header_line(side)}`")
    lines.append("")
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main():
    args = parse_args()
    check_torch(args.python)
    binary = locate(args.binary)
    if not os.path.exists(binary):
        sys.exit(f"mlp_epoch: {args.binary} not found; build it first: bash scripts/setup.sh")
    gemm_bench = locate(args.gemm_bench) if args.gemm_bench else os.path.join(
        os.path.dirname(os.path.dirname(binary)), "bench", "gemm_bench")

    epochs, threads = str(args.epochs), str(args.threads)
    torch_env = {k: v for k, v in os.environ.items() if k not in TORCH_ENV_DROP}
    sides = [
        Side("joule", [shown(binary), "--epochs", epochs, "--threads", threads]),
        Side("pytorch", [args.python, "bench/torch_mlp.py", "--epochs", epochs,
                         "--threads", threads], env=torch_env),
        Side("pytorch_tuned", [args.python, "bench/torch_mlp.py", "--epochs", epochs,
                               "--threads", threads, "--tuned-threads"], env=torch_env),
    ]
    command = shlex.join([sys.executable, os.path.relpath(sys.argv[0], ROOT)] + sys.argv[1:])
    busy_before = cpu_busy()
    print(f"mlp_epoch: {args.rounds} rounds x {args.epochs} epochs, {args.threads} threads, "
          f"{nproc()} cores, {cpu_model()}, CPU busy {busy_before:.0f}%", flush=True)
    if busy_before > 10:
        print(f"mlp_epoch: warning: other work keeps the CPUs {busy_before:.0f}% busy; "
              "timings will be noisy", flush=True)

    for rnd in range(1, args.rounds + 1):
        for side in sides:
            side.run_round(rnd)

    print("gemm_bench:", flush=True)
    gemm_lines = run_gemm_bench(gemm_bench, args.threads)
    gemm_command = shlex.join([shown(gemm_bench), "--threads", threads])

    busy = (busy_before, cpu_busy())
    joule = sides[0]
    ratios = {side.name: joule.median() / side.median() for side in sides[1:]}
    os.makedirs(RESULTS, exist_ok=True)
    write_csv(os.path.join(RESULTS, "mlp_epoch.csv"), sides)
    write_markdown(os.path.join(RESULTS, "mlp_epoch.md"), args, sides, ratios, gemm_command,
                   gemm_lines, command, busy)

    for side in sides:
        t = side.times()
        print(f"side={side.name} blas={side.blas()} median_s={side.median():.3f} "
              f"min_s={min(t):.3f} max_s={max(t):.3f} "
              f"gflops={FLOP_PER_EPOCH / side.median() / 1e9:.2f} "
              f"final_test_acc={side.final_acc():.2f}")
    print("wrote bench/results/mlp_epoch.csv and bench/results/mlp_epoch.md")
    print(f"ratio={ratios['pytorch']:.3f} ratio_tuned={ratios['pytorch_tuned']:.3f} "
          f"joule_median_s={joule.median():.3f} torch_median_s={sides[1].median():.3f} "
          f"torch_tuned_median_s={sides[2].median():.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
