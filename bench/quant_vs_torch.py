#!/usr/bin/env python3
"""int8 inference: Joule (build/bench/quant_bench) against PyTorch's int8 models of the same shape.

Models: the Fashion-MNIST MLP 784-256-128-10 and CNN conv5x5x16-pool-conv5x5x32-pool-fc128-fc10,
fp32 and int8, batch 1 and 256. PyTorch's int8 models are torch.ao.quantization static (eager
mode: QuantStub/DeQuantStub, Conv+ReLU and Linear+ReLU fused, the default 'onednn' qconfig,
calibrated on 4 batches of uniform [0, 1) images, converted) with engine 'onednn'
(torch.backends.quantized.engine); Joule's are static PTQ with min/max observers on the same
kind of batches. The weights are random on both sides (timing does not depend on them).

The two alternate in one run: each round runs quant_bench once (every model, variant and batch,
medians of --samples calls) and then PyTorch's side the same way; the report gives, per row,
the median over rounds and the ratios. It records the load average before and after: numbers
taken on a busy machine say so.

Run with Debian's Python, OpenBLAS's core-type overrides unset for the torch process only:
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/quant_vs_torch.py \\
      --threads 2 --rounds 5 --out-md bench/results/quant.md
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

import torch
import torch.ao.quantization as tq
from torch import nn


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant, self.dequant = tq.QuantStub(), tq.DeQuantStub()
        self.fc1, self.relu1 = nn.Linear(784, 256), nn.ReLU()
        self.fc2, self.relu2 = nn.Linear(256, 128), nn.ReLU()
        self.fc3 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.quant(x)
        x = self.relu2(self.fc2(self.relu1(self.fc1(x))))
        return self.dequant(self.fc3(x))

    def fuse(self):
        tq.fuse_modules(self, [["fc1", "relu1"], ["fc2", "relu2"]], inplace=True)


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant, self.dequant = tq.QuantStub(), tq.DeQuantStub()
        self.conv1, self.relu1, self.pool1 = nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2)
        self.conv2, self.relu2, self.pool2 = nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2)
        self.fc1, self.relu3 = nn.Linear(32 * 7 * 7, 128), nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.quant(x.reshape(-1, 1, 28, 28))
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        x = self.relu3(self.fc1(torch.flatten(x, 1)))
        return self.dequant(self.fc2(x))

    def fuse(self):
        tq.fuse_modules(self, [["conv1", "relu1"], ["conv2", "relu2"], ["fc1", "relu3"]],
                        inplace=True)


def int8_of(model_class):
    """The float model and its static int8 twin (onednn)."""
    torch.manual_seed(1)
    fp32 = model_class().eval()
    q = model_class().eval()
    q.load_state_dict(fp32.state_dict())
    q.fuse()
    q.qconfig = tq.get_default_qconfig("onednn")
    tq.prepare(q, inplace=True)
    gen = torch.Generator().manual_seed(2)
    with torch.no_grad():
        for _ in range(4):
            q(torch.rand(256, 784, generator=gen))
    tq.convert(q, inplace=True)
    return fp32, q


def median_ms(model, x, samples):
    with torch.no_grad():
        for _ in range(3 + samples // 10):
            model(x)
        ms = []
        for _ in range(samples):
            t0 = time.perf_counter()
            model(x)
            ms.append(1e3 * (time.perf_counter() - t0))
    return statistics.median(ms)


def torch_round(models, samples):
    rows = {}
    gen = torch.Generator().manual_seed(3)
    for name, (fp32, int8) in models.items():
        for batch in (1, 256):
            x = torch.rand(batch, 784, generator=gen)
            n = samples * 10 if batch == 1 else samples
            rows[(name, "fp32", batch)] = median_ms(fp32, x, n)
            rows[(name, "int8_static", batch)] = median_ms(int8, x, n)
    return rows


def joule_round(binary, threads, samples):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run([binary, "--samples", str(samples)], env=env, check=True,
                         capture_output=True, text=True).stdout
    rows = {}
    for line in out.splitlines():
        kv = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
        if "ms" in kv:
            rows[(kv["model"], kv["variant"], int(kv["batch"]))] = float(kv["ms"])
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default="build/bench/quant_bench")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--samples", type=int, default=30)
    ap.add_argument("--out-md", default="bench/results/quant.md")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.backends.quantized.engine = "onednn"
    models = {"mlp": int8_of(Mlp), "cnn": int8_of(Cnn)}
    load_before = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    joule, pt = {}, {}
    for r in range(args.rounds):
        for k, v in joule_round(args.binary, args.threads, args.samples).items():
            joule.setdefault(k, []).append(v)
        for k, v in torch_round(models, args.samples).items():
            pt.setdefault(k, []).append(v)
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    load_after = os.getloadavg()

    med = lambda d, k: statistics.median(d[k]) if k in d else float("nan")  # noqa: E731
    lines = [
        "# int8 inference: Joule against PyTorch (torch.ao.quantization, engine onednn)", "",
        f"Run {started}, {args.rounds} alternating rounds, {args.threads} threads, "
        f"torch {torch.__version__} (engine {torch.backends.quantized.engine}); each figure the "
        f"median over rounds of per-round medians ({args.samples} calls at batch 256, "
        f"{10 * args.samples} at batch 1). Load average (1 min) before: {load_before[0]:.1f}, "
        f"after: {load_after[0]:.1f} on {os.cpu_count()} cores.", "",
        f"Command: `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "
        f"bench/quant_vs_torch.py --threads {args.threads} --rounds {args.rounds} "
        f"--samples {args.samples}`", ""]
    if load_before[0] > 1.5 * args.threads or load_after[0] > 1.5 * args.threads:
        lines += ["**The machine was busy** (other builds and runs shared its cores): these "
                  "times are slower and noisier than on a quiet machine; compare the ratios, "
                  "taken in the same rounds, rather than the absolute figures.", ""]
    lines += ["| model | batch | Joule fp32 ms | Joule int8 ms | Joule int8/fp32 speedup | "
              "torch fp32 ms | torch int8 ms | Joule int8 images/s | torch int8 images/s | "
              "Joule int8 vs torch int8 |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name in ("mlp", "cnn"):
        for batch in (1, 256):
            jf, ji = med(joule, (name, "fp32", batch)), med(joule, (name, "int8_static", batch))
            tf, ti = med(pt, (name, "fp32", batch)), med(pt, (name, "int8_static", batch))
            lines.append(f"| {name} | {batch} | {jf:.4f} | {ji:.4f} | {jf / ji:.2f}x | {tf:.4f} | "
                         f"{ti:.4f} | {batch * 1e3 / ji:.0f} | {batch * 1e3 / ti:.0f} | "
                         f"{ti / ji:.2f}x |")
    if ("mlp", "int8_dynamic", 1) in joule:
        lines += ["", "Joule's dynamic int8 MLP (int8 weights, activations quantized per batch): "
                  + ", ".join(f"batch {b}: {med(joule, ('mlp', 'int8_dynamic', b)):.4f} ms"
                              for b in (1, 256)) + "."]
    text = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(args.out_md) or ".", exist_ok=True)
    with open(args.out_md, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
