"""Issue 14 benchmark: structural models against lavaan, side by side in one run.

Tasks (issue 14, item 9):

1. SEM with 1,000 bootstrap resamples on PoliticalDemocracy (the shared reference model
   with its indirect effect): ``crm_research.sem.sem(se="bootstrap", n_boot=1000)`` against
   ``lavaan::sem(se = "bootstrap", bootstrap = 1000)``. Goal: at least 20x faster.
2. The four-level invariance sequence on Holzinger-Swineford by school:
   ``crm_research.sem.invariance`` against lavaan's four ``cfa(group =, group.equal =)``
   fits. Goal: faster than lavaan.
3. Dominance analysis rows from ``benchmarks/bench_drivers.py`` (when that file exists),
   so that the three rows come from one run.

Times are CPU seconds (``time.process_time`` of this process with BLAS on one thread;
R: ``system.time`` user + system inside R around the call only, reading the data
excluded), best and median of repeated runs; wall-clock times are in the notes. CPU is the
fair measure on this shared two-core machine, where wall time depends on what the other
engineers run. Without ``Rscript`` + lavaan the R rows are marked skipped.

Usage::

    python benchmarks/bench_models.py            # full run, rewrites the models section
    python benchmarks/bench_models.py --quick    # 200 resamples, prints only
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
START, END = "<!-- models:start -->", "<!-- models:end -->"
N_BOOT = 1000
SEED = 20261204
BOOT_RATIO_GOAL = 20.0  # issue 14: at least 20x faster than lavaan's bootstrap
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"

R_SCRIPT = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
pd <- read.csv(args[1]); hs <- read.csv(args[2]); model <- readLines(args[3])
n_boot <- as.integer(args[4]); inv_runs <- as.integer(args[5]); boot_runs <- as.integer(args[6])
model <- paste(model, collapse = "\n")
hs_model <- "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9"
cpu <- function(t) t[["user.self"]] + t[["sys.self"]]
sem(model, data = pd)  # warm-up
for (i in seq_len(boot_runs)) {
  t <- system.time(fit <- sem(model, data = pd, se = "bootstrap", bootstrap = n_boot))
  pe <- parameterEstimates(fit)
  ind <- pe[pe$lhs == "indirect", ]
  cat("BOOT", cpu(t), t[["elapsed"]], ind$se, ind$ci.lower, ind$ci.upper, "\n")
}
eqs <- list("", "loadings", c("loadings", "intercepts"),
            c("loadings", "intercepts", "residuals"))
seq4 <- function() lapply(eqs, function(e) cfa(hs_model, data = hs, group = "school",
                                                 group.equal = e))
seq4()  # warm-up
for (i in seq_len(inv_runs)) {
  t <- system.time(fits <- seq4())
  cat("INV", cpu(t), t[["elapsed"]], sapply(fits, fitMeasures, "chisq"), "\n")
}
cat("VERSION", R.version$major, R.version$minor, as.character(packageVersion("lavaan")), "\n")
"""


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], list[float], Any]:
    cpu, wall, out = [], [], None
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        out = fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return cpu, wall, out


def _row(task: str, data: str, tool: str, times: list[float], note: str) -> dict[str, Any]:
    return {
        "task": task,
        "data": data,
        "tool": tool,
        "best": min(times) if times else float("nan"),
        "median": statistics.median(times) if times else float("nan"),
        "runs": len(times),
        "note": note,
        "load": os.getloadavg()[0],
    }


