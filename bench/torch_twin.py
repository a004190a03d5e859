#!/usr/bin/env python3
"""PyTorch twin of Joule's Fashion-MNIST examples: the MLP (fashion_mlp) or the CNN (fashion_cnn).

Same data as the C++ examples (the IDX gzip files of Debian's dataset-fashion-mnist, pixels / 255
as float32), reshuffled each epoch, cross-entropy, SGD momentum 0.9 with CosineAnnealingLR
(T_max=epochs) stepped per epoch, PyTorch's default init. --model picks the model and its defaults:
  mlp (default): nn.Linear + ReLU 784-256-128-10 on flat images; batch 128, lr 0.05
  cnn:           conv 5x5 1->16 (pad 2), ReLU, maxpool 2, conv 5x5 16->32 (pad 2), ReLU, maxpool 2,
                 flatten, linear 1568->128, ReLU, linear 128->10 on (N, 1, 28, 28) images;
                 batch 64, lr 0.02
--batch, --lr and --weight-decay override them. --device cuda trains on the GPU (the data stay
in host memory and each batch is copied over, as Joule's trainer does) and adds the GPU's energy
over the epoch's training and evaluation, read from NVML's total-energy counter.

Output, one `key=value` line each:
  blas=<BLAS libraries mapped into this process> blas_dir=<their folder> torch=<version>
    threads=<n> openblas_threads=<n> omp_wait_policy=<see set_thread_environment>
    model=<mlp|cnn> batch=<n> lr=<x> weight_decay=<x>
  epoch=1 loss=0.5123 train_s=1.234 test_acc=84.12     (one per epoch)
    [gpu_joules=123.4  with --device cuda, when NVML is readable]
train_s is the wall time of that epoch's training loop only (not the evaluation); loss is the
mean training loss over the epoch; test_acc is in percent.

Run with Debian's Python: /usr/bin/python3 bench/torch_twin.py [--model cnn] --epochs 3 --threads 2
"""
import argparse
import gzip
import os
import struct
import sys
import time

DEFAULT_THREADS = 2
# Per model: (batch, lr), the C++ examples' defaults.
DEFAULTS = {"mlp": (128, 0.05), "cnn": (64, 0.02)}


def set_thread_environment(argv):
    """With --tuned-threads, fixes both of PyTorch's thread pools before torch loads.

    Without the flag the environment is left as it is: that is the configuration the project's
    issue names (Debian's python3-torch with OpenBLAS, torch.set_num_threads(--threads)), and what a
    user gets. PyTorch runs its own ops on an OpenMP pool (libgomp, torch.set_num_threads) and its
    GEMMs on OpenBLAS's separate pthread pool, sized by OPENBLAS_NUM_THREADS (default: every core).
    With libgomp's default spin-waiting, idle OpenMP threads keep the cores that the OpenBLAS
    threads need: on 2 cores an MLP epoch takes 1.6-3.3 s instead of about 0.8 s. --tuned-threads
    sets OMP_WAIT_POLICY=PASSIVE and OPENBLAS_NUM_THREADS=--threads (the caller's settings win),
    the fastest PyTorch configuration we found here.
    """
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    pre.add_argument("--tuned-threads", action="store_true")
    known = pre.parse_known_args(argv)[0]
    if known.tuned_threads:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        os.environ.setdefault("OPENBLAS_NUM_THREADS", str(known.threads))


set_thread_environment(sys.argv[1:])

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

