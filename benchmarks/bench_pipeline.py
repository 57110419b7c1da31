"""Benchmark of the report pipeline (issue 5), measured in one run on this machine.

1. ``bare``: papermill runs a trivial notebook that imports the same libraries as the
   report notebooks (kernel start + imports), the cost every notebook pays at least.
2. ``reproduce``: ``crm-research reproduce d-company`` end to end (simulation, study,
   six notebooks, HTML).  Goal: reproduce <= 1.5 x (6 x bare).
3. ``batch``: four reports with one worker, then with two.  Goal: speed-up >= 1.5.

The results replace the section ``## Pipeline (issue 5)`` of ``benchmarks/RESULTS.md``;
other sections of that file are left as they are.

Usage: ``python benchmarks/bench_pipeline.py``
"""

from __future__ import annotations

import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from crm_research import __version__, pipeline
from crm_research.cases.d_company import simulate
from crm_research.cli import main

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SECTION = "## Pipeline (issue 5)"
#: The imports of a report notebook's first cell (what a bare run must pay too).
BARE_SOURCE = (
    "from crm_research import pipeline, plots, factor, study, findings\n"
    "import pandas, seaborn, scipy.stats, statsmodels.api\n"
    "x = 1"
)


def bare_run(folder: Path) -> float:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell("x = 0", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(BARE_SOURCE),
    ]
    source = folder / "bare.ipynb"
    nbformat.write(nb, source)
    with pipeline.quiet():
        return pipeline.execute_notebook(source, folder / "out" / "bare.ipynb", {"x": 1})


def reproduce(folder: Path) -> float:
    start = time.perf_counter()
    status = main(["reproduce", "d-company", "--out", str(folder / "report"), "--lang", "zh"])
    if status != 0:
        raise SystemExit(f"reproduce failed with status {status}")
    return time.perf_counter() - start


def batch(folder: Path, workers: int) -> float:
    lines = ["runs:"]
    for k in range(4):
        data = folder / f"data{k}"
        if not data.exists():
            simulate(k + 1).write(data)
        lines += [
            f"  - name: client {k}",
            f"    customers: {data}/customers.csv",
            f"    employees: {data}/employees.csv",
            f"    ledger: {data}/ledger.csv",
            f"    scorecard: {data}/scorecard.csv",
        ]
    config = folder / "batch.yaml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    start = time.perf_counter()
    result = pipeline.run_batch(
        config, folder / f"batch-{workers}", workers=workers, progress=False
    )
    if result.failed:
        raise SystemExit(f"batch failed: {result.failed}")
    return time.perf_counter() - start


def write_section(text: str) -> None:
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    # the section ends at the next heading or at run.py's marked section, which it must keep
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |^<!-- perf:start -->|\Z)", re.S | re.M)
    if pattern.search(old):
        new = pattern.sub(lambda _: text.rstrip("\n") + "\n\n", old)
    else:
        new = old.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(new, encoding="utf-8")


def _load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def run() -> str:
    load_start = _load()
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        folder = Path(tmp)
        bare_run(folder)  # warm the file cache once; the measured runs follow
        bare = min(bare_run(folder) for _ in range(3))
        rep = reproduce(folder)
        one = batch(folder, 1)
        two = batch(folder, 2)
    n = len(pipeline.NOTEBOOK_NAMES)
    goal = 1.5 * n * bare
    speedup = one / two
    load = _load()
    return (
        f"{SECTION}\n\n"
        f"Measured by `python benchmarks/bench_pipeline.py` (crm_research {__version__}, "
        f"Python {platform.python_version()}, {os.cpu_count()} cores; 1-minute load average "
        f"{load_start:.1f} at the start, {load:.1f} before the last step, the benchmark's "
        "own processes included).\n\n"
        "| measure | seconds | goal | met |\n|---|---:|---|---|\n"
        f"| bare papermill run (kernel + the notebooks' imports), best of 3 | {bare:.1f} | | |\n"
        f"| `reproduce d-company` ({n} notebooks) | {rep:.1f} | ≤ 1.5 × {n} × bare = {goal:.1f} "
        f"| {'yes' if rep <= goal else 'no'} |\n"
        f"| batch of 4, one worker | {one:.1f} | | |\n"
        f"| batch of 4, two workers | {two:.1f} | speed-up ≥ 1.5 (got {speedup:.2f}) "
        f"| {'yes' if speedup >= 1.5 else 'no'} |\n\n"
        "How: the study is computed once (in the parent, while the first kernels start and "
        "import) and shared through a cache file; the six notebooks run two at a time; a "
        "batch parallelises across reports (notebooks one at a time inside each report). "
        "Kernels and batch workers run numpy on one BLAS thread (OpenBLAS threads of "
        "processes sharing two cores spin against each other); Tukey HSD caches the "
        "studentized-range quantile and computes the pairs' p-values in one call (the "
        "study's 1.4 s of Tukey became 0.5 s); the two chapters without figures do not "
        "import matplotlib/seaborn.\n"
    )


if __name__ == "__main__":
    section = run()
    write_section(section)
    print(section)
    sys.exit(0)
