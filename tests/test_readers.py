"""Readers: every format and platform on small files the tests create.

Expected values are the numbers the tests wrote into the files (hand-made data), so each
comparison is against the truth; floats are compared exactly (codes are small integers).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_research.errors import InputError
from crm_research.instrument import load_instrument
from crm_research.readers import Responses, read_responses

MINI_YAML = """
id: mini
title: {zh: 小问卷, en: Mini survey}
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
default_response_scale: agree5
items:
  - {id: a1, text: {zh: 服务人员态度友好, en: Staff are friendly}}
  - {id: a2, text: {zh: 响应速度很快, en: Responses are fast}}
  - {id: a3, reverse: true, text: {zh: 我经常找不到联系人, en: I often cannot reach anyone}}
  - {id: b1, text: {zh: 产品质量可靠, en: Products are reliable}}
  - {id: b2, text: {zh: 价格合理, en: Prices are fair}}
  - {id: b3, text: {zh: 交货及时, en: Deliveries are on time}}
scales:
  - {id: service, name: {zh: 服务, en: Service}, items: [a1, a2, a3]}
  - {id: product, name: {zh: 产品, en: Product}, items: [b1, b2, b3]}
metadata:
  - {id: resp_id, type: id, aliases: [编号]}
  - {id: group, type: categorical, label: {zh: 客户类型, en: Customer type}}
  - {id: duration, type: duration, aliases: [所用时间, "Duration (in seconds)"]}
  - {id: contact, type: pii, aliases: [联系人]}
"""

ITEMS = ["a1", "a2", "a3", "b1", "b2", "b3"]
ANSWERS = [  # hand-made answers, one list per respondent
    [5, 4, 2, 4, 4, 5],
    [3, 3, 3, 2, 4, 3],
    [1, 2, 5, 2, 1, 2],
    [4, 5, 1, 5, 4, 4],
    [2, 3, 4, 3, 2, 3],
]


@pytest.fixture
def mini(tmp_path: Path):
    path = tmp_path / "mini.yaml"
    path.write_text(MINI_YAML, encoding="utf-8")
    return load_instrument(path)


def mini_frame() -> pd.DataFrame:
    df = pd.DataFrame(ANSWERS, columns=ITEMS)
    df.insert(0, "resp_id", [f"R{i}" for i in range(1, 6)])
    df.insert(1, "group", ["学校", "医院", "学校", "政府", "学校"])
    df.insert(2, "duration", [300, 280, 320, 310, 290])
    df["contact"] = ["张三", "李四", "王五", "赵六", "钱七"]
    return df


def expected_items() -> pd.DataFrame:
    return pd.DataFrame(
        np.array(ANSWERS, dtype=float), columns=ITEMS, index=pd.Index(range(2, 7), name="row")
    )


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), os.stat(path).st_mtime_ns


def read_unchanged(path: Path, *args, **kwargs) -> Responses:
    """read_responses, asserting the input's bytes and mtime are untouched."""
    before = snapshot(path)
    resp = read_responses(path, *args, **kwargs)
    assert snapshot(path) == before
    return resp


# --------------------------------------------------------------------------------------
# Plain tables
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "writer",
    [
        lambda df, p: df.to_csv(p, index=False),
        lambda df, p: df.to_csv(p, index=False, encoding="utf-8-sig"),
        lambda df, p: df.to_csv(p, index=False, encoding="gbk"),
        lambda df, p: df.to_csv(p, index=False, encoding="gb18030", sep=";"),
        lambda df, p: df.to_csv(p, index=False, sep="\t"),
        lambda df, p: df.to_csv(p, index=False, encoding="utf-16", sep="\t"),
        lambda df, p: df.to_excel(p, index=False),
    ],
    ids=["utf8", "utf8-bom", "gbk", "gb18030-semicolon", "tab", "utf16-tab", "xlsx"],
)
def test_every_table_format_reads_the_same_numbers(tmp_path, mini, writer):
    ext = ".xlsx" if "to_excel" in writer.__code__.co_names else ".csv"
    path = tmp_path / f"data{ext}"
    writer(mini_frame(), path)
    resp = read_unchanged(path, mini)
    pd.testing.assert_frame_equal(resp.items, expected_items())
    assert resp.meta["group"].tolist() == ["学校", "医院", "学校", "政府", "学校"]
    assert resp.meta["duration"].tolist() == [300.0, 280.0, 320.0, 310.0, 290.0]
    assert "contact" not in resp.meta and resp.dropped_pii == ["contact"]
    assert resp.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert resp.source == path and resp.platform == "table" and resp.n_read == 5


