#!/usr/bin/env python3
"""Data pruning on Fashion-MNIST: accuracy against total joules (scoring included).

Runs build/examples/data_diet for every score method (el2n, grand, forgetting) x kept end
(hard, easy) x fraction (0.3, 0.5, 0.7), the random baseline at the same fractions and the full
data set, each over the same training seeds, and writes
  bench/results/data_diet.csv  one row per configuration (mean over seeds)
  bench/results/data_diet.md   the table, the best selection against random, the cost ratios
  bench/results/data_diet.svg  test accuracy against total joules, full data as the reference
Each method is scored once (saved to an HDF5 score file and reloaded by the later runs, which
count the joules recorded in it), as a user would reuse one scoring for many runs.

  OMP_WAIT_POLICY=passive /usr/bin/python3 bench/data_diet.py [--build build] [--model mlp]
      [--seeds 3] [--threads 1] [--conditions "..."] [--quick]

Every run is one seed (--seeds 1 --seed s), seed by seed over all configurations; the driver
takes the mean and sample std of the seeds itself and also writes data_diet_runs.csv (each run).
One thread per run keeps the CPU-time estimate proportional to the work on a loaded machine
(idle OpenMP threads spinning at barriers are counted as busy).

Standard library only.
"""
import argparse
import csv
import os
import subprocess
import sys
import time

METHODS = ["el2n", "grand", "forgetting"]
KEEPS = ["hard", "easy"]
FRACTIONS = [0.3, 0.5, 0.7]
COLORS = {"el2n": "#1f77b4", "grand": "#2ca02c", "forgetting": "#d62728", "random": "#7f7f7f",
          "full": "#000000"}
FIELDS = ["method", "fraction", "keep", "test_acc_mean", "test_acc_std", "train_joules_mean",
          "scoring_joules", "total_joules_mean", "energy_source"]


def parse_summary(out, cmd):
    summary = [l for l in out.splitlines() if l.startswith("summary ")]
    if not summary:
        raise SystemExit("no summary line from: " + cmd)
    return dict(kv.split("=", 1) for kv in summary[-1].split()[1:])


def previous_runs(log):
    """{command without the binary: summary} from an earlier sweep's log (--reuse)."""
    done, cmd = {}, None
    with open(log) as f:
        for line in f:
            if line.startswith("+ "):
                cmd = " ".join(line[2:].split()[1:])
            elif line.startswith("summary ") and cmd is not None:
                done[cmd] = parse_summary(line, cmd)
                cmd = None
    return done


class Job:
    """One data_diet run in the background; its output is printed when it ends."""

    def __init__(self, exe, args):
        self.cmd = [exe] + args
        self.key = " ".join(args)
        print("+ " + " ".join(self.cmd), flush=True)
        self.t0 = time.time()
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, text=True)

    def finish(self):
        out, _ = self.proc.communicate()
        if self.proc.returncode != 0:
            raise SystemExit("failed (%d): %s" % (self.proc.returncode, " ".join(self.cmd)))
        lines = [l for l in out.splitlines() if not l.startswith("epoch=")]
        print("\n".join(["= " + self.key] + lines), flush=True)
        row = parse_summary(out, self.key)
        row["wall_s"] = "%.1f" % (time.time() - self.t0)
        return row


def num(row, key):
    return float(row[key])


def fmt_pct(v):
    return "%.2f" % v


def best_scored(rows, fraction):
    scored = [r for r in rows if r["method"] not in ("random", "full")
              and abs(num(r, "fraction") - fraction) < 1e-9]
    return max(scored, key=lambda r: num(r, "test_acc_mean")) if scored else None


def random_at(rows, fraction):
    for r in rows:
        if r["method"] == "random" and abs(num(r, "fraction") - fraction) < 1e-9:
            return r
    return None


