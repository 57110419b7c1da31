"""Fuzzing the readers: arbitrary bytes and odd table shapes.

Every input must end in one of two ways: a correct read (a :class:`Responses` whose numbers
obey the instrument) or :class:`InputError` with one sentence naming the file -- at the
command line exit 2 with one line on stderr.  Never another exception, never a hang (each
in-process read runs under a wall-clock alarm; command-line runs under a subprocess
timeout), never a write to the input file.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crm_research.errors import InputError
from crm_research.instrument import load_instrument
from crm_research.readers import Responses, read_responses

#: CPU seconds one in-process read may use before the test calls it a hang (a parser loop
#: burns CPU; CPU time does not grow when other processes load the machine: the widest
#: table here uses 5.8 s of CPU, and took 13-29 s of wall time on two cores at load 14).
READ_LIMIT_SECONDS = 30
#: Wall seconds a read may wait without using CPU (a blocked read).
READ_WALL_LIMIT_SECONDS = 300
#: Seconds one command-line run may take (interpreter start-up included), a hang guard on a
#: shared machine, not a speed requirement.
CLI_LIMIT_SECONDS = 300
PROJECT = Path(__file__).resolve().parent.parent

FUZZ_YAML = """
id: fuzz
title: {zh: 模糊测试问卷, en: Fuzz survey}
response_scales:
  agree5:
    min: 1
    max: 5
    labels:
      1: {zh: 非常不同意, en: Strongly disagree}
      2: {zh: 不同意, en: Disagree}
      3: {zh: 一般, en: Neutral}
      4: {zh: 同意, en: Agree}
      5: {zh: 非常同意, en: Strongly agree}
  ten:
    min: 1
    max: 10
default_response_scale: agree5
missing_codes: [-99]
items:
  - {id: q1, text: {zh: 服务人员态度友好, en: Staff are friendly}}
  - {id: q2, text: {zh: 响应速度很快, en: Responses are fast}}
  - {id: q3, reverse: true, text: {zh: 我经常找不到联系人, en: I often cannot reach anyone}}
  - {id: q4, response_scale: ten, text: {zh: 总体满意度, en: Overall satisfaction}}
scales:
  - {id: service, name: {zh: 服务, en: Service}, items: [q1, q2, q3]}
metadata:
  - {id: resp_id, type: id}
  - {id: group, type: categorical, label: {zh: 客户类型, en: Customer type}}
  - {id: contact, type: pii}