def test_gbk_bytes_are_really_not_utf8(tmp_path):
    # guards the test above: the GBK file must exercise the fallback decoder
    path = tmp_path / "g.csv"
    mini_frame().to_csv(path, index=False, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")


def test_explicit_wrong_encoding_is_one_sentence(tmp_path, mini):
    path = tmp_path / "g.csv"
    mini_frame().to_csv(path, index=False, encoding="gbk")
    with pytest.raises(InputError, match=r"g\.csv.*not valid utf-8"):
        read_responses(path, mini, encoding="utf-8")
    with pytest.raises(InputError, match="unknown text encoding"):
        read_responses(path, mini, encoding="klingon")
    resp = read_responses(path, mini, encoding="gbk")
    pd.testing.assert_frame_equal(resp.items, expected_items())


def test_without_instrument_numeric_columns_are_items(tmp_path):
    path = tmp_path / "plain.csv"
    df = mini_frame()
    df.loc[1, "b2"] = -99
    df.to_csv(path, index=False)
    resp = read_unchanged(path)
    assert list(resp.items.columns) == ITEMS  # resp_id is text, duration a completion time
    assert resp.meta["duration"].tolist() == [300.0, 280.0, 320.0, 310.0, 290.0]
    assert "group" in resp.meta and "contact" not in resp.meta
    rules = resp.quality.to_frame().set_index("column")["rule"]
    assert rules["b2"] == "undeclared_code"  # -99 outside the observed 1..5, looks like a code
    assert np.isnan(resp.items.loc[3, "b2"])


def test_repr_and_to_frame(tmp_path, mini):
    path = tmp_path / "d.csv"
    mini_frame().to_csv(path, index=False)
    resp = read_responses(path, mini)
    text = repr(resp)
    assert "d.csv" in text and "5 respondents kept of 5" in text and "张三" not in text
    frame = resp.to_frame()
    assert list(frame.columns) == ["resp_id", "group", "duration", *ITEMS]
    assert frame.index.name == "row" and list(frame.index) == [2, 3, 4, 5, 6]
    with pytest.raises(AttributeError):
        resp.items = None  # frozen


def test_instrument_by_name_and_missing_values_argument(tmp_path, mini):
    path = tmp_path / "d.csv"
    df = mini_frame().astype(object)
    df.loc[0, "a1"] = 999
    df.loc[1, "a2"] = -99
    df.to_csv(path, index=False)
    resp = read_responses(path, mini, missing_values=[-99, 999])
    t = resp.quality.to_frame()
    got = t[t["rule"] == "declared_missing"][["row", "column", "value"]].values.tolist()
    assert got == [[2, "a1", "999"], [3, "a2", "-99"]]
    assert resp.items.loc[2, "a1"] != resp.items.loc[2, "a1"]  # NaN
    # the same codes given as a "a,b" string
    assert len(read_responses(path, mini, missing_values="-99,999").quality) == len(resp.quality)


# --------------------------------------------------------------------------------------
# Excel specifics
# --------------------------------------------------------------------------------------


def test_sheet_by_name_and_position(tmp_path, mini):
    path = tmp_path / "two.xlsx"
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(xw, sheet_name="说明", index=False)
        mini_frame().to_excel(xw, sheet_name="数据", index=False)
    for sheet in ("数据", 1, "1"):
        pd.testing.assert_frame_equal(
            read_unchanged(path, mini, sheet=sheet).items, expected_items()
        )
    with pytest.raises(InputError, match="no sheet 'nope'.*说明, 数据"):
        read_responses(path, mini, sheet="nope")
    with pytest.raises(InputError, match="no sheet number 5"):
        read_responses(path, mini, sheet=5)


def test_excel_title_rows_merged_headers_and_dates(tmp_path, mini):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["D公司客户调查 2019"])  # a merged title row above the header
    ws.merge_cells("A1:J1")
    ws.append(["", "", "", "服务", "", "", "产品", "", "", ""])  # group headers, merged
    ws.merge_cells("D2:F2")
    ws.merge_cells("G2:I2")
    df = mini_frame()
    header = ["resp_id", "group", "duration", *ITEMS, "submitted"]
    ws.append(header)
    import datetime as dt

    for i, row in enumerate(df[["resp_id", "group", "duration", *ITEMS]].values.tolist()):
        ws.append([*row, dt.datetime(2019, 5, 1 + i, 9, 30)])
    ws.append([])  # trailing empty rows
    ws.append([None] * 10)
    path = tmp_path / "title.xlsx"
    wb.save(path)
    resp = read_unchanged(path, mini)
    expected = expected_items()
    expected.index = pd.Index(range(4, 9), name="row")  # header is spreadsheet row 3
    pd.testing.assert_frame_equal(resp.items, expected)
    assert resp.meta["submitted"].tolist() == [f"2019-05-0{d} 09:30:00" for d in range(1, 6)]


