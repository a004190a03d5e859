#!/usr/bin/env python3
"""The sparse-vs-dense benchmark in one run: kernels, training steps and short trainings.

1. build/bench/spmm_bench: Joule's SpMM kernels against Eigen's sparse-dense product, dense GEMM
   and the naive reference, on the layers of 784-2048-2048-10 and 784-256-128-10.
2. bench/spmm_torch.py: PyTorch's torch.sparse.mm (COO and CSR) and sampled_addmm on the same
   shapes, with Debian's python3-torch (OpenBLAS build) and OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE
   unset for that process only; it merges both into bench/results/spmm.{csv,md}.
3. build/bench/sparse_vs_dense: whole training steps (dense nn::Linear vs nn::SparseLinear at ERK
   densities, alternating on the same batches) and short trainings (SET) for every net and
   sparsity, joules from the meter (labelled measured or estimated).
It writes bench/results/sparse_vs_dense.{csv,md,svg}; the Markdown names the crossover sparsity
(the lowest at which the sparse step beats the dense one) for each net.

  /usr/bin/python3 bench/sparse_vs_dense.py [--build build] [--epochs 2] [--threads 2] [--quick]
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile


def run(cmd, env=None):
    print("+", " ".join(cmd), flush=True)
    out = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
    sys.stdout.write(out)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--results-dir", default="bench/results")
    ap.add_argument("--epochs", default="2")
    ap.add_argument("--threads", default="2")
    ap.add_argument("--quick", action="store_true", help="small nets and few sparsities (smoke test)")
    a = ap.parse_args()
    os.makedirs(a.results_dir, exist_ok=True)
    res = lambda name: os.path.join(a.results_dir, name)
    load = os.getloadavg()[0]

    with tempfile.TemporaryDirectory() as tmp:
        joule_csv = os.path.join(tmp, "spmm_joule.csv")
        run([os.path.join(a.build, "bench/spmm_bench"), "--threads", a.threads, "--csv", joule_csv])
        env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        try:
            run(["/usr/bin/python3", "bench/spmm_torch.py", "--threads", a.threads, "--joule-csv",
                 joule_csv, "--out-csv", res("spmm.csv"), "--out-md", res("spmm.md")], env=env)
            torch_ok = True
        except (subprocess.CalledProcessError, FileNotFoundError) as e:
            print(f"PyTorch side failed ({e}); the kernel table has Joule and Eigen only")
            torch_ok = False

    nets = "784-256-128-10,784-1024-1024-10,784-2048-2048-10"
    sparsities = "0,0.5,0.8,0.9,0.95,0.99"
    if a.quick:
        nets, sparsities = "784-64-10", "0,0.9"
    run([os.path.join(a.build, "bench/sparse_vs_dense"), "--threads", a.threads, "--epochs", a.epochs,
         "--nets", nets, "--sparsities", sparsities, "--csv", res("sparse_vs_dense.csv"),
         "--svg", res("sparse_vs_dense.svg")])

    rows = list(csv.DictReader(open(res("sparse_vs_dense.csv"))))
    md = ["# Sparse vs dense: training steps, trainings and kernels", "",
          f"Machine: {os.cpu_count()} cores; load average at start {load:.2f}; threads {a.threads}; "
          f"batch 128. Energy: {rows[0]['energy_source']} ({rows[0]['energy']}).", "",
          "Command: `/usr/bin/python3 bench/sparse_vs_dense.py" + (" --quick" if a.quick else "")
          + f" --epochs {a.epochs}`", "",
          "## Whole training step and short training (SET), per net and sparsity", "",
          "Step = forward + backward + SGD step of the whole model, dense (`nn::Linear`, GEMM) vs "
          "sparse (`nn::SparseLinear` at ERK densities; at sparsity 0 every entry is stored), "
          "alternating rounds on the same batches, median ms. Training: the dense model at "
          f"sparsity 0, SET from scratch otherwise, {a.epochs} epochs, cosine LR.", "",
          "| net | sparsity | nnz | dense step ms | sparse step ms | speed-up | dense J/step | "
          "sparse J/step | energy ratio | s/epoch | J/epoch | test acc |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    crossover = {}
    for r in rows:
        md.append(f"| {r['net']} | {float(r['sparsity']):.2f} | {r['nnz']} | {float(r['dense_step_ms']):.2f} | "
                  f"{float(r['sparse_step_ms']):.2f} | {float(r['step_speedup']):.2f}x | "
                  f"{float(r['dense_step_j']):.4f} | {float(r['sparse_step_j']):.4f} | "
                  f"{float(r['step_energy_ratio']):.2f}x | {float(r['epoch_s']):.2f} | "
                  f"{float(r['epoch_j']):.1f} | {float(r['test_acc']):.2f} |")
        if float(r["step_speedup"]) > 1 and r["net"] not in crossover:
            crossover[r["net"]] = float(r["sparsity"])
    md += ["", "Crossover (lowest sparsity measured at which the sparse step beats the dense one):"]
    for net in dict.fromkeys(r["net"] for r in rows):
        c = crossover.get(net)
        md.append(f"- {net}: " + (f"{c:.2f}" if c is not None else "none of the measured sparsities"))
    md += ["", f"![accuracy vs joules per epoch]({os.path.basename(res('sparse_vs_dense.svg'))})", ""]
    if torch_ok and os.path.exists(res("spmm.md")):
        md += ["## The kernels: Joule vs Eigen vs torch.sparse.mm (bench/results/spmm.md)", ""]
        body = open(res("spmm.md")).read().splitlines()
        md += [l for l in body if not l.startswith("# ")]
    open(res("sparse_vs_dense.md"), "w").write("\n".join(md) + "\n")
    print("wrote", res("sparse_vs_dense.md"))


if __name__ == "__main__":
    main()
