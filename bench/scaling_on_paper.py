#!/usr/bin/python3
"""Data parallelism on paper: ring-allreduce time against step compute, 1-64 nodes.

For each model, from a measured single-process step time T1 (2 threads, this machine) and the
gradient size G (float32 bytes of every trainable parameter), a step on N nodes with the global
batch fixed (what joule's distributed sampler keeps: N ranks x B/N = one process x B) costs

    compute(N) = T1 / N                                  (each node does 1/N of the batch)
    allreduce(N) = 2 (N-1)/N x G / bandwidth + 2 (N-1) x latency      (ring allreduce)
    step(N) = compute(N) + allreduce(N)                  (no overlap: the bound on paper)
    step_overlap(N) = max(compute(N), allreduce(N))      (perfect overlap with backward)

and speedup = T1 / step(N). Data parallelism pays while allreduce(N) stays well under
compute(N). Usage: /usr/bin/python3 bench/scaling_on_paper.py [--markdown]
"""
import sys

# name, measured seconds per training step at the global batch on one process (2 threads),
# gradient floats, where the step time comes from
MODELS = [
    ("fashion_mlp 784-256-128-10", 0.470 / 469, 235_146,
     "fashion_mlp --threads 2: 0.47 s an epoch of 469 steps of 128"),
    ("fashion_cnn", 6.24 / 938, 215_370,
     "bench/results/cnn_epoch.md: 6.24 s an epoch of 938 steps of 64"),
    ("sparse_giant 784-50000x3-10", 377.0 / 469, 5_515_680 + 150_010,
     "bench/results/sparse_giant.txt: 377 s an epoch of 469 steps of 128 (values + biases)"),
]
NODES = [1, 2, 4, 8, 16, 32, 64]
LINKS = [("10 Gb/s", 10e9 / 8, 50e-6), ("100 Gb/s", 100e9 / 8, 5e-6)]  # bytes/s, per-hop latency


def allreduce_s(n, grad_bytes, bandwidth, latency):
    if n == 1:
        return 0.0
    return 2 * (n - 1) / n * grad_bytes / bandwidth + 2 * (n - 1) * latency


def fmt_ms(s):
    return f"{s * 1e3:.3f}" if s < 0.01 else f"{s * 1e3:.1f}"


def main():
    md = "--markdown" in sys.argv
    for name, t1, floats, source in MODELS:
        grad_bytes = 4 * floats
        print(f"\n### {name}: step {t1 * 1e3:.2f} ms on one process, gradients "
              f"{grad_bytes / 1e6:.2f} MB\n")
        print(f"Step time from {source}.\n")
        head = ["nodes"]
        for link, _, _ in LINKS:
            head += [f"allreduce ms ({link})", f"speedup ({link})", f"with overlap ({link})"]
        head.insert(1, "compute ms")
        if md:
            print("| " + " | ".join(head) + " |")
            print("|" + "---:|" * len(head))
        else:
            print("  ".join(head))
        for n in NODES:
            compute = t1 / n
            row = [str(n), fmt_ms(compute)]
            for _, bw, lat in LINKS:
                comm = allreduce_s(n, grad_bytes, bw, lat)
                row += [fmt_ms(comm), f"{t1 / (compute + comm):.2f}x",
                        f"{t1 / max(compute, comm):.2f}x"]
            print(("| " + " | ".join(row) + " |") if md else "  ".join(row))


if __name__ == "__main__":
    main()