def test_date_cell_in_an_item_is_non_numeric(tmp_path, mini):
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(ITEMS)
    for i, row in enumerate(ANSWERS):
        ws.append([dt.date(2019, 1, 5) if i == 2 and j == 0 else v for j, v in enumerate(row)])
    path = tmp_path / "d.xlsx"
    wb.save(path)
    resp = read_responses(path, mini)
    rec = resp.quality.to_records()
    assert rec == [
        {
            "row": 4,
            "column": "a1",
            "rule": "non_numeric",
            "value": "2019-01-05",
            "action": "set to missing",
        }
    ]


def test_extra_header_row_under_the_header_is_skipped_and_reported(tmp_path, mini):
    df = mini_frame()[ITEMS]
    sub = pd.DataFrame([[load_instrument_text(mini, i) for i in ITEMS]], columns=ITEMS)
    path = tmp_path / "two_headers.csv"
    pd.concat([sub, df]).to_csv(path, index=False)
    resp = read_responses(path, mini)
    expected = expected_items()
    expected.index = pd.Index(range(3, 8), name="row")
    pd.testing.assert_frame_equal(resp.items, expected)
    assert resp.quality.to_records() == [
        {
            "row": 2,
            "column": "",
            "rule": "extra_header_row",
            "value": "",
            "action": "row skipped (a second header row)",
        }
    ]


def load_instrument_text(inst, item_id: str) -> str:
    return inst.item(item_id).text["zh"]


def test_duplicated_column_names(tmp_path, mini):
    df = mini_frame()[ITEMS]
    same = pd.concat([df, df[["a2"]]], axis=1)
    path = tmp_path / "dup.csv"
    same.to_csv(path, index=False)
    assert pd.read_csv(path).columns[-1] == "a2.1"  # pandas would rename it; we do not
    resp = read_responses(path, mini)
    pd.testing.assert_frame_equal(resp.items, expected_items())
    assert resp.quality.to_records()[0]["rule"] == "duplicate_column"
    differ = same.copy()
    differ.iloc[0, -1] = 1
    differ.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"item column 'a2' appears twice \(columns B and G\)"):
        read_responses(path, mini)


def test_item_headers_differing_only_in_case_are_the_same_item(tmp_path, mini):
    # regression: 'a2' and 'A2' both name item a2; the second was silently kept as a
    # background column, whatever it held
    df = mini_frame()[ITEMS]
    path = tmp_path / "case.csv"
    pd.concat([df, df[["a2"]].rename(columns={"a2": " A2 "})], axis=1).to_csv(path, index=False)
    resp = read_unchanged(path, mini)
    pd.testing.assert_frame_equal(resp.items, expected_items())
    assert [(p["column"], p["rule"]) for p in resp.quality.to_records()] == [
        ("A2", "duplicate_column")
    ]
    assert "A2" not in resp.meta.columns
    differ = pd.concat([df, (6 - df[["a2"]]).rename(columns={"a2": "A2"})], axis=1)
    differ.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"item column 'a2' appears twice \(as 'a2' in column B "
                                         r"and 'A2' in column G\) with different answers"):  # fmt: skip
        read_unchanged(path, mini)