DATA_DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    """Reads an IDX file (gzip), returns a uint8 numpy array of its shape."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file (magic {data[:4].hex()})")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(data_dir, prefix, model):
    """(x, y): x (N, 784) for the MLP or (N, 1, 28, 28) for the CNN, float32 in [0, 1]; y (N,)."""
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    shape = (len(images), -1) if model == "mlp" else (len(images), 1, 28, 28)
    x = torch.from_numpy(images.reshape(shape).astype(np.float32) / 255.0)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def loaded_blas():
    """Basenames and folders of the BLAS libraries mapped into this process (/proc/self/maps)."""
    names, dirs = [], []
    with open("/proc/self/maps") as f:
        for line in f:
            fields = line.split()
            if len(fields) < 6:
                continue
            name, folder = os.path.basename(fields[-1]), os.path.dirname(fields[-1])
            if "blas" not in name.lower():
                continue
            if name not in names:
                names.append(name)
            if folder not in dirs:
                dirs.append(folder)
    return ("+".join(names) or "none"), (",".join(dirs) or "none")


class NvmlEnergy:
    """GPU 0's total-energy counter through libnvidia-ml (ctypes), in joules; None if absent."""

    def __init__(self):
        import ctypes
        try:
            self.lib = ctypes.CDLL("libnvidia-ml.so.1")
            if self.lib.nvmlInit_v2() != 0:
                raise OSError("nvmlInit_v2 failed")
            self.device = ctypes.c_void_p()
            if self.lib.nvmlDeviceGetHandleByIndex_v2(0, ctypes.byref(self.device)) != 0:
                raise OSError("no GPU 0")
            self.ctypes = ctypes
            self.read()
        except (OSError, AttributeError):
            self.lib = None

    def read(self):
        if self.lib is None:
            return None
        mj = self.ctypes.c_ulonglong()
        if self.lib.nvmlDeviceGetTotalEnergyConsumption(self.device, self.ctypes.byref(mj)) != 0:
            return None
        return mj.value / 1000.0


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def make_model(model):
    if model == "mlp":
        return nn.Sequential(
            nn.Linear(784, 256), nn.ReLU(),
            nn.Linear(256, 128), nn.ReLU(),
            nn.Linear(128, 10))
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),   # (N, 16, 14, 14)
        nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),  # (N, 32, 7, 7)
        nn.Flatten(),
        nn.Linear(32 * 7 * 7, 128), nn.ReLU(),
        nn.Linear(128, 10))


def evaluate(model, x, y, device, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(x), batch):
            logits = model(x[start:start + batch].to(device))
            correct += (logits.argmax(dim=1).cpu() == y[start:start + batch]).sum().item()
    model.train()
    return 100.0 * correct / len(x)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(DEFAULTS), default="mlp",
                        help="mlp (784-256-128-10) or cnn (two 5x5 convs); default mlp")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                        help="torch intra-op threads and OpenBLAS threads")
    parser.add_argument("--batch", type=int, default=None,
                        help="batch size (default 128 for mlp, 64 for cnn)")
    parser.add_argument("--lr", type=float, default=None,
                        help="SGD learning rate (default 0.05 for mlp, 0.02 for cnn)")
    parser.add_argument("--weight-decay", type=float, default=0.0,
                        help="SGD weight decay (default 0)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=DATA_DIR, help="folder of the Fashion-MNIST .gz files")
    parser.add_argument("--tuned-threads", action="store_true",
                        help="OMP_WAIT_POLICY=PASSIVE and OPENBLAS_NUM_THREADS=--threads")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                        help="where to train (default cpu)")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("torch_twin: --device cuda: torch.cuda.is_available() is False")
    device = torch.device(args.device)
    default_batch, default_lr = DEFAULTS[args.model]
    batch = args.batch if args.batch is not None else default_batch
    lr = args.lr if args.lr is not None else default_lr

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    blas, blas_dir = loaded_blas()
    print(f"blas={blas} blas_dir={blas_dir} torch={torch.__version__} "
          f"threads={torch.get_num_threads()} "
          f"openblas_threads={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')} "
          f"omp_wait_policy={os.environ.get('OMP_WAIT_POLICY', 'unset')} "
          f"model={args.model} batch={batch} lr={lr} weight_decay={args.weight_decay} "
          f"device={args.device}"
          + (f" gpu=\"{torch.cuda.get_device_name(0)}\"" if args.device == "cuda" else ""),
          flush=True)

    x_train, y_train = load_split(args.data, "train", args.model)
    x_test, y_test = load_split(args.data, "t10k", args.model)

    model = make_model(args.model).to(device)
    energy = NvmlEnergy() if args.device == "cuda" else None
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9,
                          weight_decay=args.weight_decay)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    shuffle = torch.Generator().manual_seed(args.seed)

    n = len(x_train)
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(n, generator=shuffle)
        loss_sum = 0.0
        joules0 = energy.read() if energy else None
        start_time = time.perf_counter()
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            xb, yb = x_train[idx].to(device), y_train[idx].to(device)
            loss = loss_fn(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
        synchronize(device)
        train_s = time.perf_counter() - start_time
        schedule.step()

        acc = evaluate(model, x_test, y_test, device)
        joules1 = energy.read() if energy else None
        gpu_joules = (f" gpu_joules={joules1 - joules0:.2f}"
                      if joules0 is not None and joules1 is not None else "")
        print(f"epoch={epoch} loss={loss_sum / n:.4f} train_s={train_s:.3f} test_acc={acc:.2f}"
              f"{gpu_joules}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