def _run_r(n_boot: int, inv_runs: int, boot_runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "models.R"
        script.write_text(R_SCRIPT, encoding="utf-8")
        model = Path(tmp) / "pd.lav"
        ref = json.loads((FIXTURES / "political_democracy_sem_reference.json").read_text())
        model.write_text(ref["model"], encoding="utf-8")
        proc = subprocess.run(
            [
                "Rscript",
                str(script),
                str(FIXTURES / "political_democracy.csv"),
                str(FIXTURES / "holzinger_swineford_1939.csv"),
                str(model),
                str(n_boot),
                str(inv_runs),
                str(boot_runs),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    out: dict[str, Any] = {"boot": [], "inv": [], "version": ""}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "BOOT":
            out["boot"].append([float(v) for v in parts[1:]])
        elif parts[0] == "INV":
            out["inv"].append([float(v) for v in parts[1:]])
        elif parts[0] == "VERSION":
            out["version"] = f"R {parts[1]}.{parts[2]}, lavaan {parts[3]}"
    return out


def run(
    *,
    n_boot: int = N_BOOT,
    repeat: int = 3,
    inv_repeat: int = 7,
    r_boot_runs: int = 1,
    r_inv_runs: int = 5,
    with_r: bool = True,
) -> list[dict[str, Any]]:
    """Time crm_research and lavaan on the same data; return the result rows."""
    from threadpoolctl import threadpool_limits

    from crm_research import sem

    pdem = pd.read_csv(FIXTURES / "political_democracy.csv")
    hs = pd.read_csv(FIXTURES / "holzinger_swineford_1939.csv")
    model = json.loads((FIXTURES / "political_democracy_sem_reference.json").read_text())["model"]
    rows: list[dict[str, Any]] = []
    with threadpool_limits(limits=1):
        sem.sem(pdem, model, se="bootstrap", n_boot=50, seed=1)  # warm-up
        cpu_b, wall_b, boot = _timed(
            lambda: sem.sem(pdem, model, se="bootstrap", n_boot=n_boot, seed=SEED), repeat
        )
        sem.invariance(hs, HS_MODEL, "school")
        cpu_i, wall_i, inv = _timed(lambda: sem.invariance(hs, HS_MODEL, "school"), inv_repeat)
    ind = boot.defined.set_index("name").loc["indirect"]
    task_b = f"SEM + {n_boot:,} bootstrap resamples (indirect effect)"
    task_i = "invariance sequence, 4 multigroup fits"
    data_b = "PoliticalDemocracy 75 x 11"
    data_i = "Holzinger-Swineford 301 x 9, 2 schools"
    ours_b = _row(
        task_b,
        data_b,
        "crm_research sem.sem(se='bootstrap')",
        cpu_b,
        f"CPU s, one BLAS thread; wall best {min(wall_b):.2f} s; {boot.n_boot} converged; "
        f"indirect SE {ind['se']:.4f}, 95% CI [{ind['ci_low']:.3f}, {ind['ci_high']:.3f}]",
    )
    ours_i = _row(
        task_i,
        data_i,
        "crm_research sem.invariance",
        cpu_i,
        f"CPU s; wall best {min(wall_i):.3f} s; chisq "
        + ", ".join(f"{v:.3f}" for v in inv.fits["chisq"]),
    )
    rows += [ours_b, ours_i]
    tool_b = "R lavaan::sem(se='bootstrap', bootstrap=1000)"
    tool_i = "R lavaan::cfa(group=, group.equal=) x 4"
    if not with_r or shutil.which("Rscript") is None:
        reason = "skipped: Rscript is not on PATH" if with_r else "skipped (--no-r)"
        rows += [_row(task_b, data_b, tool_b, [], reason), _row(task_i, data_i, tool_i, [], reason)]
        return rows
    r = _run_r(n_boot, r_inv_runs, r_boot_runs)
    r_boot_cpu = [b[0] for b in r["boot"]]
    r_inv_cpu = [b[0] for b in r["inv"]]
    ratio_b = min(r_boot_cpu) / ours_b["best"]
    ratio_i = min(r_inv_cpu) / ours_i["best"]
    b0 = r["boot"][0]
    rows.append(
        _row(
            task_b,
            data_b,
            tool_b.replace("1000", f"{n_boot}"),
            r_boot_cpu,
            f"CPU s, wall {b0[1]:.1f} s; {r['version']}; indirect SE {b0[2]:.4f}, 95% CI "
            f"[{b0[3]:.3f}, {b0[4]:.3f}]; ratio lavaan/crm_research {ratio_b:,.0f}x "
            f"(goal >= {BOOT_RATIO_GOAL:g}x: {'met' if ratio_b >= BOOT_RATIO_GOAL else 'NOT met'})",
        )
    )
    chisq = r["inv"][0][2:]
    rows.append(
        _row(
            task_i,
            data_i,
            tool_i,
            r_inv_cpu,
            f"CPU s, wall best {min(b[1] for b in r['inv']):.3f} s; chisq "
            + ", ".join(f"{v:.3f}" for v in chisq)
            + f"; ratio lavaan/crm_research {ratio_i:.1f}x (goal > 1x: "
            + ("met" if ratio_i > 1 else "NOT met")
            + ")",
        )
    )
    ours_b["note"] += f"; {ratio_b:,.0f}x less CPU than lavaan"
    ours_i["note"] += f"; {ratio_i:.1f}x less CPU than lavaan"
    return rows


def _driver_rows(quick: bool, with_r: bool) -> list[dict[str, Any]]:
    path = ROOT / "benchmarks" / "bench_drivers.py"
    if not path.exists():
        return []
    sys.path.insert(0, str(path.parent))
    import bench_drivers  # noqa: PLC0415

    kwargs = {"n_boot": 100, "repeat": 2, "r_resamples": 1} if quick else {}
    rows = bench_drivers.run(with_r=with_r, **kwargs)
    for row in rows:
        row.setdefault("load", os.getloadavg()[0])
    return rows


def section(rows: list[dict[str, Any]], started: str, minutes: float, loads: tuple) -> str:
    import numpy
    import scipy

    lines = [
        START,
        "## Issue 14: structural models and driver importance, measured side by side",
        "",
        f"Generated by `python benchmarks/bench_models.py` on {started} (whole run "
        f"{minutes:.1f} min; Python {platform.python_version()}, numpy {numpy.__version__}, "
        f"scipy {scipy.__version__}; 1-minute load average {loads[0]:.1f} at the start and "
        f"{loads[1]:.1f} at the end on 2 cores shared with other engineers). Times are CPU "
        "seconds: `time.process_time` (Python, BLAS on one thread) and `system.time` user + "
        "system inside R around the call (R start-up and reading the data excluded); the "
        "wall-clock times are in the notes. Ratios compare CPU from the same run.",
        "",
        "| task | data | tool | best | median | runs | load | note |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        best = "-" if not row["runs"] else f"{row['best']:.3f}"
        median = "-" if not row["runs"] else f"{row['median']:.3f}"
        lines.append(
            f"| {row['task']} | {row['data']} | {row['tool']} | {best} | {median} | "
            f"{row['runs']} | {row.get('load', float('nan')):.1f} | {row['note']} |"
        )
    lines += [
        "",
        "How: the 1,000 bootstrap refits run as one batch (every array carries a leading "
        "resample axis): quasi-Newton steps from the full-sample estimate with the observed "
        "information there, BFGS-updated per resample, the analytic gradient of the RAM "
        "model, Newton steps for the few slow resamples; the expected information of the "
        "point estimate uses rank-two derivatives (no p x p x q Jacobian). lavaan refits each "
        "resample separately with nlminb.",
        END,
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if START in old and END in old:
        head, rest = old.split(START, 1)
        _, tail = rest.split(END, 1)
        new = head + text + tail
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    RESULTS.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 resamples; print only")
    parser.add_argument("--no-r", action="store_true", help="skip R")
    args = parser.parse_args(argv)
    started = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    t0 = time.perf_counter()
    load0 = os.getloadavg()[0]
    kwargs = {"n_boot": 200, "repeat": 1, "inv_repeat": 2, "r_inv_runs": 1} if args.quick else {}
    rows = run(with_r=not args.no_r, **kwargs)
    rows += _driver_rows(args.quick, not args.no_r)
    text = section(rows, started, (time.perf_counter() - t0) / 60, (load0, os.getloadavg()[0]))
    print(text)
    if not args.quick:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