def test_utf16_without_bom_and_big5_read_the_same(tmp_path, mini):
    df = mini_frame()
    df["group"] = ["學校", "醫院", "學校", "政府機關", "學校"]  # Traditional Chinese text
    df["note"] = "繁體中文的備註，滿意"
    df["contact"] = ["張三", "李四", "王五", "趙六", "錢七"]
    for name, encoding, sep in (("le.txt", "utf-16-le", "\t"), ("be.txt", "utf-16-be", "\t"),
                                ("big5.csv", "big5", ",")):  # fmt: skip
        path = tmp_path / name
        df.to_csv(path, index=False, encoding=encoding, sep=sep)
        resp = read_unchanged(path, mini)
        pd.testing.assert_frame_equal(resp.items, expected_items())
        assert resp.meta["group"].tolist() == df["group"].tolist(), name
        assert resp.meta["note"].iloc[0] == "繁體中文的備註，滿意", name


def test_json_is_not_a_table(tmp_path, mini):
    df = mini_frame()
    for name, text in (("a.json", df.to_json(orient="records", force_ascii=False)),
                       ("b.json", df.to_json(orient="records", lines=True, force_ascii=False)),
                       ("c.txt", df.to_json(orient="records", indent=2))):  # fmt: skip
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=rf"{name}: is JSON, not a table; export the survey"):
            read_unchanged(path, mini)


def test_first_sheet_not_the_survey_names_the_sheet_that_is(tmp_path, mini):
    path = tmp_path / "two.xlsx"
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(xw, sheet_name="说明", index=False)
        pd.DataFrame({"x": [1, 2], "y": [3, 4]}).to_excel(xw, sheet_name="汇总", index=False)
        mini_frame().to_excel(xw, sheet_name="数据", index=False)
    with pytest.raises(InputError, match=r"two\.xlsx: the answers are on sheet '数据', not on the "
                                         r"first sheet '说明'; choose it with --sheet 数据\.$"):  # fmt: skip
        read_unchanged(path, mini)
    pd.testing.assert_frame_equal(read_unchanged(path, mini, sheet="数据").items, expected_items())
    one = tmp_path / "one.xlsx"
    pd.DataFrame({"note": ["cover sheet"]}).to_excel(one, index=False)
    with pytest.raises(InputError, match=r"one\.xlsx: is not a table of answers \(its sheet has "
                                         r"only one column\)\.$"):  # fmt: skip
        read_unchanged(one, mini)


def test_zip_without_a_workbook_is_said_in_words(tmp_path, mini):
    import zipfile

    path = tmp_path / "report.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")  # e.g. a .docx renamed
    with pytest.raises(InputError, match=r"report\.xlsx: is not a readable Excel workbook "
                                         r"\(a zip archive without a workbook inside\)\.$"):  # fmt: skip
        read_unchanged(path, mini)


