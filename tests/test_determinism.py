"""Same inputs and seed -> byte-identical results; run metadata only in ``manifest.json``.

Each run is a separate process with a different ``PYTHONHASHSEED`` (so set and dict orders
that depend on string hashing would show up) and a different working directory.  Compared
byte for byte: the simulated data (``crm-research simulate``), ``findings.json``,
``findings.md`` and ``tables/*.csv`` of ``crm-research report``, and ``findings.json``,
``tables/*.csv`` and the copied inputs of ``crm-research reproduce`` (the whole pipeline,
rerun into its own previous report).  ``manifest.json`` may differ only in its run metadata
(times, durations, the temporary input folder).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crm_research.cases.d_company import simulate

PROJECT = Path(__file__).resolve().parent.parent
SEED = 20240517
#: Manifest fields that describe one run (allowed to differ between two runs).
RUN_METADATA = {"started_utc", "finished_utc", "seconds", "platform"}
#: Anything that looks like a clock reading or a temporary path does not belong in results.
TIMESTAMP = re.compile(r"\b20\d\d-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?(\.\d+)?(Z|[+-]\d\d:?\d\d)?\b")


def run_cli(*args: str, cwd: Path, hash_seed: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONWARNINGS": "ignore",
        "PYTHONHASHSEED": hash_seed,
        "PYTHONPATH": str(PROJECT),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "crm_research", *args],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=cwd,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def files(folder: Path, pattern: str = "**/*") -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.glob(pattern))
        if p.is_file()
    }


def assert_same_bytes(first: dict[str, bytes], second: dict[str, bytes]) -> None:
    assert first, "nothing to compare"
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert not differing, differing


# --------------------------------------------------------------------------------------
# Simulation
# --------------------------------------------------------------------------------------


def test_simulate_twice_gives_identical_files(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    (tmp_path / "elsewhere").mkdir()
    run_cli("simulate", "d-company", "--seed", "11", "--out", str(a), cwd=tmp_path, hash_seed="1")
    run_cli("simulate", "d-company", "--seed", "11", "--out", str(b),
            cwd=tmp_path / "elsewhere", hash_seed="2")  # fmt: skip
    assert_same_bytes(files(a), files(b))
    assert {"customers.csv", "employees.csv", "ledger.csv", "scorecard.csv"} <= set(files(a))
    # and a different seed gives different data (the comparison can fail)
    c = tmp_path / "c"
    simulate(12, "thesis").write(c)
    assert files(c)["customers.csv"] != files(a)["customers.csv"]


def test_simulate_in_process_is_repeatable():
    first, second = simulate(5, "healthy"), simulate(5, "healthy")
    for name, frame in first.tables().items():
        assert frame.equals(second.tables()[name]), name
    assert json.dumps(first.parameters, sort_keys=True) == json.dumps(
        second.parameters, sort_keys=True
    )


# --------------------------------------------------------------------------------------
# crm-research report (findings and tables)
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def case_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("det_inputs")
    simulate(SEED, "thesis").write(folder)
    return folder


@pytest.fixture(scope="module")
def two_reports(case_files, tmp_path_factory):
    outs = []
    for k, hash_seed in enumerate(("0", "4242")):
        base = tmp_path_factory.mktemp(f"det_report_{k}")
        out = base / "report"
        run_cli(
            "report",
            "--customers", str(case_files / "customers.csv"),
            "--employees", str(case_files / "employees.csv"),
            "--ledger", str(case_files / "ledger.csv"),
            "--scorecard", str(case_files / "scorecard.csv"),
            # the flag shortcut with the case layer reproduce's study file names
            "--case", "d_company",
            "--out", str(out), "--no-html",
            cwd=base,
            hash_seed=hash_seed,
        )  # fmt: skip
        outs.append(out)
    return outs


def test_report_findings_and_tables_are_byte_identical(two_reports):
    first, second = two_reports
    for pattern in ("findings.json", "findings.md", "tables/*.csv"):
        assert_same_bytes(files(first, pattern), files(second, pattern))
    assert len(files(first, "tables/*.csv")) >= 10


def test_results_hold_no_run_metadata(two_reports, case_files):
    first, _ = two_reports
    for name, data in files(first).items():
        text = data.decode("utf-8")
        assert not TIMESTAMP.search(text), (name, TIMESTAMP.search(text).group(0))
        assert str(first) not in text and str(case_files) not in text, name
    records = json.loads((first / "findings.json").read_text(encoding="utf-8"))
    assert records, "the thesis scenario has findings"
    # keys are sorted in every record (no dict-order noise)
    text = (first / "findings.json").read_text(encoding="utf-8")
    assert text == json.dumps(records, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# --------------------------------------------------------------------------------------
# crm-research reproduce (the whole pipeline), rerun into its own previous report
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reproduced_twice(tmp_path_factory):
    base = tmp_path_factory.mktemp("det_reproduce")
    out = base / "d-company"
    run_cli("reproduce", "d-company", "--seed", str(SEED), "--lang", "en", "--out", str(out),
            cwd=base, hash_seed="3")  # fmt: skip
    first = base / "first"
    shutil.copytree(out, first)
    (base / "other_cwd").mkdir()
    run_cli("reproduce", "d-company", "--seed", str(SEED), "--lang", "en", "--out", str(out),
            cwd=base / "other_cwd", hash_seed="77")  # fmt: skip
    return first, out


def test_reproduce_results_are_byte_identical(reproduced_twice):
    first, second = reproduced_twice
    for pattern in ("findings.json", "tables/*.csv", "inputs/*"):
        assert_same_bytes(files(first, pattern), files(second, pattern))
    # also the workbook (no clock in its zip entries or properties) and the figures (the
    # parallel analysis of the scree plot is seeded)
    for pattern in ("tables.xlsx", "figures/*.png"):
        assert_same_bytes(files(first, pattern), files(second, pattern))


def test_reproduce_manifest_differs_only_in_run_metadata(reproduced_twice):
    first, second = reproduced_twice

    def stable(folder: Path) -> dict:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        for key in RUN_METADATA:
            manifest.pop(key, None)
        for nb in manifest.get("notebooks", []):
            nb.pop("seconds", None)
        for entry in (manifest.get("inputs") or {}).values():
            entry.pop("path", None)  # the temporary folder the simulation was written to
        params = (manifest.get("parameters") or {}).get("notebook_parameters") or {}
        for role in ("customers", "employees", "ledger", "scorecard"):
            params.pop(role, None)
        return manifest

    a, b = stable(first), stable(second)
    assert a == b
    assert a["seed"] == SEED
    # the inputs are identified by their hashes, which are identical
    assert {r: e["sha256"] for r, e in a["inputs"].items()}


def test_reproduce_and_report_agree(reproduced_twice, case_files, two_reports):
    """The pipeline and ``crm-research report`` give the same findings for the same data."""
    pipeline_out, _ = reproduced_twice
    report_out, _ = two_reports
    for name, data in files(report_out, "tables/*.csv").items():
        assert files(pipeline_out, "tables/*.csv").get(name) == data, name
    assert (pipeline_out / "findings.json").read_bytes() == (
        report_out / "findings.json"
    ).read_bytes()
