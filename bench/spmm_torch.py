#!/usr/bin/env python3
"""PyTorch's side of bench/spmm_bench.cpp: torch.sparse.mm on the same layers, sparsities and batch.

For each layer (IN, OUT) of 784-2048-2048-10 and 784-256-128-10, batch 128, sparsity 0 (every entry
stored), 50, 80, 90, 95 and 99% (a random pattern, each entry kept with probability 1 - sparsity,
drawn here with torch's generator: the same statistics as spmm_bench's pattern, not the same
entries), times per call:
  forward          y^T = W x^T        torch.sparse.mm(W, x^T), W sparse (OUT, IN)
  backward_input   dx^T = W^T dy^T    torch.sparse.mm(W^T, dy^T), W^T stored sparse (IN, OUT)
  backward_weight  dW on W's pattern  torch.sparse.sampled_addmm(W_csr, dy^T, x, beta=0) (CSR)
with W in COO (impl=torch_coo) and CSR (impl=torch_csr), timed in alternation, medians reported.
As for Eigen in spmm_bench, the dense operands are handed over already transposed and
contiguous (untimed): torch.sparse.mm on the transposed views x.t() ran about 2x slower here.
GFLOP/s are effective: 2 nnz B per call.

Output, key=value lines:
  spmm_torch torch=1.13.0 threads=2 samples=5 batch=128 blas=... omp_wait_policy=unset
  spmm net=... layer=fc2 in=2048 out=2048 sparsity=0.90 nnz=... op=forward impl=torch_csr
       ms=... gflops=...
With --csv PATH the rows go to a CSV in spmm_bench's columns. With --joule-csv (spmm_bench --csv)
it also writes the combined CSV (--out-csv) and the Markdown tables (--out-md); --joule1-csv adds
a second spmm_bench run (one thread) to the Markdown, and --torch-csv takes PyTorch's rows from
an earlier --csv instead of timing them again.

Run with Debian's Python, OpenBLAS's core-type overrides unset for this process only:
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/spmm_torch.py --threads 2 \\
      --joule-csv /tmp/spmm_joule.csv --out-csv bench/results/spmm.csv --out-md bench/results/spmm.md
"""
import argparse
import csv
import os
import statistics
import subprocess
import time

import torch

LAYERS = [
    ("784-2048-2048-10", "fc1", 784, 2048), ("784-2048-2048-10", "fc2", 2048, 2048),
    ("784-2048-2048-10", "fc3", 2048, 10), ("784-256-128-10", "fc1", 784, 256),
    ("784-256-128-10", "fc2", 256, 128), ("784-256-128-10", "fc3", 128, 10)]
SPARSITIES = [0.0, 0.5, 0.8, 0.9, 0.95, 0.99]
OPS = ["forward", "backward_input", "backward_weight"]
WRONG = []  # sampled_addmm results with wrong entries, for the Markdown notes
FIELDS = ["net", "layer", "in", "out", "batch", "sparsity", "nnz", "op", "impl", "ms", "gflops"]


def loaded_blas():
    """Basenames of the BLAS libraries mapped into this process (/proc/self/maps)."""
    names = []
    with open("/proc/self/maps") as f:
        for line in f:
            name = os.path.basename(line.split()[-1])
            if "blas" in name.lower() and name not in names:
                names.append(name)
    return "+".join(names) or "none"


def per_call(fn, calls):
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def time_alternating(fns, samples):
    """Median seconds per call of each function: calls per sample doubled until a sample lasts
    20 ms, then `samples` rounds that time each function in turn."""
    calls = []
    for fn in fns:
        n = 1
        while per_call(fn, n) * n < 0.02 and n < (1 << 20):
            n *= 2
        calls.append(n)
    times = [[] for _ in fns]
    for _ in range(samples):
        for j, fn in enumerate(fns):
            times[j].append(per_call(fn, calls[j]))
    return [statistics.median(t) for t in times]