def write_markdown(path, rows, meta):
    full = [r for r in rows if r["method"] == "full"][0]
    full_j = num(full, "total_joules_mean")
    full_acc = num(full, "test_acc_mean")
    out = []
    out.append("# Data pruning: accuracy against total joules (%s)\n" % meta["model"].upper())
    out.append(meta["conditions"] + "\n")
    out.append("Total joules = scoring + training (each epoch's test evaluation included); "
               "energy_source=%s (a CPU-time estimate, labelled estimated). Accuracy: final "
               "test accuracy, mean ± sample std over %s seeds. vs random: accuracy points over "
               "the random subset of the same fraction. Scoring: each method scored once on the "
               "proxy model (%s) and reused.\n" % (full["energy_source"], meta["seeds"],
                                                    meta["proxy"]))
    out.append("## The best score-based selection against random\n")
    out.append("| fraction | best selection | test acc % | random test acc % | gain (points) | "
               "total J | random total J | total / full |")
    out.append("|---:|---|---:|---:|---:|---:|---:|---:|")
    for f in FRACTIONS:
        b, rnd = best_scored(rows, f), random_at(rows, f)
        if not b or not rnd:
            continue
        gain = num(b, "test_acc_mean") - num(rnd, "test_acc_mean")
        out.append("| %.1f | %s %s | %s ± %s | %s ± %s | **%+.2f** | %.0f | %.0f | %.2f |" % (
            f, b["method"], b["keep"], fmt_pct(num(b, "test_acc_mean")),
            fmt_pct(num(b, "test_acc_std")), fmt_pct(num(rnd, "test_acc_mean")),
            fmt_pct(num(rnd, "test_acc_std")), gain, num(b, "total_joules_mean"),
            num(rnd, "total_joules_mean"), num(b, "total_joules_mean") / full_j))
    out.append("\nFull data: %s ± %s %% at %.0f J (the reference, total / full = 1).\n" % (
        fmt_pct(full_acc), fmt_pct(num(full, "test_acc_std")), full_j))
    out.append("## Every configuration\n")
    out.append("| method | keep | fraction | test acc % | vs random | vs full | train J | "
               "scoring J | total J | total / full |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    order = {"full": 0, "random": 1, "el2n": 2, "grand": 3, "forgetting": 4}
    for r in sorted(rows, key=lambda r: (order.get(r["method"], 9), r["keep"],
                                         num(r, "fraction"))):
        rnd = random_at(rows, num(r, "fraction"))
        vs_rnd = "" if r["method"] in ("random", "full") or not rnd else "%+.2f" % (
            num(r, "test_acc_mean") - num(rnd, "test_acc_mean"))
        loses = vs_rnd.startswith("-")
        out.append("| %s | %s | %.1f | %s ± %s | %s | %+.2f | %.0f | %.0f | %.0f | %.2f |" % (
            r["method"], r["keep"], num(r, "fraction"), fmt_pct(num(r, "test_acc_mean")),
            fmt_pct(num(r, "test_acc_std")), ("**%s**" % vs_rnd) if loses else vs_rnd,
            num(r, "test_acc_mean") - full_acc, num(r, "train_joules_mean"),
            num(r, "scoring_joules"), num(r, "total_joules_mean"),
            num(r, "total_joules_mean") / full_j))
    out.append("\nBold in *vs random*: the selection loses to a random subset of the same size.\n")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def svg_panel(rows, box, y_range, x_max, labels):
    """One scatter of test accuracy against total joules in box = (left, top, width, height)."""
    L, T, PW, PH = box
    y0, y1 = y_range

    def px(x):
        return L + x / x_max * PW

    def py(y):
        return T + (y1 - y) / (y1 - y0) * PH

    s = []
    for i in range(6):
        xv, yv = x_max * i / 5, y0 + (y1 - y0) * i / 5
        s.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (
            px(xv), T, px(xv), T + PH))
        s.append('<text x="%.1f" y="%d" text-anchor="middle">%.0f</text>' % (
            px(xv), T + PH + 16, xv))
        s.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (
            L, py(yv), L + PW, py(yv)))
        s.append('<text x="%d" y="%.1f" text-anchor="end">%.1f</text>' % (L - 6, py(yv) + 4, yv))
    s.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>' % (
        L, T, PW, PH))
    full = [r for r in rows if r["method"] == "full"][0]
    fy = py(num(full, "test_acc_mean"))
    s.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#000" '
             'stroke-dasharray="4 3"/>' % (L, fy, L + PW, fy))
    for r in rows:
        acc = num(r, "test_acc_mean")
        if not y0 <= acc <= y1:
            continue
        x, y = px(num(r, "total_joules_mean")), py(acc)
        c = COLORS.get(r["method"], "#999")
        label = "%s%s %.1f" % (r["method"], "" if r["keep"] == "none" else " " + r["keep"],
                               num(r, "fraction"))
        if r["method"] == "full":
            label = "full"
            s.append('<rect x="%.1f" y="%.1f" width="10" height="10" fill="#000">'
                     '<title>full data</title></rect>' % (x - 5, y - 5))
        elif r["keep"] == "easy":
            s.append('<circle cx="%.1f" cy="%.1f" r="5" fill="white" stroke="%s" '
                     'stroke-width="2"><title>%s</title></circle>' % (x, y, c, label))
        else:
            s.append('<circle cx="%.1f" cy="%.1f" r="5" fill="%s"><title>%s</title></circle>' % (
                x, y, c, label))
        if labels:
            s.append('<text x="%.1f" y="%.1f" font-size="9" fill="%s">%s</text>' % (
                x + 7, y + 3, c, label))
    return s