"""
ITEMS = ("q1", "q2", "q3", "q4")
BOUNDS = {"q1": (1, 5), "q2": (1, 5), "q3": (1, 5), "q4": (1, 10)}


@pytest.fixture(scope="module")
def fuzz_instrument(tmp_path_factory):
    path = tmp_path_factory.mktemp("inst") / "fuzz.yaml"
    path.write_text(FUZZ_YAML, encoding="utf-8")
    return load_instrument(path)


class Hang(Exception):
    """A read used more than READ_LIMIT_SECONDS of CPU (or READ_WALL_LIMIT_SECONDS)."""


@contextlib.contextmanager
def time_limit(cpu_seconds: float, wall_seconds: float = READ_WALL_LIMIT_SECONDS):
    """Raise :class:`Hang` in the main thread after ``cpu_seconds`` of this process' CPU
    time (``ITIMER_PROF``) or ``wall_seconds`` of wall time (POSIX timers)."""
    if not hasattr(signal, "setitimer"):  # pragma: no cover - Windows
        yield
        return

    def on_cpu(signum, frame):
        raise Hang(f"read used more than {cpu_seconds} s of CPU")

    def on_wall(signum, frame):
        raise Hang(f"read did not finish within {wall_seconds} s")

    previous = signal.signal(signal.SIGPROF, on_cpu), signal.signal(signal.SIGALRM, on_wall)
    signal.setitimer(signal.ITIMER_PROF, cpu_seconds)
    signal.setitimer(signal.ITIMER_REAL, wall_seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGPROF, previous[0])
        signal.signal(signal.SIGALRM, previous[1])


def read_outcome(path: Path, instrument=None, **kwargs) -> Responses | InputError:
    """Read ``path``; return the Responses or the InputError; let anything else fail the test."""
    before = path.read_bytes()
    try:
        with time_limit(READ_LIMIT_SECONDS):
            result: Responses | InputError = read_responses(path, instrument=instrument, **kwargs)
    except InputError as exc:
        result = exc
    assert path.read_bytes() == before, "the input file was modified"
    if isinstance(result, InputError):
        message = str(result)
        assert message.strip() and "\n" not in message, repr(message)
        assert str(path) in message, message
        assert "Traceback" not in message
    else:
        check_responses(result, instrument)
    return result


def check_responses(resp: Responses, instrument) -> None:
    """What every successful read guarantees."""
    assert isinstance(resp, Responses)
    items = resp.items
    assert all(dt_.kind == "f" for dt_ in items.dtypes), items.dtypes
    assert items.index.name == "row"
    assert items.index.equals(resp.meta.index)
    assert items.index.is_unique
    assert (items.index >= 1).all()
    assert resp.n <= resp.n_read
    finite = items.to_numpy(dtype=float)
    assert not np.isinf(finite).any()
    if instrument is not None:
        assert list(items.columns) == list(instrument.item_ids)
        for item in instrument.items:
            rs = item.response_scale
            values = items[item.id].dropna()
            assert values.between(rs.min, rs.max).all(), (item.id, values.tolist())
            assert (values == values.round()).all(), (item.id, values.tolist())
    for name in resp.dropped_pii:
        assert name not in resp.meta.columns
    table = resp.quality.to_frame()
    assert list(table.columns) == ["row", "column", "rule", "value", "action"]
    # personal data: the pii rule never shows a value
    assert (table.loc[table["rule"] == "pii", "value"] == "").all()


# --------------------------------------------------------------------------------------
# Arbitrary bytes
# --------------------------------------------------------------------------------------

SUFFIXES = (".csv", ".xlsx", ".sav", ".txt")
# a few magic numbers so that the format detectors are reached, not only the text path
PREFIXES = (b"", b"PK\x03\x04", b"$FL2", b"\xd0\xcf\x11\xe0", b"\xef\xbb\xbf", b"\xff\xfe")


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    prefix=st.sampled_from(PREFIXES),
    body=st.binary(max_size=2048),
    suffix=st.sampled_from(SUFFIXES),
    with_instrument=st.booleans(),
)
def test_arbitrary_bytes_end_in_a_read_or_one_sentence(
    tmp_path, fuzz_instrument, prefix, body, suffix, with_instrument
):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(prefix + body)
    read_outcome(path, fuzz_instrument if with_instrument else None)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.text(max_size=600), suffix=st.sampled_from((".csv", ".txt")))
def test_arbitrary_text_ends_in_a_read_or_one_sentence(tmp_path, fuzz_instrument, text, suffix):
    path = tmp_path / f"text{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    read_outcome(path, None)
    read_outcome(path, fuzz_instrument)


# --------------------------------------------------------------------------------------
# Valid files, damaged
# --------------------------------------------------------------------------------------


def valid_frame(n: int = 12, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({i: rng.integers(BOUNDS[i][0], BOUNDS[i][1] + 1, n) for i in ITEMS})
    df.insert(0, "resp_id", [f"R{k:02d}" for k in range(n)])
    df.insert(1, "group", rng.choice(["学校", "医院"], n))
    df["contact"] = [f"客户{k}" for k in range(n)]
    return df


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("valid")
    df = valid_frame()
    files = {}
    df.to_csv(folder / "v.csv", index=False)
    files[".csv"] = folder / "v.csv"
    df.to_excel(folder / "v.xlsx", index=False)
    files[".xlsx"] = folder / "v.xlsx"
    import pyreadstat  # a dependency: a broken import fails, never skips

    pyreadstat.write_sav(df.drop(columns=["group", "contact"]), str(folder / "v.sav"))
    files[".sav"] = folder / "v.sav"
    return files


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    suffix=st.sampled_from((".csv", ".xlsx", ".sav")),
    edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=6),
    cut=st.one_of(st.none(), st.floats(0, 1)),
    with_instrument=st.booleans(),
)
def test_damaged_valid_files(
    tmp_path, fuzz_instrument, valid_files, suffix, edits, cut, with_instrument
):
    data = bytearray(valid_files[suffix].read_bytes())
    for where, byte in edits:
        data[int(where * len(data))] = byte
    if cut is not None:
        data = data[: int(cut * len(data))]
    path = tmp_path / f"damaged{suffix}"
    path.write_bytes(bytes(data))
    read_outcome(path, fuzz_instrument if with_instrument else None)


def test_zip_that_is_not_a_workbook_and_workbook_with_a_broken_sheet(tmp_path, fuzz_instrument):
    plain_zip = tmp_path / "plain.xlsx"
    with zipfile.ZipFile(plain_zip, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    assert isinstance(read_outcome(plain_zip, fuzz_instrument), InputError)
    # a real workbook whose sheet XML is garbage
    good = io.BytesIO()
    valid_frame().to_excel(good, index=False)
    broken = tmp_path / "broken_sheet.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            payload = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                payload = payload[: len(payload) // 2]
            dst.writestr(info, payload)
    assert isinstance(read_outcome(broken, fuzz_instrument), InputError)


# --------------------------------------------------------------------------------------
# Generated tables: odd cells in every position
# --------------------------------------------------------------------------------------

CELLS = st.one_of(
    st.integers(-100, 120).map(str),
    st.sampled_from(
        [
            "",
            " ",
            "-99",
            "999",
            "NA",
            "N/A",
            "null",
            ".",
            "-",
            "(空)",
            "(跳过)",
            "-3",
            "3.5",
            "５",
            "非常同意",
            "Strongly agree",
            "abc",
            "2019-05-01",
            "1e400",
            "nan",
            "inf",
            "-inf",
            "0x10",
            "1,5",
            '"',
            "=SUM(A1)",
            "\u200b",
            "学校",
            "医院",
            "R01",
            "1;2",
            "a\tb",
        ]
    ),  # fmt: skip
    st.text(max_size=8),
)
HEADERS = st.lists(
    st.sampled_from(["resp_id", "group", "contact", "q1", "q2", "q3", "q4", "", "q1", "备注",
                     "联系人", "来自IP", "所用时间", "提交答卷时间", "序号", "1、服务人员态度友好"]),
    min_size=1,
    max_size=9,
)  # fmt: skip


@st.composite
def tables(draw):
    header = draw(HEADERS)
    n_rows = draw(st.integers(0, 12))
    rows = [[draw(CELLS) for _ in header] for _ in range(n_rows)]
    if draw(st.booleans()):  # ragged rows
        rows = [r[: draw(st.integers(0, len(r)))] if draw(st.booleans()) else r for r in rows]
    return header, rows


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    table=tables(),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
    with_instrument=st.booleans(),
)
def test_generated_csv_tables(
    tmp_path, fuzz_instrument, table, delimiter, encoding, with_instrument
):
    header, rows = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / "gen.csv"
    try:
        path.write_bytes(buffer.getvalue().encode(encoding))
    except UnicodeEncodeError:
        assume(False)
    read_outcome(path, fuzz_instrument if with_instrument else None)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(table=tables(), with_instrument=st.booleans(), dates=st.booleans())
def test_generated_excel_tables(tmp_path, fuzz_instrument, table, with_instrument, dates):
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    header, rows = table
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for k, r in enumerate(rows):
        cells: list[object] = []
        for j, c in enumerate(r):
            if dates and (k + j) % 3 == 0:
                cells.append(dt.datetime(2019, 1 + k % 12, 1 + j % 28, k % 24))
            else:
                number = pd.to_numeric(c, errors="coerce")
                cells.append(float(number) if pd.notna(number) and np.isfinite(number) else c)
        try:  # openpyxl refuses control characters in cells: not a reader question
            ws.append([c[1:] if isinstance(c, str) and c.startswith("=") else c for c in cells])
        except IllegalCharacterError:
            assume(False)
    path = tmp_path / "gen.xlsx"
    wb.save(path)
    read_outcome(path, fuzz_instrument if with_instrument else None)


# --------------------------------------------------------------------------------------
# Odd shapes with a known right answer
# --------------------------------------------------------------------------------------


def expected_items(df: pd.DataFrame, first_row: int = 2) -> pd.DataFrame:
    out = df[list(ITEMS)].astype(float)
    out.index = pd.Index(range(first_row, first_row + len(df)), name="row")
    return out


def test_semicolon_csv_with_decimal_commas_in_text(tmp_path, fuzz_instrument):
    df = valid_frame()
    df["group"] = ["学校; 小学", "医院"] * 6  # the delimiter inside quoted text
    path = tmp_path / "semi.csv"
    df.to_csv(path, index=False, sep=";")
    resp = read_outcome(path, fuzz_instrument)
    pd.testing.assert_frame_equal(resp.items, expected_items(df))
    assert resp.meta["group"].tolist() == df["group"].tolist()


def test_merged_header_rows_in_excel(tmp_path, fuzz_instrument):
    from openpyxl import Workbook

    df = valid_frame()
    wb = Workbook()
    ws = wb.active
    ws.append(["D公司客户满意度调查（2019）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=df.shape[1])
    ws.append(["", "", "服务", "", "", "总体", ""])
    ws.merge_cells("C2:E2")
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append(list(row))
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    resp = read_outcome(path, fuzz_instrument)
    pd.testing.assert_frame_equal(resp.items, expected_items(df, first_row=4))
    assert resp.dropped_pii == ["contact"]


def test_trailing_empty_rows_and_columns(tmp_path, fuzz_instrument):
    df = valid_frame()
    text = df.to_csv(index=False, lineterminator="\n")
    lines = [ln + ",," for ln in text.splitlines()] + [",,,,,,,,"] * 50 + [""] * 20
    path = tmp_path / "trailing.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    resp = read_outcome(path, fuzz_instrument)
    pd.testing.assert_frame_equal(resp.items, expected_items(df))
    assert len(resp.quality.to_frame().query("rule != 'pii'")) == 0


def test_date_cells_in_background_and_items(tmp_path, fuzz_instrument):
    from openpyxl import Workbook

    df = valid_frame()
    wb = Workbook()
    ws = wb.active
    ws.append([*df.columns, "submitted"])
    for k, row in enumerate(df.itertuples(index=False)):
        values = list(row)
        if k == 4:
            values[df.columns.get_loc("q2")] = dt.date(2019, 3, 5)
        ws.append([*values, dt.datetime(2019, 6, 1 + k, 10, 0, 5)])
    path = tmp_path / "dates.xlsx"
    wb.save(path)
    resp = read_outcome(path, fuzz_instrument)
    expected = expected_items(df)
    expected.loc[6, "q2"] = np.nan
    pd.testing.assert_frame_equal(resp.items, expected)
    problems = resp.quality.to_frame().query("rule == 'non_numeric'")
    assert problems[["row", "column", "value"]].values.tolist() == [[6, "q2", "2019-03-05"]]
    assert resp.meta["submitted"].iloc[0] == "2019-06-01 10:00:05"


def test_duplicated_column_names(tmp_path, fuzz_instrument):
    df = valid_frame()
    both = pd.concat([df, df[["group", "q2"]]], axis=1)  # identical copies
    path = tmp_path / "dup.csv"
    both.to_csv(path, index=False)
    resp = read_outcome(path, fuzz_instrument)
    pd.testing.assert_frame_equal(resp.items, expected_items(df))
    # a different copy of a background column is kept under a new name
    other = both.copy()
    other.iloc[:, -2] = "培训机构"
    other.to_csv(path, index=False)
    resp = read_outcome(path, fuzz_instrument)
    assert "group (2)" in resp.meta.columns
    # a different copy of an item is unusable: one sentence naming both columns
    other.iloc[0, -1] = 6 - int(other.iloc[0, -1]) if int(other.iloc[0, -1]) != 3 else 1
    other.to_csv(path, index=False)
    err = read_outcome(path, fuzz_instrument)
    assert isinstance(err, InputError) and "'q2' appears twice" in str(err)


def test_header_only_and_one_column(tmp_path, fuzz_instrument):
    path = tmp_path / "header.csv"
    path.write_text(",".join(valid_frame().columns) + "\n", encoding="utf-8")
    err = read_outcome(path, fuzz_instrument)
    assert isinstance(err, InputError) and "header but no data rows" in str(err)
    one = tmp_path / "one.txt"
    one.write_text("这是一份说明\n没有任何表格\n", encoding="utf-8")
    err = read_outcome(one, fuzz_instrument)
    assert isinstance(err, InputError) and "is not a table" in str(err)
    numbers = tmp_path / "numbers.csv"
    numbers.write_text("score\n" + "\n".join(str(v) for v in [1, 2, 3, 4, 5]), encoding="utf-8")
    resp = read_outcome(numbers, None)  # one numeric column and no instrument: one item
    assert resp.items["score"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_very_wide_table(tmp_path):
    rng = np.random.default_rng(5)
    n_cols, n_rows = 3000, 40
    values = rng.integers(1, 6, (n_rows, n_cols))
    df = pd.DataFrame(values, columns=[f"v{j}" for j in range(n_cols)])
    path = tmp_path / "wide.csv"
    df.to_csv(path, index=False)
    resp = read_outcome(path, None)
    assert resp.items.shape == (n_rows, n_cols)
    np.testing.assert_array_equal(resp.items.to_numpy(), values.astype(float))


# --------------------------------------------------------------------------------------
# The command line: exit 0 or exit 2 with one line, never a traceback, never a hang
# --------------------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "crm_research", *args],
        capture_output=True,
        text=True,
        timeout=CLI_LIMIT_SECONDS,
        cwd=PROJECT,
        env=env,
    )


def assert_one_sentence(proc: subprocess.CompletedProcess, path: Path) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("crm-research: ") and lines[0].endswith(".")
    assert str(path) in lines[0]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("random.csv", bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8))),
        ("random.xlsx", b"PK\x03\x04" + bytes(range(256)) * 4),
        ("random.sav", b"$FL2" + bytes(range(256)) * 4),
        ("nul.txt", b"\x00" * 100),
        ("control.csv", b"q1,q2\n\x01\x02,\x03\x04\n" * 50),
    ],
)
def test_cli_on_garbage_is_exit_2_with_one_line(tmp_path, name, payload):
    path = tmp_path / name
    path.write_bytes(payload)
    proc = run_cli("validate", str(path), "--instrument", "d_company_customer")
    assert_one_sentence(proc, path)
    assert path.read_bytes() == payload


@pytest.fixture(scope="module")
def million_rows(tmp_path_factory) -> tuple[Path, np.ndarray]:
    """One million respondents, two items and an id (generated once per session)."""
    n = 1_000_000
    rng = np.random.default_rng(2019)
    values = rng.integers(1, 6, (n, 2))
    ids = np.arange(1, n + 1)
    path = tmp_path_factory.mktemp("big") / "million.csv"
    block = np.column_stack([ids, values])
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("resp_id,q1,q2\n")
        np.savetxt(handle, block, fmt="%d", delimiter=",")
    return path, values


def test_million_rows_are_read_completely(million_rows):
    path, values = million_rows
    proc = run_cli("validate", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = __import__("json").loads(proc.stdout)
    assert doc["rows_read"] == len(values)
    assert doc["rows_kept"] == len(values)  # distinct ids: nobody is a duplicate
    assert doc["items"] == 2
    assert doc["problems"] == []
