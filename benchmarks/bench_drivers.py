"""Issue 14 benchmark: dominance analysis (key-driver importance) against a plain R loop.

Task: general dominance of 10 predictors (1,023 subset regressions) on 10,000 seeded rows,
as a point estimate and with 1,000 bootstrap resamples.  Goal (issue 14, item 9): the
bootstrap run in under one second of CPU on one core.

* crm_research: ``analysis.relative_importance(df, "y", preds, n_boot=1000, seed=...)``,
  timed with ``time.process_time()`` (CPU of the whole process; BLAS is held to one thread,
  so this is one core) and ``time.perf_counter()`` (wall, in the note).
* R: a plain all-subsets loop, ``summary(lm(y ~ subset, data))$r.squared`` for each of the
  1,023 subsets, then the general-dominance average -- what a researcher without a package
  writes (``relaimpo``/``domir`` are not Debian packages here).  CPU is ``system.time()``
  user + system inside R around the computation (reading the CSV excluded).  A full
  1,000-resample R run would take hours, so R times the point estimate and a few resamples
  (each resample is the same 1,023 fits on 10,000 rows) and the 1,000-resample time is
  extrapolated as ``point + 1000 x median(resample)``; the note says so.

``run()`` returns rows ``{task, data, tool, best, median, runs, note}`` (seconds of CPU);
``benchmarks/bench_models.py`` writes them into RESULTS.md.  Without ``Rscript`` the R rows
are marked skipped.  Usage::

    python benchmarks/bench_drivers.py            # prints the rows
    python benchmarks/bench_drivers.py --quick    # 100 resamples, 1 R resample
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SEED = 20261204
N_ROWS = 10_000
N_PRED = 10
N_BOOT = 1000
#: Issue 14 goal: the 1,000-resample dominance analysis in under this many CPU seconds.
CPU_GOAL_S = 1.0

R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
k <- as.integer(args[2])
y <- names(d)[ncol(d)]
preds <- names(d)[-ncol(d)]
p <- length(preds)
bits <- 2^(0:(p - 1))
all_r2 <- function(data) {
  r2 <- numeric(2^p)
  for (mask in 1:(2^p - 1)) {
    vars <- preds[bitwAnd(mask, bits) > 0]
    r2[mask + 1] <- summary(lm(reformulate(vars, y), data = data))$r.squared
  }
  r2
}
masks <- 0:(2^p - 1)
size <- sapply(masks, function(m) sum(bitwAnd(m, bits) > 0))
dominance <- function(r2) {
  gd <- numeric(p)
  for (j in 1:p) {
    without <- masks[bitwAnd(masks, bits[j]) == 0]
    inc <- r2[without + bits[j] + 1] - r2[without + 1]
    gd[j] <- sum(inc / choose(p - 1, size[without + 1])) / p
  }
  gd
}
cpu <- function(t) t[["user.self"]] + t[["sys.self"]]
t <- system.time(gd <- dominance(all_r2(d)))
cat("POINT", cpu(t), t[["elapsed"]], "\n")
cat("GD", sprintf("%.17g", gd), "\n")
set.seed(1)
for (b in seq_len(k)) {
  idx <- sample.int(nrow(d), nrow(d), replace = TRUE)
  t <- system.time(dominance(all_r2(d[idx, ])))
  cat("BOOT", cpu(t), t[["elapsed"]], "\n")
}
"""


def make_data(n: int = N_ROWS, p: int = N_PRED, seed: int = SEED) -> pd.DataFrame:
    """Seeded drivers data: p correlated (r = .3) normal predictors, y = x b + e."""
    rng = np.random.default_rng(seed)
    corr = 0.3 * np.ones((p, p)) + 0.7 * np.eye(p)
    x = rng.normal(size=(n, p)) @ np.linalg.cholesky(corr).T
    y = x @ np.linspace(0.05, 0.5, p) + rng.normal(size=n)
    return pd.DataFrame(np.column_stack([x, y]), columns=[*(f"x{i + 1}" for i in range(p)), "y"])


def _cpu_timed(fn: Any, repeat: int) -> tuple[list[float], list[float], Any]:
    cpu, wall, result = [], [], None
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        result = fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return cpu, wall, result


def _row(task: str, data: str, tool: str, times: list[float], note: str) -> dict[str, Any]:
    return {
        "task": task,
        "data": data,
        "tool": tool,
        "best": min(times) if times else float("nan"),
        "median": statistics.median(times) if times else float("nan"),
        "runs": len(times),
        "note": note,
    }


