"""Safe names and output folders (:mod:`crm_research.paths`).

Properties checked on arbitrary text (hypothesis): a slug is a single path component made
of word characters and ``-``, never empty, ``.``/``..``, hidden or a device name, and it
stays inside the folder it is joined to.  The output-folder policy is checked on real
folders: a foreign non-empty folder is refused and left byte for byte as it was.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_research.errors import InputError
from crm_research.paths import (
    REPORT_MARKER,
    SLUG_FALLBACK,
    SLUG_MAX_CHARS,
    WINDOWS_RESERVED,
    is_previous_report,
    safe_batch_dir,
    safe_child,
    safe_output_dir,
    slugify,
    unique_slugs,
)

SLUG = re.compile(r"^[\w-]+$")
PROJECT = Path(__file__).resolve().parent.parent


def tree_snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# --- slugify ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Client A / 2019 (Hebei)", "client-a-2019-hebei"),
        ("../../evil", "evil"),
        ("..", SLUG_FALLBACK),
        (".", SLUG_FALLBACK),
        ("", SLUG_FALLBACK),
        ("   ", SLUG_FALLBACK),
        ("/", SLUG_FALLBACK),
        (".bashrc", "bashrc"),
        ("石家庄 客户", "石家庄-客户"),
        ("河北省·保定市/客户满意度", "河北省-保定市-客户满意度"),
        ("Ｄ公司２０１９", "d公司2019"),  # full-width letters and digits (NFKC)
        ("a\x00b\nc\td", "ab-c-d"),  # control characters dropped, whitespace is a separator
        ("C:\\Users\\x\\report", "c-users-x-report"),
        ("CON", "con-"),
        ("nul", "nul-"),
        ("com1", "com1-"),
        ("con.txt", "con-txt"),
        ("report.html", "report-html"),
        ("__init__", "init"),
    ],
)
def test_slugify_examples(name, slug):
    assert slugify(name) == slug


def test_slugify_limits_length_and_never_ends_in_a_separator():
    long = "客" * 200
    assert slugify(long) == "客" * SLUG_MAX_CHARS
    assert len(slugify("ab " * 100)) <= SLUG_MAX_CHARS
    assert not slugify("ab " * 100).endswith("-")
    # 80 CJK characters are 240 bytes in UTF-8: below the usual 255-byte limit of a name
    assert len(slugify(long).encode("utf-8")) <= 255 - len(".ipynb")


def test_slugify_rejects_a_useless_length():
    with pytest.raises(InputError):
        slugify("x", max_chars=3)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_slug_is_one_safe_component(name):
    slug = slugify(name)
    assert SLUG.match(slug), slug
    assert slug not in ("", ".", "..")
    assert not slug.startswith((".", "-"))
    assert slug not in WINDOWS_RESERVED
    assert len(slug) <= SLUG_MAX_CHARS
    assert "/" not in slug and "\\" not in slug and "\x00" not in slug
    # it is a fixed point: slugging a slug changes nothing
    assert slugify(slug) == slug
    # joined to a folder it names a child of that folder, never anything else
    base = Path("/reports/run")
    joined = (base / slug).resolve()
    assert joined.parent == base.resolve()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=20), max_size=12))
def test_unique_slugs_never_collide(names):
    slugs = unique_slugs(names)
    assert set(slugs) == set(names)
    assert len(set(slugs.values())) == len(slugs)
    assert all(SLUG.match(s) for s in slugs.values())


def test_safe_child_stays_inside():
    assert safe_child("/r", "../../etc/passwd", ".csv") == Path("/r/etc-passwd.csv")
    assert safe_child("/r", "..") == Path(f"/r/{SLUG_FALLBACK}")
    with pytest.raises(InputError):
        safe_child("/r", "x", "/../y")


# --- safe_output_dir ----------------------------------------------------------------------------


def test_new_and_empty_folders_are_accepted_and_nothing_is_created(tmp_path):
    new = tmp_path / "a" / "b"
    assert safe_output_dir(new) == new.absolute()
    assert not (tmp_path / "a").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert safe_output_dir(empty) == empty.absolute()
    assert list(empty.iterdir()) == []


def test_foreign_non_empty_folder_is_refused_and_left_untouched(tmp_path):
    foreign = tmp_path / "thesis"
    (foreign / "chapters").mkdir(parents=True)
    (foreign / "thesis.docx").write_bytes(b"my thesis")
    (foreign / "chapters" / "ch1.md").write_text("第一章", encoding="utf-8")
    before = tree_snapshot(foreign)
    with pytest.raises(InputError) as err:
        safe_output_dir(foreign)
    message = str(err.value)
    assert str(foreign) in message and REPORT_MARKER in message
    assert "\n" not in message
    assert tree_snapshot(foreign) == before


def test_hidden_file_alone_makes_a_folder_foreign(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / ".git").mkdir()
    with pytest.raises(InputError):
        safe_output_dir(folder)


def test_previous_report_is_accepted(tmp_path):
    report = tmp_path / "report"
    report.mkdir()
    (report / REPORT_MARKER).write_text("{}", encoding="utf-8")
    (report / "report.html").write_text("<html/>", encoding="utf-8")
    assert is_previous_report(report)
    assert safe_output_dir(report) == report.absolute()
    # a folder *named* like the marker does not count
    odd = tmp_path / "odd"
    (odd / REPORT_MARKER).mkdir(parents=True)
    assert not is_previous_report(odd)
    with pytest.raises(InputError):
        safe_output_dir(odd)


def test_a_file_is_refused(tmp_path):
    f = tmp_path / "out.txt"
    f.write_text("keep me", encoding="utf-8")
    with pytest.raises(InputError, match="is a file"):
        safe_output_dir(f)
    assert f.read_text(encoding="utf-8") == "keep me"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_symlinked_output_is_refused(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / REPORT_MARKER).write_text("{}", encoding="utf-8")
    link = tmp_path / "link"
    link.symlink_to(target, target_is_directory=True)
    with pytest.raises(InputError, match="symbolic link"):
        safe_output_dir(link)
    assert (target / REPORT_MARKER).exists()


def test_custom_marker(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "done.json").write_text("{}", encoding="utf-8")
    assert safe_output_dir(folder, marker="done.json") == folder.absolute()
    with pytest.raises(InputError):
        safe_output_dir(folder)


# --- safe_batch_dir --------------------------------------------------------------------------


def test_batch_dir_accepts_a_previous_batch_and_refuses_foreign_entries(tmp_path):
    batch = tmp_path / "batch"
    (batch / "client-a").mkdir(parents=True)
    (batch / "client-a" / REPORT_MARKER).write_text("{}", encoding="utf-8")
    (batch / "client-b.failed").mkdir()
    (batch / "client-b.failed" / "failed.json").write_text("{}", encoding="utf-8")
    (batch / ".client-c.building-abc123").mkdir()
    assert safe_batch_dir(batch) == batch.absolute()
    (batch / "notes.txt").write_text("mine", encoding="utf-8")
    before = tree_snapshot(batch)
    with pytest.raises(InputError, match="'notes.txt'"):
        safe_batch_dir(batch)
    assert tree_snapshot(batch) == before
    (batch / "notes.txt").unlink()
    (batch / ".git").mkdir()
    with pytest.raises(InputError, match="'.git'"):
        safe_batch_dir(batch)


# --- the commands end to end -------------------------------------------------------------------


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "PYTHONPATH": str(PROJECT)}
    return subprocess.run(
        [sys.executable, "-m", "crm_research", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        env=env,
    )


@pytest.fixture(scope="module")
def case_dir(tmp_path_factory):
    from crm_research.cases.d_company import simulate

    folder = tmp_path_factory.mktemp("paths_case")
    simulate(3, "thesis", n_customers=40, n_employees=8).write(folder)
    return folder


def foreign_folder(base: Path) -> Path:
    folder = base / "my_thesis"
    (folder / "tables").mkdir(parents=True)
    (folder / "thesis.docx").write_bytes(b"chapter one")
    (folder / "tables" / "abc.csv").write_text("my own table\n", encoding="utf-8")
    (folder / "findings.md").write_text("my notes\n", encoding="utf-8")
    return folder


def report_args(case: Path, out: Path) -> list[str]:
    return [
        "report",
        "--customers", str(case / "customers.csv"),
        "--employees", str(case / "employees.csv"),
        "--ledger", str(case / "ledger.csv"),
        "--out", str(out),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "command",
    [
        "report --no-html",
        "report --html",
        "reproduce",
        "batch",
    ],
)
def test_out_pointing_at_a_foreign_folder_is_refused_and_nothing_changes(
    tmp_path, case_dir, command
):
    folder = foreign_folder(tmp_path)
    before = tree_snapshot(folder)
    siblings = sorted(p.name for p in tmp_path.iterdir())
    if command.startswith("report"):
        args = report_args(case_dir, folder) + command.split()[1:]
    elif command == "reproduce":
        args = ["reproduce", "d-company", "--out", str(folder)]
    else:
        config = tmp_path / "batch.yaml"
        config.write_text(
            "runs:\n  - name: a\n"
            f"    customers: {case_dir / 'customers.csv'}\n"
            f"    employees: {case_dir / 'employees.csv'}\n"
            f"    ledger: {case_dir / 'ledger.csv'}\n",
            encoding="utf-8",
        )
        siblings = sorted(p.name for p in tmp_path.iterdir())
        args = ["batch", str(config), "--out", str(folder), "--no-progress"]
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm-research: ")
    assert str(folder) in lines[0]
    assert tree_snapshot(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == siblings  # no build folders left


def test_report_reruns_into_its_own_previous_report(tmp_path, case_dir):
    out = tmp_path / "report"
    assert run_cli(*report_args(case_dir, out), "--no-html", cwd=tmp_path).returncode == 0
    first = tree_snapshot(out)
    assert "findings.json" in first
    again = run_cli(*report_args(case_dir, out), "--no-html", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert tree_snapshot(out) == first


def tiny_notebook(path: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell(
            "customers = employees = ledger = scorecard = instruments = None\n"
            "lang = 'zh'\nseed = 1\noutput_dir = '.'\nwork_dir = None\nsimulated = None",
            metadata={"tags": ["parameters"]},
        ),
        nbformat.v4.new_markdown_cell("# tiny"),
    ]
    nbformat.write(nb, path)
    return path


def test_batch_names_from_the_config_cannot_leave_the_batch_folder(tmp_path, case_dir):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    tiny = tiny_notebook(work / "tiny.ipynb")
    names = ["../../evil", "..", "/etc/passwd", "CON"]
    lines = ["notebooks:", f"  - {tiny}", "runs:"]
    for name in names:
        lines += [
            f"  - name: {json.dumps(name)}",
            f"    customers: {case_dir / 'customers.csv'}",
            f"    employees: {case_dir / 'employees.csv'}",
            f"    ledger: {case_dir / 'ledger.csv'}",
        ]
    config = work / "batch.yaml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = work / "batch"
    outside_before = sorted(str(p) for p in tmp_path.rglob("*") if out not in p.parents)
    proc = run_cli("batch", str(config), "--out", str(out), "--workers", "2", "--no-progress",
                   cwd=work)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    outside_after = sorted(str(p) for p in tmp_path.rglob("*") if out not in p.parents)
    assert outside_after == sorted([*outside_before, str(out)])  # only the batch folder is new
    reports = sorted(p.parent for p in out.rglob(REPORT_MARKER))
    assert len(reports) == len(names)
    for report in reports:
        assert report.parent == out  # one level below the batch folder, nowhere else
        assert SLUG.match(report.name) and report.name not in ("..", ".")
    assert not (tmp_path / "evil").exists() and not (work.parent / "evil").exists()


# --- the report pipeline's own folder checks (crm_research.pipeline) ----------------------


def fake_report(folder: Path, outputs: list[str]) -> Path:
    """A previous report of the pipeline: its manifest lists the files it wrote."""
    from crm_research import pipeline

    folder.mkdir(parents=True)
    for name in outputs:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("report file", encoding="utf-8")
    manifest = {"kind": pipeline.MANIFEST_KIND, "outputs": [*outputs, REPORT_MARKER]}
    (folder / REPORT_MARKER).write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_pipeline_refuses_a_previous_report_holding_files_it_did_not_write(tmp_path):
    from crm_research import pipeline

    out = fake_report(tmp_path / "report", ["report.html", "tables/a.csv"])
    pipeline.check_output_dir(out)  # a clean previous report may be replaced
    (out / "notebooks" / ".ipynb_checkpoints").mkdir(parents=True)
    (out / "notebooks" / ".ipynb_checkpoints" / "x-checkpoint.ipynb").write_text("{}")
    pipeline.check_output_dir(out)  # what JupyterLab leaves is not somebody's work
    (out / "tables" / "my_notes.docx").write_text("the user's own notes")
    before = tree_snapshot(out)
    with pytest.raises(InputError, match="tables/my_notes.docx"):
        pipeline.check_output_dir(out)
    assert tree_snapshot(out) == before


def test_pipeline_refuses_an_output_folder_holding_an_input_file(tmp_path):
    from crm_research import pipeline

    out = fake_report(tmp_path / "report", ["report.html", "inputs/customers.csv"])
    with pytest.raises(InputError, match="input file lies inside the output folder"):
        pipeline.check_output_dir(out, [out / "inputs" / "customers.csv"])
    pipeline.check_output_dir(out, [tmp_path / "elsewhere.csv"])


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_pipeline_refuses_a_symlinked_output_folder(tmp_path):
    from crm_research import pipeline

    target = fake_report(tmp_path / "real", ["report.html"])
    link = tmp_path / "link"
    link.symlink_to(target, target_is_directory=True)
    with pytest.raises(InputError, match="symbolic link"):
        pipeline.check_output_dir(link)


def test_long_report_names_still_give_legal_build_and_failed_folder_names(tmp_path):
    """An 80-character Chinese slug is 240 bytes: the pipeline's work folders beside it
    (``.NAME.building-*``, ``.NAME.previous-*``, ``NAME.failed``) must stay within 255."""
    from crm_research import pipeline

    name = slugify("客户" * 100)
    assert len(name.encode("utf-8")) == 240
    out = tmp_path / name
    build = pipeline._new_build_dir(out)
    assert build.parent == tmp_path and len(build.name.encode("utf-8")) <= 255
    (build / "report.html").write_text("new")
    pipeline._move_into_place(build, out)  # a new report
    (out / REPORT_MARKER).write_text(json.dumps({"kind": pipeline.MANIFEST_KIND}))
    build = pipeline._new_build_dir(out)
    pipeline._move_into_place(build, out)  # replaces the previous one through .previous-*
    build = pipeline._new_build_dir(out)
    (build / "notebooks").mkdir()
    kept = pipeline._keep_failed(build, out, pipeline.NotebookFailed("01_x", "ValueError: x"))
    assert kept.parent == tmp_path and (kept / "failed.json").is_file()
    assert all(len(p.name.encode("utf-8")) <= 255 for p in tmp_path.iterdir())


def test_batch_run_names_become_the_same_safe_slugs_as_everywhere(tmp_path):
    from crm_research import pipeline

    for role in ("customers", "employees", "ledger"):
        (tmp_path / f"{role}.csv").write_text("x\n1\n", encoding="utf-8")
    names = ["CON", "../x", "a/b", "客户" * 100, "nul.txt"]
    lines = ["runs:"]
    for name in names:
        lines += [f"  - name: {json.dumps(name, ensure_ascii=False)}",
                  "    customers: customers.csv", "    employees: employees.csv",
                  "    ledger: ledger.csv"]  # fmt: skip
    config = tmp_path / "batch.yaml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    runs = pipeline.load_batch_config(config)
    assert [r.slug for r in runs] == [slugify(n) for n in names]
    assert runs[0].slug == "con-" and runs[1].slug == "x"
    assert all(r.slug.casefold() not in WINDOWS_RESERVED for r in runs)
