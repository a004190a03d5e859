#!/usr/bin/python3
"""Epoch time of a Fashion-MNIST model in Joule against its PyTorch twin, on the same machine.

--model picks the model:
  mlp (default): MLP 784-256-128-10 (build/examples/fashion_mlp; batch 128, SGD lr 0.05)
  cnn:           CNN conv 5x5 1->16, pool, conv 5x5 16->32, pool, fc 1568->128, fc 128->10
                 (build/examples/fashion_cnn; batch 64, SGD lr 0.02)
Both train with SGD momentum 0.9, a cosine schedule and cross-entropy (see bench/torch_twin.py).

Alternates three sides for --rounds rounds, each running --epochs epochs on --threads threads:
  joule:         build/examples/fashion_<model> --epochs E --threads 2
  pytorch:       /usr/bin/python3 bench/torch_twin.py --model <model> --epochs E --threads 2
                 (the issue's configuration: the environment as is, except that it lacks
                 OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, so OpenBLAS picks its kernels for the CPU
                 it finds; Joule's environment is left as it is)
  pytorch_tuned: the same with --tuned-threads (OMP_WAIT_POLICY=PASSIVE, OPENBLAS_NUM_THREADS=2),
                 the fastest PyTorch configuration we found on 2 cores
Both print `epoch=N loss=... train_s=... test_acc=...` lines; train_s is the training loop only.
Reports the median epoch time per side, the ratios joule/pytorch and joule/pytorch_tuned and the
GFLOP/s each achieved, then runs build/bench/gemm_bench once for the GEMM kernel's own GFLOP/s.

Writes <results-dir>/mlp_epoch.{csv,md} or <results-dir>/cnn_epoch.{csv,md} (one CSV row per
measured epoch; --results-dir defaults to bench/results). The last line printed is
`ratio=<joule/pytorch> ratio_tuned=<joule/pytorch_tuned> joule_median_s=... torch_median_s=...
torch_tuned_median_s=...`.

Standard library only:
  /usr/bin/python3 bench/epoch_vs_pytorch.py [--model mlp|cnn] [--rounds R] [--epochs E]
Defaults: 5 rounds of 3 epochs for mlp, 3 rounds of 2 epochs for cnn.
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

PROG = "epoch_vs_pytorch"
TRAIN_SAMPLES = 60000


class Model:
    """What the driver needs to know of one model: its programs, defaults and FLOP count.

    macs: multiply-accumulates per sample of one training step (biases, activations and pooling
    are left out): forward, weight-gradient (the same sizes) and input-gradient (every layer but
    the first, whose input needs no gradient).
    """

    def __init__(self, name, title, description, binary, epochs, rounds, forward_macs,
                 input_grad_macs, input_grad_layers):
        self.name, self.title, self.description = name, title, description
        self.binary, self.epochs, self.rounds = binary, epochs, rounds
        self.forward_macs = forward_macs
        self.weight_grad_macs = forward_macs
        self.input_grad_macs = input_grad_macs
        self.input_grad_layers = input_grad_layers
        self.flop_per_epoch = TRAIN_SAMPLES * 2 * (
            self.forward_macs + self.weight_grad_macs + self.input_grad_macs)
        self.results_stem = f"{name}_epoch"


# 784-256-128-10: one GEMM per layer.
MLP_LAYERS = [784 * 256, 256 * 128, 128 * 10]
# conv1 5x5 1->16 on 28x28, conv2 5x5 16->32 on 14x14 (both padded: output size = input size),
# fc1 1568->128, fc2 128->10.
CNN_LAYERS = [16 * 1 * 25 * 28 * 28, 32 * 16 * 25 * 14 * 14, 32 * 7 * 7 * 128, 128 * 10]

MODELS = {
    "mlp": Model("mlp", "MLP", "MLP 784-256-128-10, batch 128, SGD lr 0.05 momentum 0.9, cosine",
                 "build/examples/fashion_mlp", epochs=3, rounds=5,
                 forward_macs=sum(MLP_LAYERS), input_grad_macs=sum(MLP_LAYERS[1:]),
                 input_grad_layers="layers 2 and 3"),
    "cnn": Model("cnn", "CNN",
                 "CNN conv5x5(1->16, pad 2)-ReLU-maxpool2-conv5x5(16->32, pad 2)-ReLU-maxpool2-"
                 "fc(1568->128)-ReLU-fc(128->10), batch 64, SGD lr 0.02 momentum 0.9, cosine",
                 "build/examples/fashion_cnn", epochs=2, rounds=3,
                 forward_macs=sum(CNN_LAYERS), input_grad_macs=sum(CNN_LAYERS[1:]),
                 input_grad_layers="conv2, fc1 and fc2"),
}

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
    parser.add_argument("--model", choices=sorted(MODELS), default="mlp",
                        help="mlp (fashion_mlp) or cnn (fashion_cnn); default mlp")
    parser.add_argument("--rounds", type=int, default=None,
                        help="alternating rounds (default 5 for mlp, 3 for cnn)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs per run (default 3 for mlp, 2 for cnn)")
    parser.add_argument("--threads", type=int, default=2, help="threads per side (default 2)")
    parser.add_argument("--binary", default=None,
                        help="Joule's example program (default build/examples/fashion_<model>)")
    parser.add_argument("--gemm-bench", default=None,
                        help="gemm_bench (default: bench/gemm_bench in --binary's build dir)")
    parser.add_argument("--python", default="/usr/bin/python3",
                        help="the Python with torch (default /usr/bin/python3)")
    parser.add_argument("--results-dir", default="bench/results",
                        help="where the CSV and Markdown go (default bench/results)")
    args = parser.parse_args()
    model = MODELS[args.model]
    args.rounds = model.rounds if args.rounds is None else args.rounds
    args.epochs = model.epochs if args.epochs is None else args.epochs
    args.binary = model.binary if args.binary is None else args.binary
    if args.rounds < 1 or args.epochs < 1 or args.threads < 1:
        parser.error("--rounds, --epochs and --threads must be at least 1")
    return args, model


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
        sys.exit(f"{PROG}: `{shlex.join(cmd)}` failed with exit status "
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
        sys.exit(f"{PROG}: no `epoch=... train_s=...` lines from {side}:\n" + "\n".join(lines))
    return header, epochs


def check_torch(python):
    try:
        found = subprocess.run([python, "-c", "import torch"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL).returncode == 0
    except OSError:
        found = False
    if not found:
        sys.exit(f"{PROG}: {python} cannot import torch. Install Debian's PyTorch and "
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
        print(f"{PROG}: {shown(path)} not found; skipping the GEMM benchmark", flush=True)
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


def write_markdown(path, args, model, sides, ratios, gemm_command, gemm_lines, command, busy):
    joule = sides[0]
    lines = [
        f"# {model.title} epoch time: Joule vs PyTorch",
        "",
        f"Fashion-MNIST, {model.description}, {args.threads} threads per side; "
        f"{args.rounds} alternating rounds of {args.epochs} epochs "
        f"({len(joule.rows)} epochs per side). Epoch time is the training loop only.",
        "",
        "| side | BLAS | median epoch s | min s | max s | GFLOP/s | final test_acc % |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for side in sides:
        t = side.times()
        lines.append(f"| {side.name} | {side.blas()} | {side.median():.3f} | {min(t):.3f} | "
                     f"{max(t):.3f} | {model.flop_per_epoch / side.median() / 1e9:.2f} | "
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
        f"GFLOP/s counts {model.flop_per_epoch / 1e9:.2f} GFLOP per epoch: {TRAIN_SAMPLES} "
        f"samples x 2 x ({model.forward_macs} forward + {model.weight_grad_macs} weight-gradient "
        f"+ {model.input_grad_macs} input-gradient MACs of {model.input_grad_layers}).",
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
    args, model = parse_args()
    check_torch(args.python)
    binary = locate(args.binary)
    if not os.path.exists(binary):
        sys.exit(f"{PROG}: {args.binary} not found; build it first: bash scripts/setup.sh")
    gemm_bench = locate(args.gemm_bench) if args.gemm_bench else os.path.join(
        os.path.dirname(os.path.dirname(binary)), "bench", "gemm_bench")
    results_dir = locate(args.results_dir)

    epochs, threads = str(args.epochs), str(args.threads)
    torch_env = {k: v for k, v in os.environ.items() if k not in TORCH_ENV_DROP}
    torch_cmd = [args.python, "bench/torch_twin.py", "--model", model.name, "--epochs", epochs,
                 "--threads", threads]
    sides = [
        Side("joule", [shown(binary), "--epochs", epochs, "--threads", threads]),
        Side("pytorch", torch_cmd, env=torch_env),
        Side("pytorch_tuned", torch_cmd + ["--tuned-threads"], env=torch_env),
    ]
    command = shlex.join([sys.executable, os.path.relpath(sys.argv[0], ROOT)] + sys.argv[1:])
    busy_before = cpu_busy()
    print(f"{PROG}: model {model.name}, {args.rounds} rounds x {args.epochs} epochs, "
          f"{args.threads} threads, {nproc()} cores, {cpu_model()}, CPU busy {busy_before:.0f}%",
          flush=True)
    if busy_before > 10:
        print(f"{PROG}: warning: other work keeps the CPUs {busy_before:.0f}% busy; "
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
    os.makedirs(results_dir, exist_ok=True)
    csv_path = os.path.join(results_dir, model.results_stem + ".csv")
    md_path = os.path.join(results_dir, model.results_stem + ".md")
    write_csv(csv_path, sides)
    write_markdown(md_path, args, model, sides, ratios, gemm_command, gemm_lines, command, busy)

    for side in sides:
        t = side.times()
        print(f"side={side.name} blas={side.blas()} median_s={side.median():.3f} "
              f"min_s={min(t):.3f} max_s={max(t):.3f} "
              f"gflops={model.flop_per_epoch / side.median() / 1e9:.2f} "
              f"final_test_acc={side.final_acc():.2f}")
    print(f"wrote {shown(csv_path)} and {shown(md_path)}")
    print(f"ratio={ratios['pytorch']:.3f} ratio_tuned={ratios['pytorch_tuned']:.3f} "
          f"joule_median_s={joule.median():.3f} torch_median_s={sides[1].median():.3f} "
          f"torch_tuned_median_s={sides[2].median():.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