def bench_layer(net, layer, n_in, n_out, sparsity, batch, samples, gen):
    mask = torch.rand(n_out, n_in, generator=gen) < (1.0 - sparsity)
    w = (torch.rand(n_out, n_in, generator=gen) * 0.2 - 0.1) * mask
    nnz = int(mask.sum())
    w_coo, w_csr = w.to_sparse().coalesce(), w.to_sparse_csr()
    wt_coo, wt_csr = w.t().contiguous().to_sparse().coalesce(), w.t().contiguous().to_sparse_csr()
    x = torch.rand(batch, n_in, generator=gen) * 2 - 1
    dy = torch.rand(batch, n_out, generator=gen) * 2 - 1
    xt, dyt = x.t().contiguous(), dy.t().contiguous()
    fns = {
        "forward": {"torch_coo": lambda: torch.sparse.mm(w_coo, xt),
                    "torch_csr": lambda: torch.sparse.mm(w_csr, xt)},
        "backward_input": {"torch_coo": lambda: torch.sparse.mm(wt_coo, dyt),
                           "torch_csr": lambda: torch.sparse.mm(wt_csr, dyt)},
        "backward_weight": {"torch_csr": lambda: torch.sparse.sampled_addmm(w_csr, dyt, x,
                                                                             beta=0.0)},
    }
    # The sampled product must equal dy^T x (computed in double) on the pattern: this checks the
    # operand order. torch 1.13's sampled_addmm gets an odd entry wrong (0 instead of the sum,
    # e.g. entry (1240, 261) of fc1 at sparsity 0 with this seed): those are counted, reported
    # and left in the timing.
    got = fns["backward_weight"]["torch_csr"]().to_dense().double()
    want = (dyt.double() @ x.double()) * mask
    wrong = int(((got - want).abs() > 1e-4 * float(want.abs().max())).sum())
    if wrong > max(10, nnz // 1000):
        raise SystemExit(f"spmm_torch: sampled_addmm disagrees with dy^T x on {net} {layer} "
                         f"sparsity {sparsity} in {wrong} of {nnz} entries")
    if wrong:
        WRONG.append(f"{net} {layer} sparsity {sparsity:.2f}: {wrong} of {nnz}")
        print(f"warning net={net} layer={layer} sparsity={sparsity:.2f} "
              f"sampled_addmm_wrong_entries={wrong} nnz={nnz}", flush=True)
    rows = []
    for op in OPS:
        names = list(fns[op])
        secs = time_alternating([fns[op][n] for n in names], samples)
        for name, sec in zip(names, secs):
            flop = 2.0 * nnz * batch
            row = dict(net=net, layer=layer, **{"in": n_in}, out=n_out, batch=batch,
                       sparsity=f"{sparsity:.2f}", nnz=nnz, op=op, impl=name,
                       ms=f"{sec * 1e3:.5f}", gflops=f"{flop / sec / 1e9:.3f}")
            print(f"spmm net={net} layer={layer} in={n_in} out={n_out} sparsity={sparsity:.2f} "
                  f"nnz={nnz} op={op} impl={name} ms={sec * 1e3:.4f} "
                  f"gflops={flop / sec / 1e9:.2f}", flush=True)
            rows.append(row)
    return rows


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        out = csv.DictWriter(f, fieldnames=FIELDS)
        out.writeheader()
        for r in rows:
            out.writerow({k: r[k] for k in FIELDS})


def machine_note():
    """Load averages (from /proc/loadavg) and the processes using CPU besides this one."""
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    top = subprocess.run(["ps", "-eo", "pcpu,comm", "--sort=-pcpu", "--no-headers"],
                         capture_output=True, text=True).stdout.splitlines()[:5]
    return load, [t.strip() for t in top]


def markdown_lines(rows, header):
    """One table per op: Joule's time beside Eigen's, PyTorch's (the faster format) and dense;
    then the kernel time of a training step."""
    def key(r):
        return (r["net"], r["layer"], float(r["sparsity"]), r["op"])
    best = {}
    for r in rows:
        k = key(r) + (impl_family(r["impl"]),)
        if k not in best or float(r["ms"]) < float(best[k]["ms"]):
            best[k] = r
    lines = header[:]
    for op in OPS:
        lines += ["", f"### {op}", "",
                  "| net | layer | sparsity | nnz | joule ms | joule GFLOP/s | eigen ms | "
                  "eigen kernel ms | torch ms | dense ms | ref ms | joule/eigen | joule/torch |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for net, layer, n_in, n_out in LAYERS:
            for s in SPARSITIES:
                get = lambda fam: best.get((net, layer, s, op, fam))  # noqa: E731
                j, e, t, d, rf = get("joule"), get("eigen"), get("torch"), get("dense"), get("ref")
                ek = get("eigen-kernel")
                if j is None:
                    continue
                ms = lambda r: f"{float(r['ms']):.3f}" if r else "n/a"  # noqa: E731
                ratio = lambda r: f"{float(j['ms']) / float(r['ms']):.2f}" if r else "n/a"  # noqa
                if d is None:
                    d = best.get((net, layer, 0.0, op, "dense"))
                lines.append(f"| {net} | {layer} | {s:.2f} | {j['nnz']} | {ms(j)} | "
                             f"{float(j['gflops']):.1f} | {ms(e)} ({e['impl'] if e else ''}) | "
                             f"{ms(ek)} | "
                             f"{ms(t)} ({t['impl'] if t else ''}) | {ms(d)} | {ms(rf)} | "
                             f"{ratio(e)} | {ratio(t)} |")
    lines += ["", "### one training step (the three kernels of every layer; no input gradient "
              "for the first layer)", "",
              "| net | sparsity | joule ms | torch ms | dense GEMM ms (sparsity 0) | "
              "dense/joule |", "|---|---:|---:|---:|---:|---:|"]
    for net in dict.fromkeys(n for n, _, _, _ in LAYERS):
        layers = [layer for n, layer, _, _ in LAYERS if n == net]

        def step(fam, s):
            total = 0.0
            for i, layer in enumerate(layers):
                for op in OPS:
                    if op == "backward_input" and i == 0:
                        continue
                    r = best.get((net, layer, s, op, fam))
                    if r is None:
                        return None
                    total += float(r["ms"])
            return total
        dense = step("dense", 0.0)
        for s in SPARSITIES:
            j, t = step("joule", s), step("torch", s)
            if j is None:
                continue
            fmt = lambda v: f"{v:.3f}" if v is not None else "n/a"  # noqa: E731
            lines.append(f"| {net} | {s:.2f} | {fmt(j)} | {fmt(t)} | {fmt(dense)} | "
                         f"{dense / j:.2f} |" if dense else f"| {net} | {s:.2f} | {fmt(j)} | "
                         f"{fmt(t)} | n/a | n/a |")
    return lines


def impl_family(impl):
    return impl.split("_")[0]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--samples", type=int, default=5)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--csv", help="PyTorch's rows alone")
    p.add_argument("--joule-csv", help="spmm_bench --csv output to combine with")
    p.add_argument("--out-csv", help="combined CSV (needs --joule-csv)")
    p.add_argument("--out-md", help="Markdown tables (needs --joule-csv)")
    p.add_argument("--header", default="", help="text put under the Markdown title")
    p.add_argument("--torch-csv", help="PyTorch's rows from an earlier --csv: no timing")
    p.add_argument("--joule1-csv", help="a second spmm_bench CSV (e.g. one thread) for the "
                   "Markdown")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    print(f"spmm_torch torch={torch.__version__} threads={torch.get_num_threads()} "
          f"samples={args.samples} batch={args.batch} blas={loaded_blas()} "
          f"omp_wait_policy={os.environ.get('OMP_WAIT_POLICY', 'unset')}", flush=True)
    rows = []
    if args.torch_csv:
        rows = read_csv(args.torch_csv)
    else:
        gen = torch.Generator().manual_seed(7)
        for net, layer, n_in, n_out in LAYERS:
            for s in SPARSITIES:
                rows += bench_layer(net, layer, n_in, n_out, s, args.batch, args.samples, gen)
    if args.csv:
        write_csv(args.csv, rows)
    if args.joule_csv:
        combined = read_csv(args.joule_csv) + rows
        if args.out_csv:
            write_csv(args.out_csv, combined)
        if args.out_md:
            header = ["# SpMM kernels: Joule vs Eigen vs PyTorch", "", args.header, ""]
            if not args.torch_csv:  # timed just now: say what else was running
                load, top = machine_note()
                header += [f"Load average when PyTorch's side finished: {load}; busiest "
                           f"processes then: {', '.join(top)}.", ""]
            header += [f"PyTorch {torch.__version__} ({loaded_blas()}), "
                       f"torch.set_num_threads({args.threads})."]
            if WRONG:
                header += ["", "torch.sparse.sampled_addmm returned wrong entries (0 where "
                           "dy^T x is not) in: " + "; ".join(WRONG) + "."]
            lines = markdown_lines(combined, header)
            if args.joule1_csv:
                lines += markdown_lines(read_csv(args.joule1_csv), [
                    "", "## One thread", "", "spmm_bench --threads 1 (no PyTorch, no reference "
                    "in this run): less exposed to other processes on the 2 cores than 2 threads "
                    "that meet at barriers."])
            with open(args.out_md, "w") as f:
                f.write("\n".join(lines) + "\n")


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


if __name__ == "__main__":
    main()