def test_blank_rows_between_and_after_data(tmp_path, mini):
    path = tmp_path / "gaps.csv"
    lines = [",".join(ITEMS)] + [",".join(map(str, ANSWERS[0])), ",,,,,"]
    lines += [",".join(map(str, r)) for r in ANSWERS[1:]] + [",,,,,", "", ",,,,,"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    resp = read_responses(path, mini)
    assert list(resp.items.index) == [2, 4, 5, 6, 7]  # row 3 is blank and skipped
    np.testing.assert_array_equal(resp.items.to_numpy(), np.array(ANSWERS, dtype=float))
    assert len(resp.quality) == 0


# --------------------------------------------------------------------------------------
# SPSS
# --------------------------------------------------------------------------------------


def test_sav_keeps_value_labels_and_reports_user_missing(tmp_path, mini):
    import pyreadstat  # a required dependency (pyproject): no skip
    df = pd.DataFrame(np.array(ANSWERS, dtype=float), columns=ITEMS)
    df.insert(0, "group", [1.0, 2.0, 1.0, 3.0, 1.0])
    df.loc[2, "b3"] = 9.0  # user-missing in SPSS
    path = tmp_path / "d.sav"
    pyreadstat.write_sav(
        df,
        str(path),
        variable_value_labels={
            "a1": {1.0: "非常不同意", 5.0: "非常同意"},
            "group": {1.0: "学校", 2.0: "医院", 3.0: "政府"},
        },
        missing_ranges={"b3": [9.0]},
    )
    resp = read_unchanged(path, mini)
    assert resp.platform == "spss"
    expected = expected_items()
    expected.loc[4, "b3"] = np.nan
    pd.testing.assert_frame_equal(resp.items, expected)
    assert resp.value_labels["a1"] == {1.0: "非常不同意", 5.0: "非常同意"}
    assert resp.meta["group"].tolist() == ["学校", "医院", "学校", "政府", "学校"]
    assert resp.quality.to_records() == [
        {
            "row": 4,
            "column": "b3",
            "rule": "declared_missing",
            "value": "9",
            "action": "treated as missing",
        }
    ]


# --------------------------------------------------------------------------------------
# Wenjuanxing
# --------------------------------------------------------------------------------------

LABEL_ZH = {1: "非常不同意", 2: "不同意", 3: "一般", 4: "同意", 5: "非常同意"}


def wjx_frame(inst, *, text_export: bool, headers: str = "zh") -> pd.DataFrame:
    n = len(ANSWERS)
    cols: dict[str, list] = {
        "序号": list(range(1, n + 1)),
        "提交答卷时间": [f"2019/5/{d} 10:00:00" for d in range(1, n + 1)],
        "所用时间": ["125秒", "300秒", "280秒", "310秒", "295秒"],
        "来源": ["手机提交"] * n,
        "来源详情": ["直接访问"] * n,
        "来自IP": ["10.0.0.1(河北-石家庄)"] * n,
        "1、您的联系人姓名": ["张三"] * n,
    }
    for q, item in enumerate(ITEMS, start=2):
        h = f"{q}、{inst.item(item).text['zh']}" if headers == "zh" else f"{q}、问题{q}"
        vals = [r[q - 2] for r in ANSWERS]
        cols[h] = [LABEL_ZH[v] for v in vals] if text_export else vals
    df = pd.DataFrame(cols).astype(object)
    skip = "(跳过)" if text_export else -3
    df.iloc[1, 7 + 3] = skip  # respondent 2 skipped b1
    df.iloc[3, 7 + 5] = "(空)" if text_export else -2
    return df


@pytest.mark.parametrize("text_export", [False, True], ids=["numeric-codes", "answer-texts"])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_wenjuanxing_exports(tmp_path, mini, text_export, fmt):
    df = wjx_frame(mini, text_export=text_export)
    path = tmp_path / f"wjx.{fmt}"
    if fmt == "xlsx":
        df.to_excel(path, index=False)
    else:
        df.to_csv(path, index=False, encoding="gbk")
    resp = read_unchanged(path, mini)
    assert resp.platform == "wenjuanxing"
    expected = expected_items()
    expected.loc[3, "b1"] = np.nan
    expected.loc[5, "b3"] = np.nan
    pd.testing.assert_frame_equal(resp.items, expected)
    t = resp.quality.to_frame()
    skips = t[t["rule"] == "wjx_skip"]
    assert skips[["row", "column"]].values.tolist() == [[3, "b1"]] + (
        [] if text_export else [[5, "b3"]]
    )
    assert set(resp.dropped_pii) == {"来自IP", "1、您的联系人姓名"}
    assert resp.meta["duration"].tolist() == [125.0, 300.0, 280.0, 310.0, 295.0]
    assert "submitted" not in resp.meta and str(resp.meta["提交答卷时间"].dtype).startswith(
        "datetime64"
    )
    # the speeder convention: 125 s < 295 / 3?  No (98.3 s), so nobody is flagged
    assert "speeder" not in set(t["rule"])
    flat = json.dumps(resp.quality.to_records(), ensure_ascii=False)
    assert "张三" not in flat and "10.0.0.1" not in flat


def test_wenjuanxing_question_order_fallback(tmp_path, mini):
    df = wjx_frame(mini, text_export=False, headers="numbers")
    path = tmp_path / "wjx_order.xlsx"
    df.to_excel(path, index=False)
    resp = read_responses(path, mini)
    assert resp.columns["2、问题2"] == "a1" and resp.columns["7、问题7"] == "b3"
    assert resp.items.loc[2].tolist() == [float(v) for v in ANSWERS[0]]


def test_columns_mapping_from_instrument(tmp_path):
    yaml_text = (
        MINI_YAML + "columns:\n" + "".join(f"  Q{i}: {it}\n" for i, it in enumerate(ITEMS, 1))
    )
    path_yaml = tmp_path / "mapped.yaml"
    path_yaml.write_text(yaml_text, encoding="utf-8")
    df = pd.DataFrame(ANSWERS, columns=[f"Q{i}" for i in range(1, 7)])
    path = tmp_path / "q.csv"
    df.to_csv(path, index=False)
    resp = read_responses(path, path_yaml)
    pd.testing.assert_frame_equal(resp.items, expected_items())


# --------------------------------------------------------------------------------------
# Qualtrics
# --------------------------------------------------------------------------------------


def test_qualtrics_three_header_rows(tmp_path, mini):
    meta = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
            "Finished", "RecordedDate", "ResponseId", "RecipientEmail"]  # fmt: skip
    qids = [f"Q1_{i}" for i in range(1, 7)]
    texts_row = ["Start Date", "End Date", "Response Type", "IP Address", "Progress",
                 "Duration (in seconds)", "Finished", "Recorded Date", "Response ID",
                 "Recipient Email"] + [
        f"Please rate D company - {mini.item(i).text['en']}" for i in ITEMS
    ]  # fmt: skip
    import_row = [
        json.dumps({"ImportId": c})
        for c in [
            "startDate",
            "endDate",
            "status",
            "ipAddress",
            "progress",
            "duration",
            "finished",
            "recordedDate",
            "_recordId",
            "recipientEmail",
        ]
    ]
    import_row += [json.dumps({"ImportId": f"QID1_{i}"}) for i in range(1, 7)]
    rows = []
    for k, ans in enumerate(ANSWERS):
        rows.append(["2019-05-01 10:00:00", "2019-05-01 10:05:00", "IP Address", "1.2.3.4", "100",
                     str([300, 280, 320, 310, 40][k]), "True", "2019-05-01 10:05:01", f"R_{k}",
                     "x@example.com", *map(str, ans)])  # fmt: skip
    path = tmp_path / "qualtrics.csv"
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerows([meta + qids, texts_row, import_row, *rows])
    resp = read_unchanged(path, mini)
    assert resp.platform == "qualtrics"
    expected = expected_items()
    expected.index = pd.Index(range(4, 9), name="row")  # data start at row 4
    pd.testing.assert_frame_equal(resp.items, expected)
    assert set(resp.dropped_pii) == {"IPAddress", "RecipientEmail"}
    t = resp.quality.to_frame()
    speed = t[t["rule"] == "speeder"]
    assert speed[["row", "value"]].values.tolist() == [[8, "40 s (median 300 s)"]]
    assert "x@example.com" not in t.to_string() and "1.2.3.4" not in t.to_string()


# --------------------------------------------------------------------------------------
# Shipped customer instrument
# --------------------------------------------------------------------------------------


def test_shipped_customer_instrument_round_trip(tmp_path):
    inst = load_instrument("d_company_customer")
    rng = np.random.default_rng(7)
    n = 20
    data = {
        it.id: rng.integers(it.response_scale.min, it.response_scale.max + 1, n)
        for it in inst.items
    }
    df = pd.DataFrame(data)
    df.insert(0, "customer_id", [f"C{i:03d}" for i in range(n)])
    df["city"] = "石家庄市"
    df["contact_name"] = "王五"
    df["phone"] = "13800000000"
    path = tmp_path / "customers.csv"
    df.to_csv(path, index=False)
    resp = read_unchanged(path, inst)
    np.testing.assert_array_equal(resp.items.to_numpy(), df[inst.item_ids].to_numpy(dtype=float))
    assert resp.meta["city"].eq("shijiazhuang").all()  # alias mapped to the level id
    assert sorted(resp.dropped_pii) == ["contact_name", "phone"]