def _run_r(df: pd.DataFrame, resamples: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench_drivers_") as tmp:
        data = Path(tmp) / "drivers.csv"
        script = Path(tmp) / "drivers.R"
        df.to_csv(data, index=False, float_format="%.17g")
        script.write_text(R_SCRIPT)
        proc = subprocess.run(
            ["Rscript", str(script), str(data), str(resamples)],
            capture_output=True,
            text=True,
            check=False,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"R failed: {proc.stderr.strip()[:400]}")
    out: dict[str, Any] = {"boot_cpu": [], "boot_wall": []}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if parts and parts[0] == "POINT":
            out["point_cpu"], out["point_wall"] = float(parts[1]), float(parts[2])
        elif parts and parts[0] == "BOOT":
            out["boot_cpu"].append(float(parts[1]))
            out["boot_wall"].append(float(parts[2]))
        elif parts and parts[0] == "GD":
            out["gd"] = np.array([float(v) for v in parts[1:]])
    return out


def run(
    *, n_boot: int = N_BOOT, repeat: int = 5, r_resamples: int = 2, with_r: bool = True
) -> list[dict[str, Any]]:
    """Time crm_research and the R loop on the same data; return the result rows.

    Parameters
    ----------
    n_boot : int
        Bootstrap resamples of the crm_research run (and of the R extrapolation).
    repeat : int
        Repetitions of each crm_research measurement (best and median reported).
    r_resamples : int
        Resamples R actually fits (each 1,023 ``lm()`` calls on 10,000 rows).
    with_r : bool
        False skips R even when ``Rscript`` is on PATH.
    """
    from threadpoolctl import threadpool_limits

    from crm_research.analysis import relative_importance

    df = make_data()
    preds = [c for c in df.columns if c != "y"]
    data = f"{N_ROWS:,} rows x {N_PRED} predictors (seeded, r = .3)"
    rows: list[dict[str, Any]] = []
    with threadpool_limits(limits=1):
        relative_importance(df, "y", preds)  # warm-up: imports, caches
        cpu_pt, wall_pt, point = _cpu_timed(lambda: relative_importance(df, "y", preds), repeat)
        cpu_bt, wall_bt, boot = _cpu_timed(
            lambda: relative_importance(df, "y", preds, n_boot=n_boot, seed=SEED), repeat
        )
    task_pt = "dominance analysis, point estimate (1,023 subsets)"
    task_bt = f"dominance analysis + {n_boot:,} bootstrap resamples"
    ours_pt = _row(
        task_pt,
        data,
        "crm_research relative_importance",
        cpu_pt,
        f"CPU s, one BLAS thread; wall best {min(wall_pt):.4f} s",
    )
    ours_bt = _row(
        task_bt,
        data,
        "crm_research relative_importance",
        cpu_bt,
        f"CPU s, one BLAS thread; wall best {min(wall_bt):.3f} s; goal < {CPU_GOAL_S:g} s CPU: "
        + ("met" if min(cpu_bt) < CPU_GOAL_S else "NOT met"),
    )
    rows += [ours_pt, ours_bt]
    r_tool = "R 4 plain all-subsets lm() loop"
    if not with_r or shutil.which("Rscript") is None:
        reason = "skipped: Rscript is not on PATH" if with_r else "skipped (--no-r)"
        rows += [_row(task_pt, data, r_tool, [], reason), _row(task_bt, data, r_tool, [], reason)]
        return rows
    r = _run_r(df, r_resamples)
    diff = float(np.abs(r["gd"] - point["weight"].to_numpy()).max())
    per = statistics.median(r["boot_cpu"]) if r["boot_cpu"] else r["point_cpu"]
    r_total = r["point_cpu"] + n_boot * per
    rows.append(
        _row(
            task_pt,
            data,
            r_tool,
            [r["point_cpu"]],
            f"CPU s (system.time user+sys), wall {r['point_wall']:.1f} s; ratio R/crm_research "
            f"{r['point_cpu'] / ours_pt['best']:,.0f}x; max |GD difference| {diff:.1e}",
        )
    )
    rows.append(
        _row(
            task_bt,
            data,
            r_tool,
            [r_total],
            f"CPU s extrapolated: point + {n_boot:,} x median of {len(r['boot_cpu'])} measured "
            f"resamples ({per:.2f} s each); ratio R/crm_research {r_total / ours_bt['best']:,.0f}x",
        )
    )
    ours_pt["note"] += f"; {r['point_cpu'] / ours_pt['best']:,.0f}x less CPU than the R loop"
    ours_bt["note"] += f"; {r_total / ours_bt['best']:,.0f}x less CPU than the R loop (extrapolated)"
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 resamples, 1 R resample")
    parser.add_argument("--no-r", action="store_true", help="skip R")
    args = parser.parse_args(argv)
    kwargs = {"n_boot": 100, "repeat": 2, "r_resamples": 1} if args.quick else {}
    load0 = os.getloadavg()[0]
    rows = run(with_r=not args.no_r, **kwargs)
    print(f"load average (1 min) at start {load0:.2f}, at end {os.getloadavg()[0]:.2f}")
    for row in rows:
        best = "-" if row["runs"] == 0 else f"{row['best']:.4g}"
        median = "-" if row["runs"] == 0 else f"{row['median']:.4g}"
        print(
            f"{row['task']} | {row['data']} | {row['tool']} | best {best} | "
            f"median {median} | runs {row['runs']} | {row['note']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
