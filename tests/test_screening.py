"""Screening rules, each against a hand-worked example, plus invariants of the report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from crm_research.errors import InputError
from crm_research.instrument import load_instrument
from crm_research.readers import read_responses
from crm_research.screening import (
    RULES,
    SPEEDER_FRACTION_OF_MEDIAN,
    ItemRules,
    Problem,
    QualityReport,
    find_duplicate_respondents,
    find_speeders,
    find_straight_liners,
    find_too_many_missing,
    find_zero_variance,
    is_pii_name,
    looks_like_missing_code,
    parse_duration,
    parse_item_column,
    parse_meta_column,
    straight_lining_battery,
)

LIKERT = ItemRules(1, 5, {"非常同意": 5.0, "stronglyagree": 5.0, "一般": 3.0})


def cells(*values: str, start: int = 2) -> pd.Series:
    return pd.Series(list(values), index=range(start, start + len(values)), dtype=object)


def rules_of(problems: list[Problem]) -> list[tuple[int | None, str, str, str]]:
    return [(p.row, p.rule, p.value, p.action) for p in problems]


# --------------------------------------------------------------------------------------
# Cell rules
# --------------------------------------------------------------------------------------


def test_out_of_range_and_undeclared_codes():
    vals, probs = parse_item_column(
        cells("1", "9", "0", "6", "-99", "99", "999", "-9", "5"), "q", LIKERT
    )
    assert vals.tolist()[0] == 1.0 and vals.tolist()[-1] == 5.0
    assert vals.iloc[1:-1].isna().all()
    assert [(p.row, p.rule) for p in probs] == [
        (3, "out_of_range"),
        (4, "out_of_range"),
        (5, "out_of_range"),
        (6, "undeclared_code"),
        (7, "undeclared_code"),
        (8, "undeclared_code"),
        (9, "undeclared_code"),
    ]
    assert {p.action for p in probs} == {"set to missing"}


def test_declared_missing_wins_over_undeclared():
    rules = ItemRules(1, 5, None, frozenset({-99.0, 999.0}))
    vals, probs = parse_item_column(cells("-99", "999", "99"), "q", rules)
    assert vals.isna().all()
    assert rules_of(probs) == [
        (2, "declared_missing", "-99", "treated as missing"),
        (3, "declared_missing", "999", "treated as missing"),
        (4, "undeclared_code", "99", "set to missing"),
    ]


def test_non_numeric_labels_fullwidth_and_blanks():
    vals, probs = parse_item_column(
        cells("abc", "非常同意", " Strongly Agree ", "５", "", "NA", "(空)", "3.5", "一般"),
        "q",
        LIKERT,
    )
    assert vals.tolist()[1:4] == [5.0, 5.0, 5.0]
    assert vals.tolist()[-1] == 3.0
    assert vals.iloc[[0, 4, 5, 6, 7]].isna().all()
    assert [(p.row, p.rule, p.value) for p in probs] == [
        (2, "non_numeric", "abc"),
        (9, "not_a_scale_point", "3.5"),
    ]


def test_wjx_skip_codes_only_on_wenjuanxing():
    skip = ItemRules(1, 5, None, frozenset(), frozenset({-3.0, -2.0}))
    vals, probs = parse_item_column(cells("-3", "-2", "(跳过)", "4"), "q", skip)
    assert vals.tolist()[:3] == [np.nan] * 3 or vals.iloc[:3].isna().all()
    assert [(p.rule, p.action) for p in probs] == [("wjx_skip", "treated as missing")] * 3
    # elsewhere -3 is just an undeclared code
    _, probs = parse_item_column(cells("-3"), "q", LIKERT)
    assert probs[0].rule == "undeclared_code"


def test_range_inferred_without_instrument():
    _, probs = parse_item_column(cells("1", "7", "4", "-99", "999"), "q", ItemRules())
    assert [(p.row, p.rule) for p in probs] == [(5, "undeclared_code"), (6, "undeclared_code")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(-99, True), (-1, True), (99, True), (999, True), (98, True), (9997, True), (9, False),
     (6, False), (100, False), (1.5, False), (90, False)],
)  # fmt: skip
def test_looks_like_missing_code(value, expected):
    assert looks_like_missing_code(value) is expected


def test_parse_duration():
    assert [parse_duration(x) for x in ["125秒", "2分5秒", "00:02:05", "125", "1小时", "abc"]] == [
        125.0, 125.0, 125.0, 125.0, 3600.0, None,
    ]  # fmt: skip


def test_meta_columns_typed_and_reported():
    vals, probs = parse_meta_column(
        cells("3", "x", "-99", ""), "years", "numeric", frozenset({-99.0})
    )
    assert vals.iloc[0] == 3.0 and vals.iloc[1:].isna().all()
    assert [(p.row, p.rule) for p in probs] == [(3, "non_numeric"), (4, "declared_missing")]
    stamps, probs = parse_meta_column(cells("2019-05-01 10:00", "not a date"), "t", "datetime")
    assert stamps.iloc[0] == pd.Timestamp("2019-05-01 10:00") and pd.isna(stamps.iloc[1])
    assert [(p.row, p.rule) for p in probs] == [(3, "bad_date")]
    levels = {"学校": "school"}.get
    vals, probs = parse_meta_column(cells("学校", "火星"), "sector", "text", level_for=levels)
    assert vals.tolist() == ["school", "火星"]
    assert [(p.row, p.rule, p.action) for p in probs] == [(3, "unknown_level", "flagged, kept")]


def test_blank_categorical_cells_are_missing_not_unknown_levels():
    # regression: under pandas 3 a blank cell became NaN (not None) and was reported as
    # unknown_level with the value 'nan'
    levels = {"学校": "school"}.get
    vals, probs = parse_meta_column(
        cells("学校", "", "NA", "(空)", "火星"), "sector", "categorical", level_for=levels
    )
    assert vals.tolist()[0] == "school" and vals.tolist()[-1] == "火星"
    assert all(v is None or pd.isna(v) for v in vals.tolist()[1:4])
    assert [(p.row, p.rule, p.value) for p in probs] == [(6, "unknown_level", "火星")]


# --------------------------------------------------------------------------------------
# Respondent rules
# --------------------------------------------------------------------------------------


def frame(rows: list[list[float]], start: int = 2, cols: list[str] | None = None) -> pd.DataFrame:
    cols = cols or [f"i{k}" for k in range(1, len(rows[0]) + 1)]
    return pd.DataFrame(rows, columns=cols, index=range(start, start + len(rows)), dtype=float)


def test_duplicate_by_id_and_by_answers():
    items = frame([[1, 2, 3], [1, 2, 3], [4, 4, 4], [5, 5, 5], [1, 2, 3]])
    meta = pd.DataFrame(
        {"id": ["A", "B", "C", "C", "D"], "t": ["9:00", "9:01", "9:02", "9:03", "9:04"]},
        index=items.index,
    )
    # with an id column: C repeated (row 5); A, B, D share answers but differ in id
    probs = find_duplicate_respondents(items, meta, id_columns=["id"], ignore_columns=["t"])
    assert rules_of(probs) == [(5, "duplicate_respondent", "C", "row excluded (same id as row 4)")]
    # without ids: identical answers and background (times ignored) are copies
    probs = find_duplicate_respondents(items, meta[["t"]], ignore_columns=["t"])
    assert [(p.row, p.action) for p in probs] == [
        (3, "row excluded (same answers and background as row 2)"),
        (6, "row excluded (same answers and background as row 2)"),
    ]
    # background that differs keeps them apart
    meta2 = pd.DataFrame({"city": ["a", "b", "c", "d", "e"]}, index=items.index)
    assert find_duplicate_respondents(items, meta2) == []
    # empty rows are not duplicates of each other
    empty = frame([[np.nan] * 3, [np.nan] * 3])
    assert find_duplicate_respondents(empty, pd.DataFrame(index=empty.index)) == []


def test_too_many_missing_boundary_and_parameter():
    items = frame([[1, 2, np.nan, np.nan], [1, np.nan, np.nan, np.nan], [1, 2, 3, 4]])
    probs = find_too_many_missing(items)  # 2 of 4 missing is exactly half: kept
    assert rules_of(probs) == [
        (
            3,
            "too_many_missing",
            "3 of 4 items missing",
            "row excluded (more than 50% of items missing)",
        )
    ]
    assert [p.row for p in find_too_many_missing(items, 0.25)] == [2, 3]


def _inst(tmp_path: Path, n_items: int, reverse: bool, n_scales: int):
    ids = [f"i{k}" for k in range(1, n_items + 1)]
    lines = ["id: t", "response_scale: {min: 1, max: 5}", "items:"]
    lines += [
        f"  - {{id: {i}, reverse: {'true' if reverse and i == 'i2' else 'false'}}}" for i in ids
    ]
    lines += ["  - {id: nps, response_scale: {min: 0, max: 10}}", "scales:"]
    chunks = np.array_split(ids, n_scales)
    lines += [f"  - {{id: s{k}, items: [{', '.join(c)}]}}" for k, c in enumerate(chunks)]
    p = tmp_path / "t.yaml"
    p.write_text("\n".join(lines), encoding="utf-8")
    return load_instrument(p)


def test_straight_lining_applies_to_long_or_mixed_batteries(tmp_path):
    short_plain = _inst(tmp_path, 6, reverse=False, n_scales=2)
    short_mixed = _inst(tmp_path, 6, reverse=True, n_scales=2)
    long_plain = _inst(tmp_path, 10, reverse=False, n_scales=1)
    rows6 = [[3] * 6 + [7], [1, 2, 3, 4, 5, 1, 7], [4] * 5 + [np.nan, 9]]
    items6 = frame(rows6, cols=[f"i{k}" for k in range(1, 7)] + ["nps"])
    assert straight_lining_battery(items6, short_plain) == []
    assert straight_lining_battery(items6, short_mixed) == [
        f"i{k}" for k in range(1, 7)
    ]  # NPS not in
    probs = find_straight_liners(items6, short_mixed)
    # row 4 answered 5 of 6 (fewer than min(10, 6)); NPS differs but is not compared
    assert rules_of(probs) == [(2, "straight_lining", "all 6 answers = 3", "flagged, kept")]
    assert find_straight_liners(items6, short_mixed, exclude=True)[0].action.startswith(
        "row excluded"
    )
    items10 = frame(
        [[2] * 10 + [5], list(range(1, 6)) * 2 + [5]],
        cols=[f"i{k}" for k in range(1, 11)] + ["nps"],
    )
    assert [p.row for p in find_straight_liners(items10, long_plain)] == [2]
    # without an instrument: at least 10 items
    assert find_straight_liners(items6.iloc[:, :6]) == []
    assert [p.row for p in find_straight_liners(items10.iloc[:, :10])] == [2]


def test_speeders_one_third_of_median():
    # median of [90, 300, 300, 310, 330, 100.5] = 300 -> cut 100 s: 90 flagged, 100.5 not
    d = pd.Series([90.0, 300, 300, 310, 330, 100.5], index=range(2, 8), name="duration")
    probs = find_speeders(d)
    assert SPEEDER_FRACTION_OF_MEDIAN == pytest.approx(1 / 3)
    assert rules_of(probs) == [(2, "speeder", "90 s (median 300 s)", "flagged, kept")]
    assert find_speeders(d.iloc[:4]) == []  # too few durations for a median
    assert find_speeders(d, exclude=True)[0].action == "row excluded (speeder)"


def test_zero_variance_items():
    items = frame([[3, 1], [3, 2], [3, np.nan]])
    assert rules_of(find_zero_variance(items)) == [
        (None, "zero_variance", "all 3 answers = 3", "flagged, kept")
    ]
    assert find_zero_variance(frame([[3, 1]])) == []  # one answer says nothing about variance


@pytest.mark.parametrize(
    "name",
    ["姓名", "联系人", "手机", "电话", "手机号", "邮箱", "email", "E-mail", "来自IP", "IP", "IPAddress",
     "IP address", "RecipientEmail", "RecipientFirstName", "phone", "name", "5、您的手机号码",
     "联系电话", "contact_name", "LocationLatitude", "客户姓名", "联系人手机", "负责人电话",
     "单位负责人", "12、联系人姓名", "填表人",
     # found by the pipeline audit: company names, addresses, messaging ids, renamed copies
     "公司名称", "单位名称", "客户名称", "Company", "Company name", "收货地址", "通讯地址",
     "联系地址", "地址(省市区)", "E-mail地址", "电子邮件地址", "QQ号码", "微信号码", "微信ID",
     "WeChat ID", "Mobile number", "Telephone No.", "Tel.", "ID number", "ip_addr", "IPv4",
     "昵称", "用户名", "nickname", "username", "姓名 (2)", "Name.1", "name_2", "联系人 (2)"],
)  # fmt: skip
def test_pii_names_recognised(name):
    assert is_pii_name(name)


@pytest.mark.parametrize(
    "name", ["city", "sector", "3、D公司的电话回访及时", "company type", "idn1", "来源",
             "负责人数量", "联系频率", "姓名拼音", "customer_type", "years_cooperation", "nps",
             "地址类型数量", "idn2", "sat_1", "Q3.1", "revenue", "phase", "email_opt_in_rate"],
)
def test_non_pii_names(name):
    assert not is_pii_name(name)


# --------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------


def test_quality_report_api():
    rep = QualityReport.from_problems(
        [
            Problem(5, "a", "out_of_range", "9", "set to missing"),
            Problem(None, "phone", "pii", "", "column dropped"),
            Problem(3, "b", "non_numeric", "abc", "set to missing"),
            Problem(5, "", "duplicate_respondent", "row 2", "row excluded (same answers)"),
        ]
    )
    t = rep.to_frame()
    assert list(t.columns) == ["row", "column", "rule", "value", "action"]
    assert t["row"].tolist()[0] is pd.NA and t["row"].tolist()[1:] == [3, 5, 5]
    assert len(rep) == 4
    assert rep.summary().to_dict() == {
        "pii": 1,
        "non_numeric": 1,
        "out_of_range": 1,
        "duplicate_respondent": 1,
    }
    recs = rep.to_records()
    assert json.loads(json.dumps(recs)) == recs and recs[0]["row"] is None
    assert rep.rows_excluded() == [5]
    assert repr(rep).startswith("QualityReport(4 problems: pii 1")
    assert repr(QualityReport.from_problems([])) == "QualityReport(no problems)"
    with pytest.raises(AttributeError):
        rep.table = t
    assert set(t["rule"]) <= set(RULES)


# --------------------------------------------------------------------------------------
# Through the reader: a flagged value is never a number; everything excluded is reported
# --------------------------------------------------------------------------------------

MINI = """
id: mini
response_scale: {min: 1, max: 5, labels: {1: {zh: 非常不同意, en: Strongly disagree}, 5: {zh: 非常同意, en: Strongly agree}}}
missing_codes: [-8]
items: [{id: a1}, {id: a2}, {id: a3}, {id: a4}]
scales: [{id: s, items: [a1, a2, a3, a4]}]
"""

ITEM_IDS = ["a1", "a2", "a3", "a4"]
# answers, codes, typed text, and the item ids themselves (a row naming its columns is a header)
CELL = st.sampled_from(
    ["1", "2", "3", "4", "5", "9", "0", "-99", "-8", "abc", "", "3.5", "非常同意", "999"]
    + ITEM_IDS
)
VALID = {"1": 1.0, "2": 2.0, "3": 3.0, "4": 4.0, "5": 5.0, "非常同意": 5.0}


def names_its_columns(raw: list[str]) -> bool:
    """The header-row rule for MINI (no question texts): a row under the header is a second
    header row when at least two item cells are filled, none is an answer or a number, and at
    least half of the filled cells are their own column's item id.  Any other row is a
    respondent (typed text is flagged, never a reason to drop the row unreported)."""
    filled = [(col, c) for col, c in zip(ITEM_IDS, raw, strict=True) if c != ""]
    numbers = [c for _, c in filled if c in VALID or c.lstrip("-").replace(".", "").isdigit()]
    if len(filled) < 2 or numbers:
        return False
    return 2 * sum(col == c for col, c in filled) >= len(filled)


def expected_header_rows(rows: list[list[str]]) -> list[int]:
    """Spreadsheet rows skipped as header rows: the leading rows (at most two) that name
    their columns."""
    out = []
    for k, raw in enumerate(rows[:2]):
        if not names_its_columns(raw):
            break
        out.append(k + 2)
    return out


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.lists(CELL, min_size=4, max_size=4), min_size=1, max_size=12))
# regressions: an all-text first row is a respondent with four flagged cells (it was taken
# for a header row and not listed as excluded), also when it is the only row
@example(rows=[["abc"] * 4, ["1"] * 4])
@example(rows=[["abc"] * 4])
@example(rows=[["abc", "abc", "abc", ""], ["非常同意", "", "9", "2"]])
# a row of item ids under the header is a second header row, skipped and listed as excluded
@example(rows=[ITEM_IDS, ["1"] * 4])
@example(rows=[ITEM_IDS, ["a1", "a2", "", "abc"], ["2", "3", "4", "5"]])
@example(rows=[["a1", "a1", "a1", "a1"], ["1"] * 4])  # ids in the wrong columns: a respondent
@example(rows=[ITEM_IDS])  # nothing but header rows: refused
def test_flagged_values_never_become_numbers(tmp_path_factory, rows):
    tmp = tmp_path_factory.mktemp("h")
    (tmp / "m.yaml").write_text(MINI, encoding="utf-8")
    path = tmp / "d.csv"
    pd.DataFrame(rows, columns=ITEM_IDS).assign(rid=range(len(rows))).to_csv(path, index=False)
    headers = expected_header_rows(rows)
    if len(headers) == len(rows):  # only header rows: refused in one sentence
        with pytest.raises(InputError, match="has a header but no data rows"):
            read_responses(path, tmp / "m.yaml")
        return
    resp = read_responses(path, tmp / "m.yaml")
    t = resp.quality.to_frame()
    flagged = {(int(r), c) for r, c in zip(t["row"], t["column"], strict=True) if pd.notna(r) and c}
    excluded = set(resp.quality.rows_excluded())
    # the rule: a row is a second header row exactly when it names its columns; a skipped
    # row is an excluded row, so every row of the file is a kept or an excluded respondent
    assert sorted(t.loc[t["rule"] == "extra_header_row", "row"].astype(int)) == headers
    assert set(headers) <= excluded
    assert excluded.isdisjoint(resp.items.index)
    assert sorted(excluded | set(resp.items.index)) == list(range(2, len(rows) + 2))
    assert resp.n_read == resp.n + len(excluded) == len(rows)
    for k, raw in enumerate(rows):
        row = k + 2
        if row in excluded:
            continue
        for col, cell in zip(ITEM_IDS, raw, strict=True):
            got = resp.items.loc[row, col]
            if cell in VALID:
                assert got == VALID[cell]
            else:
                assert np.isnan(got)
                assert cell == "" or (row, col) in flagged
    assert resp.items.stack().dropna().between(1, 5).all()


def test_an_all_text_first_row_is_a_respondent_with_flagged_cells(tmp_path):
    (tmp_path / "m.yaml").write_text(MINI, encoding="utf-8")
    path = tmp_path / "d.csv"
    pd.DataFrame([["abc"] * 4, ["1"] * 4], columns=ITEM_IDS).to_csv(path, index=False)
    resp = read_responses(path, tmp_path / "m.yaml")
    t = resp.quality.to_frame()
    row2 = t[t["row"] == 2]
    assert row2[["column", "rule", "value"]].values.tolist() == [
        [c, "non_numeric", "abc"] for c in ITEM_IDS
    ] + [["", "too_many_missing", "4 of 4 items missing"]]
    # two respondents: row 3 kept, row 2 excluded (every item missing) and listed as such
    assert list(resp.items.index) == [3] and resp.quality.rows_excluded() == [2]
    assert resp.n_read == 2 and "extra_header_row" not in set(t["rule"])


def test_a_second_header_row_is_skipped_logged_and_listed_as_excluded(tmp_path):
    """Qualtrics-style rows under the header: question texts, then import ids."""
    inst = load_instrument("d_company_customer")
    rng = np.random.default_rng(3)
    answers = pd.DataFrame(
        {it.id: rng.integers(1, 6, 6).astype(str) for it in inst.items if it.id != "nps"}
    )
    answers["nps"] = rng.integers(0, 11, 6).astype(str)
    answers = answers[inst.item_ids]
    texts = {i: f"Please rate D company - {inst.item(i).text['en']}" for i in inst.item_ids}
    imports = {i: json.dumps({"ImportId": f"QID{k}"}) for k, i in enumerate(inst.item_ids)}
    path = tmp_path / "c.csv"
    pd.concat([pd.DataFrame([texts, imports]), answers], ignore_index=True).to_csv(
        path, index=False
    )
    resp = read_responses(path, inst)
    assert resp.platform == "table"  # no Qualtrics metadata columns: the rows are guessed
    t = resp.quality.to_frame()
    skipped = t[t["rule"] == "extra_header_row"]
    assert skipped[["row", "action"]].values.tolist() == [
        [2, "row skipped (a second header row)"],
        [3, "row skipped (a second header row)"],
    ]
    assert resp.quality.rows_excluded() == [2, 3]
    assert list(resp.items.index) == list(range(4, 10))
    np.testing.assert_array_equal(resp.items.to_numpy(), answers.to_numpy(dtype=float))
    assert resp.n_read == 8 and resp.n == 6


def test_respondent_rules_on_the_customer_instrument(tmp_path):
    inst = load_instrument("d_company_customer")
    rng = np.random.default_rng(5)
    n = 12
    df = pd.DataFrame(
        {
            it.id: rng.integers(it.response_scale.min, it.response_scale.max + 1, n)
            for it in inst.items
        }
    ).astype(float)
    df.insert(0, "customer_id", [f"C{i}" for i in range(n)])
    df["duration_seconds"] = [300.0, 310, 290, 305, 295, 320, 280, 300, 315, 285, 90, 300]
    likert = [i for i in inst.item_ids if i != "nps"]
    df.loc[3, likert] = 5.0  # straight-liner (row 5); NPS 0..10 is not compared
    df.loc[3, "nps"] = 10.0
    df.loc[6, likert[:15]] = np.nan  # 15 of 28 missing (row 8): more than half
    path = tmp_path / "c.csv"
    df.to_csv(path, index=False)
    resp = read_responses(path, inst)
    t = resp.quality.to_frame()
    got = {(int(r), rule) for r, rule in zip(t["row"], t["rule"], strict=True) if pd.notna(r)}
    assert got == {(5, "straight_lining"), (8, "too_many_missing"), (12, "speeder")}
    # median of the 11 durations kept = 300 s; 90 s < 100 s
    assert t.loc[t["rule"] == "speeder", "value"].item() == "90 s (median 300 s)"
    assert 5 in resp.items.index and 8 not in resp.items.index and 12 in resp.items.index
    dropped = read_responses(path, inst, exclude_straightliners=True, exclude_speeders=True)
    assert list(dropped.items.index) == [r for r in range(2, 14) if r not in (5, 8, 12)]
    assert dropped.quality.rows_excluded() == [5, 8, 12]


def test_columns_of_personal_data_are_recognised_by_their_cells():
    from crm_research.screening import is_pii_column

    assert is_pii_column(["13812345678", "+86 139-0000-1111", "", "0311-85551234"])
    assert is_pii_column(pd.Series(["li@x.cn", "wang@y.com.cn", "n/a"]))  # 2 of 3 answered
    assert is_pii_column(["110105199003071234", "13010519900307123X"])  # resident ID numbers
    assert is_pii_column(["192.168.0.1", "10.0.0.7"])
    for ordinary in (
        ["C001", "C002"],  # ids
        ["20190601001", "20190601002"],  # long serial numbers
        ["1234567.89", "98765.4"],  # revenue
        ["2019-06-01 09:00", "2019-06-02 10:00"],  # dates
        ["石家庄", "保定"],
        [],
    ):
        assert not is_pii_column(ordinary), ordinary


def test_an_unforeseen_header_full_of_phone_numbers_is_dropped(tmp_path):
    inst = load_instrument("d_company_customer")
    from crm_research.cases.d_company import simulate

    frame = simulate(4, n_customers=30, n_employees=8).customers
    frame["Contact info"] = [f"139{i:04d}{i:04d}" for i in range(len(frame))]
    frame["客户代表"] = [f"rep{i}@corp.cn" for i in range(len(frame))]
    path = tmp_path / "c.csv"
    frame.to_csv(path, index=False)
    for resp in (read_responses(path, instrument=inst), read_responses(path)):
        assert "Contact info" not in resp.meta.columns and "Contact info" not in resp.items
        assert "客户代表" not in resp.meta.columns
        pii = resp.quality.to_frame().query("rule == 'pii'")
        assert {"Contact info", "客户代表"} <= set(pii["column"])
        assert (pii["value"] == "").all()