def write_svg(path, rows, title):
    W, H = 1100, 480
    x_max = max(num(r, "total_joules_mean") for r in rows) * 1.1
    ys = [num(r, "test_acc_mean") for r in rows]
    top = max(ys) + 0.3
    full = [r for r in rows if r["method"] == "full"][0]
    zoom_low = num(full, "test_acc_mean") - 3.0
    s = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
         'font-family="sans-serif" font-size="12">' % (W, H),
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="60" y="22" font-size="14">%s</text>' % title,
         '<text x="60" y="38" fill="#555">left: every configuration; right: the top %.0f points '
         'of accuracy, labelled</text>' % (top - zoom_low)]
    s += svg_panel(rows, (60, 50, 360, 370), (min(ys) - 0.3, top), x_max, False)
    s += svg_panel(rows, (480, 50, 440, 370), (zoom_low, top), x_max, True)
    s.append('<text x="490" y="%d" text-anchor="middle">total joules (scoring + training, '
             'estimated)</text>' % (H - 12))
    s.append('<text x="16" y="235" transform="rotate(-90 16 235)" text-anchor="middle">'
             'test accuracy % (mean of seeds)</text>')
    lx, ly = W - 160, 60
    for m in ["full", "random"] + METHODS:
        s.append('<circle cx="%d" cy="%d" r="5" fill="%s"/>' % (lx, ly, COLORS[m]))
        s.append('<text x="%d" y="%d">%s</text>' % (lx + 12, ly + 4,
                                                   m + (" (dashed line)" if m == "full" else "")))
        ly += 20
    s.append('<circle cx="%d" cy="%d" r="5" fill="#555"/><text x="%d" y="%d">keep hard</text>' % (
        lx, ly, lx + 12, ly + 4))
    ly += 20
    s.append('<circle cx="%d" cy="%d" r="5" fill="white" stroke="#555" stroke-width="2"/>'
             '<text x="%d" y="%d">keep easy</text>' % (lx, ly, lx + 12, ly + 4))
    s.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(s) + "\n")


def aggregate(cfg, runs):
    """One row per configuration from its single-seed summaries: mean and sample std."""
    accs = [num(r, "test_acc_mean") for r in runs]
    joules = [num(r, "train_joules_mean") for r in runs]
    m = sum(accs) / len(accs)
    sd = (sum((x - m) ** 2 for x in accs) / (len(accs) - 1)) ** 0.5 if len(accs) > 1 else 0.0
    train_j = sum(joules) / len(joules)
    scoring_j = num(runs[0], "scoring_joules")
    return {"method": runs[0]["method"], "fraction": runs[0]["fraction"], "keep": runs[0]["keep"],
            "test_acc_mean": "%.4f" % m, "test_acc_std": "%.4f" % sd,
            "train_joules_mean": "%.3f" % train_j, "scoring_joules": "%.3f" % scoring_j,
            "total_joules_mean": "%.3f" % (train_j + scoring_j),
            "energy_source": runs[0]["energy_source"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--exe", default="", help="the data_diet binary (default: BUILD/examples/...)")
    ap.add_argument("--results-dir", default="bench/results")
    ap.add_argument("--model", default="mlp", choices=["mlp", "cnn"])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--threads", default="1")
    ap.add_argument("--scores", default="runs/data_diet/scores.h5",
                    help="the score file the runs share (removed first: a fresh scoring)")
    ap.add_argument("--conditions", default="", help="a line on the machine and its load")
    ap.add_argument("--quick", action="store_true", help="1 seed, 2 epochs (a smoke test)")
    ap.add_argument("--jobs", type=int, default=1, help="runs at once")
    ap.add_argument("--reuse", default="", help="an interrupted sweep's log: its finished runs "
                    "are taken instead of run again (keep its score file: --keep-scores)")
    ap.add_argument("--keep-scores", action="store_true",
                    help="keep an existing score file (default: remove it, a fresh scoring)")
    a = ap.parse_args()
    exe = a.exe or os.path.join(a.build, "examples", "data_diet")
    os.makedirs(a.results_dir, exist_ok=True)
    os.makedirs(os.path.dirname(a.scores) or ".", exist_ok=True)
    if os.path.exists(a.scores) and not a.keep_scores:
        os.remove(a.scores)
    seeds = 1 if a.quick else a.seeds
    common = ["--model", a.model, "--seeds", "1", "--threads", a.threads, "--scores", a.scores,
              "--no-progress"]
    if a.quick:
        common += ["--epochs", "2"]
    configs = [["--method", "full"]]
    configs += [["--method", "random", "--fraction", str(f)] for f in FRACTIONS]
    configs += [["--method", m, "--fraction", str(f), "--keep", k]
                for m in METHODS for k in KEEPS for f in FRACTIONS]
    # Seed by seed over every configuration, so that a change in the machine's load during the
    # sweep falls on all of them alike. Up to --jobs runs at once; a method's first run scores
    # it into the shared file and its other runs wait for that, then reload the scores.
    done = previous_runs(a.reuse) if a.reuse else {}
    todo = [(s, i, cfg + ["--seed", str(s)] + common)
            for s in range(1, seeds + 1) for i, cfg in enumerate(configs)]
    method_of = lambda cfg: cfg[cfg.index("--method") + 1]
    scored = {"full", "random"}  # methods whose scores are in the file (or need none)
    scoring = set()              # methods whose first run is scoring them
    results, running = {}, []

    def start_next():
        """Starts (or takes from --reuse) the first run that may go now; False when none may."""
        if len(running) >= a.jobs:
            return False
        for k, (s, i, args) in enumerate(todo):
            key, m = " ".join(args), method_of(configs[i])
            if key in done:
                print("= reused: " + key, flush=True)
                results[(s, i)] = dict(done[key], wall_s="")
                scored.add(m)
            elif m in scoring and m not in scored:
                continue  # waits for the run that is scoring this method
            else:
                scoring.add(m)
                running.append((s, i, m, Job(exe, args)))
            todo.pop(k)
            return True
        return False

    while todo or running:
        if start_next():
            continue
        finished = [r for r in running if r[3].proc.poll() is not None]
        if not finished:
            time.sleep(0.5)
            continue
        for r in finished:
            running.remove(r)
            s, i, m, job = r
            results[(s, i)] = job.finish()
            scored.add(m)
    runs = [[results[(s, i)] for s in range(1, seeds + 1)] for i in range(len(configs))]
    per_run = []
    for s in range(1, seeds + 1):
        for i in range(len(configs)):
            per_run.append(dict(results[(s, i)], seed=str(s)))
    rows = [aggregate(c, r) for c, r in zip(configs, runs)]
    stem = os.path.join(a.results_dir, "data_diet" + ("" if a.model == "mlp" else "_" + a.model))
    with open(stem + ".csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow(r)
    with open(stem + "_runs.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["seed"] + FIELDS + ["wall_s"])
        w.writeheader()
        for r in per_run:
            w.writerow({k: r.get(k, "") for k in ["seed"] + FIELDS + ["wall_s"]})
    meta = {"model": a.model, "seeds": str(seeds), "proxy": "MLP 784-64-10",
            "conditions": a.conditions or "Conditions not recorded."}
    write_markdown(stem + ".md", rows, meta)
    write_svg(stem + ".svg", rows, "data_diet (%s): test accuracy against total joules" % a.model)
    print("wrote %s.csv %s_runs.csv %s.md %s.svg" % (stem, stem, stem, stem))


if __name__ == "__main__":
    main()
