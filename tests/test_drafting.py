"""``instrument draft`` (issue 12 item 5): drafts that load and read their own export back.

Every export here is built in the test with known codes; the draft is written, loaded with
``load_instrument`` and the export read back with ``read_responses``: the items must equal the
original codes (skipped answers missing), personal-data columns must be typed ``pii``, scales
must be ordered as the known label sets say, and the only quality problems left are the
genuine ones planted (skips, personal-data columns dropped).
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest

from crm_research.cli import main
from crm_research.drafting import LIKERT_SETS, draft_instrument
from crm_research.errors import InputError
from crm_research.instrument import load_instrument
from crm_research.readers import read_responses

#: Rules a read-back may report: what the tests plant on purpose.
GENUINE = {"pii", "wjx_skip", "declared_missing"}

AGREE_ZH = {1: "非常不同意", 2: "不同意", 3: "一般", 4: "同意", 5: "非常同意"}
SAT_ZH = {1: "非常不满意", 2: "不满意", 3: "一般", 4: "满意", 5: "非常满意"}
N = 40


def draft_and_read(tmp_path, export, **kwargs):
    draft = draft_instrument(export, **kwargs)
    path = draft.write(tmp_path / "draft.yaml")
    inst = load_instrument(path)
    resp = read_responses(export, inst)
    return draft, inst, resp


@pytest.fixture(scope="module")
def codes():
    rng = np.random.default_rng(12)
    c = rng.integers(1, 6, (N, 4)).astype(float)
    c[0] = [5, 4, 3, 5]  # "非常同意" is the first label seen: order must not follow appearance
    nps = rng.integers(0, 11, N).astype(float)
    return c, nps


def wjx_frame(codes, *, text: bool) -> pd.DataFrame:
    c, nps = codes
    cols: dict[str, list] = {
        "序号": list(range(1, N + 1)),
        "提交答卷时间": [f"2024/5/{1 + i % 28} 10:{i:02d}:00" for i in range(N)],
        "所用时间": [f"{200 + 3 * i}秒" for i in range(N)],
        "来源": ["手机提交"] * N,
        "来源详情": ["直接访问"] * N,
        "来自IP": [f"10.0.{i}.1(河北-石家庄)" for i in range(N)],
        "1、您的性别": (["男", "女"] * N)[:N] if text else ([1, 2] * N)[:N],
        "2、您的手机号": [f"1380000{i:04d}" for i in range(N)],
    }
    for j, sub in enumerate(["服务态度", "响应速度", "专业能力"]):
        cols[f"3({sub})"] = [AGREE_ZH[int(v)] if text else int(v) for v in c[:, j]]
    cols["4、总体而言，您对我们的服务满意吗"] = [
        SAT_ZH[int(v)] if text else int(v) for v in c[:, 3]
    ]
    cols["5、您向朋友推荐我们的可能性有多大"] = [int(v) for v in nps]
    df = pd.DataFrame(cols).astype(object)
    df.iloc[2, 8] = "(跳过)" if text else -3  # respondent 3 skipped q3_1
    df.iloc[4, 9] = "(空)" if text else -2  # respondent 5 was not shown q3_2
    return df


def expected(codes, index) -> pd.DataFrame:
    c, nps = codes
    exp = pd.DataFrame(
        np.column_stack([c, nps]), columns=["q3_1", "q3_2", "q3_3", "q4", "q5"], index=index
    )
    exp.iloc[2, 0] = np.nan
    exp.iloc[4, 1] = np.nan
    return exp


@pytest.mark.parametrize("text", [True, False], ids=["answer-text", "numeric-code"])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_wenjuanxing_exports(tmp_path, codes, text, fmt):
    df = wjx_frame(codes, text=text)
    export = tmp_path / f"wjx.{fmt}"
    if fmt == "xlsx":
        df.to_excel(export, index=False)  # openpyxl
    else:
        df.to_csv(export, index=False, encoding="gbk")
    draft, inst, resp = draft_and_read(tmp_path, export)
    assert draft.platform == "wenjuanxing" and draft.n_respondents == N
    kinds = dict(zip(draft.columns["header"], draft.columns["kind"], strict=True))
    assert kinds["来自IP"] == "pii" and kinds["2、您的手机号"] == "pii"
    assert {m.id for m in inst.metadata if m.type == "pii"} == {"ip_address", "q2"}
    assert kinds["提交答卷时间"] == "datetime" and kinds["所用时间"] == "duration"
    assert kinds["序号"] == "id" and kinds["1、您的性别"] == "categorical"
    assert inst.item_ids == ["q3_1", "q3_2", "q3_3", "q4", "q5"]
    assert inst.item("q3_1").text["zh"] == "服务态度"
    assert inst.item("q4").text["zh"] == "总体而言，您对我们的服务满意吗"  # numbering removed
    # items read back equal the original codes; skips missing
    pd.testing.assert_frame_equal(resp.items, expected(codes, resp.items.index))
    assert set(resp.quality.summary().index) <= GENUINE
    assert sorted(resp.dropped_pii) == ["2、您的手机号", "来自IP"]
    assert resp.meta["duration_seconds"].iloc[0] == 200.0
    # the 0-10 recommendation question
    assert inst.item("q5").response_scale.max == 10 and inst.roles.recommendation == "q5"
    assert inst.scale("q5").kind == "nps"
    assert set(inst.missing_codes) == {-3.0, -2.0}
    rs = inst.item("q3_1").response_scale
    if text:
        # ordered by the known sets, whatever order the labels appeared in
        assert {k: v["zh"] for k, v in rs.labels.items()} == AGREE_ZH
        assert rs.labels[5]["en"] == "Strongly agree"
        sat = inst.item("q4").response_scale
        assert {k: v["zh"] for k, v in sat.labels.items()} == SAT_ZH
        assert inst.meta("q1").levels == ("男", "女")
        assert "labels unknown" not in draft.text
    else:
        # a code export drafted without its text twin: numeric scales, labels unknown
        assert (rs.min, rs.max) == (1, 5) and rs.labels == {}
        assert "labels unknown: the export holds codes only" in draft.text
        assert any("labels unknown" in n for n in draft.notes)
        assert inst.meta("q1").levels == ("1", "2")


def test_wenjuanxing_scale_suggestions(tmp_path, codes):
    export = tmp_path / "wjx.xlsx"
    wjx_frame(codes, text=True).to_excel(export, index=False)
    draft = draft_instrument(export)
    # the matrix question's rows share a stem: one suggested scale, as a comment
    assert "# - {id: q3, name: question 3, items: [q3_1, q3_2, q3_3]}" in draft.text
    assert "scales:\n  - {id: q5," in draft.text  # the nps scale is real, the rest comments


def qualtrics_rows(codes):
    c, nps = codes
    agree7 = [p[1] for p in LIKERT_SETS["agree7"]]
    meta = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
            "Finished", "RecordedDate", "ResponseId", "RecipientEmail"]  # fmt: skip
    qids = ["Q1_1", "Q1_2", "Q1_3", "Q2", "Q3"]
    texts = ["Start Date", "End Date", "Response Type", "IP Address", "Progress",
             "Duration (in seconds)", "Finished", "Recorded Date", "Response ID",
             "Recipient Email", "Please rate our service - Speed", "Please rate our service - Courtesy",
             "Please rate our service - Expertise", "What is your industry?",
             "How likely are you to recommend us to a friend?"]  # fmt: skip
    imports = [json.dumps({"ImportId": x}) for x in [
        "startDate", "endDate", "status", "ipAddress", "progress", "duration", "finished",
        "recordedDate", "_recordId", "recipientEmail", "QID1_1", "QID1_2", "QID1_3", "QID2", "QID3"]]  # fmt: skip
    industries = ["Retail", "Banking", "Education"]
    rows = []
    # 7-point agreement: codes 1..5 of the fixture spread to 1, 3, 4, 5, 7 (2 and 6 unseen;
    # "Somewhat ..." tells it from the 5-point set, whose points 1, 2, 4, 6, 7 would be)
    spread = {1: 1, 2: 3, 3: 4, 4: 5, 5: 7}
    for k in range(N):
        rows.append(["2024-05-01 10:00:00", "2024-05-01 10:05:00", "IP Address", f"1.2.3.{k}",
                     "100", str(300 + k), "True", "2024-05-01 10:05:01", f"R_{k:03d}",
                     f"user{k}@example.com", *(agree7[spread[int(v)] - 1] for v in c[k, :3]),
                     industries[k % 3], str(int(nps[k]))])  # fmt: skip
    return [meta + qids, texts, imports, *rows], spread


def test_qualtrics_three_header_rows(tmp_path, codes):
    rows, spread = qualtrics_rows(codes)
    export = tmp_path / "qualtrics.csv"
    with export.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    draft, inst, resp = draft_and_read(tmp_path, export)
    assert draft.platform == "qualtrics" and draft.n_respondents == N
    assert inst.item_ids == ["q1_1", "q1_2", "q1_3", "q3"]
    assert inst.item("q1_2").text["en"] == "Please rate our service - Courtesy"
    rs = inst.item("q1_1").response_scale
    assert (rs.min, rs.max) == (1, 7)
    assert [rs.labels[i]["en"] for i in range(1, 8)] == [p[1] for p in LIKERT_SETS["agree7"]]
    c, nps = codes
    exp = pd.DataFrame(
        np.column_stack([np.vectorize(spread.get)(c[:, :3]).astype(float), nps]),
        columns=inst.item_ids,
        index=pd.Index(range(4, 4 + N), name="row"),  # data start on row 4
    )
    pd.testing.assert_frame_equal(resp.items, exp)
    types = {m.id: m.type for m in inst.metadata}
    assert types["ip_address"] == "pii" and types["recipient_email"] == "pii"
    assert types["start_date"] == "datetime" and types["duration_seconds"] == "duration"
    assert types["response_id"] == "id"
    assert types["q2"] == "categorical" and inst.meta("q2").levels == (
        "Retail",
        "Banking",
        "Education",
    )
    assert inst.roles.recommendation == "q3"
    assert set(resp.quality.summary().index) <= GENUINE
    assert sorted(resp.dropped_pii) == ["IPAddress", "RecipientEmail"]
    assert (
        "# - {id: please_rate_our_service, name: Please rate our service, items: [q1_1, q1_2, q1_3]}"
        in draft.text
    )


def test_plain_csv_with_efa_suggestions(tmp_path):
    """Two planted factors (known truth) come back as the suggested scales; ids kept."""
    rng = np.random.default_rng(3)
    n = 200
    f = rng.normal(size=(n, 2))
    cols = {}
    for name, j in (("sat1", 0), ("sat2", 0), ("sat3", 0), ("loy1", 1), ("loy2", 1), ("loy3", 1)):
        raw = 0.8 * f[:, j] + 0.6 * rng.normal(size=n)
        cols[name] = np.clip(np.round(raw * 1.1 + 3), 1, 5).astype(int)
    df = pd.DataFrame(cols)
    df.insert(0, "customer_id", [f"C{i:03d}" for i in range(n)])
    df.insert(1, "city", rng.choice(["北京", "上海", "广州"], n))
    df.insert(2, "age", rng.integers(20, 65, n))
    df["email"] = [f"c{i}@example.com" for i in range(n)]
    df["loy3"] = 6 - df["loy3"]  # reverse-keyed: it loads against loy1 and loy2
    df.loc[5, "sat2"] = -99
    export = tmp_path / "plain.csv"
    df.to_csv(export, index=False)
    draft, inst, resp = draft_and_read(tmp_path, export)
    assert draft.platform == "table"
    assert inst.item_ids == ["sat1", "sat2", "sat3", "loy1", "loy2", "loy3"]
    types = {m.id: m.type for m in inst.metadata}
    assert types == {"customer_id": "id", "city": "categorical", "age": "numeric", "email": "pii"}
    assert inst.missing_codes == (-99.0,)
    exp = df[inst.item_ids].astype(float).replace(-99.0, np.nan)
    exp.index = pd.Index(range(2, n + 2), name="row")
    pd.testing.assert_frame_equal(resp.items, exp)
    assert set(resp.quality.summary().index) <= GENUINE
    # suggestions: by shared name stem, and by EFA (the planted two factors)
    efa = draft.text.split("# By exploratory factor analysis", 1)[1]
    assert "2 factors by parallel analysis" in efa
    groups = [line for line in efa.splitlines() if line.startswith("# - {id: factor")]
    members = sorted(sorted(g.split("items: [")[1].rstrip("]}").split(", ")) for g in groups)
    assert members == [["loy1", "loy2", "loy3"], ["sat1", "sat2", "sat3"]]
    assert "#   (loading against the others: loy3; reverse-keyed? then reverse: true)" in efa
    assert "# - {id: sat, name: sat, items: [sat1, sat2, sat3]}" in draft.text


def test_efa_needs_five_respondents_per_item(tmp_path):
    rng = np.random.default_rng(4)
    df = pd.DataFrame(rng.integers(1, 6, (12, 4)), columns=["a1", "a2", "a3", "a4"])
    export = tmp_path / "small.csv"
    df.to_csv(export, index=False)
    draft = draft_instrument(export)
    assert (
        "no factor analysis: 12 complete respondents for 4 items; it needs 5 per item" in draft.text
    )


@pytest.mark.parametrize("name", list(LIKERT_SETS))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_known_label_sets_ordered(tmp_path, name, lang):
    points = LIKERT_SETS[name]
    k = len(points)
    rng = np.random.default_rng(k)
    true = np.concatenate([np.arange(k, 0, -1), rng.integers(1, k + 1, 20)])  # all points seen
    label = {i + 1: (p[0] if lang == "zh" else p[1]) for i, p in enumerate(points)}
    export = tmp_path / "one.csv"
    pd.DataFrame({"id": range(len(true)), "Q1. A statement": [label[int(v)] for v in true]}).to_csv(
        export, index=False
    )
    draft, inst, resp = draft_and_read(tmp_path, export)
    rs = inst.item("q1").response_scale
    assert rs.id == name and (rs.min, rs.max) == (1, k)
    assert [rs.labels[i][lang] for i in range(1, k + 1)] == [label[i] for i in range(1, k + 1)]
    np.testing.assert_array_equal(resp.items["q1"].to_numpy(), true.astype(float))
    assert len(resp.quality) == 0


def test_unseen_end_point_keeps_its_code(tmp_path):
    answers = ["同意", "一般", "非常同意", "不同意"] * 3  # nobody chose 非常不同意
    export = tmp_path / "four.csv"
    pd.DataFrame({"1、服务及时": answers}).to_csv(export, index=False)
    _, inst, resp = draft_and_read(tmp_path, export)
    assert inst.item("q1").response_scale.labels[1]["zh"] == "非常不同意"
    assert resp.items["q1"].tolist() == [4.0, 3.0, 5.0, 2.0] * 3


def test_synonym_label_kept_as_written(tmp_path):
    answers = ["比较同意", "中立", "非常同意", "不同意", "非常不同意"] * 2
    export = tmp_path / "syn.csv"
    pd.DataFrame({"1、服务及时": answers}).to_csv(export, index=False)
    _, inst, resp = draft_and_read(tmp_path, export)
    labels = inst.item("q1").response_scale.labels
    assert labels[4] == {"zh": "比较同意", "en": "Agree"} and labels[3]["zh"] == "中立"
    assert resp.items["q1"].tolist() == [4.0, 3.0, 5.0, 2.0, 1.0] * 2


def test_unknown_label_set_written_out_to_order(tmp_path):
    answers = {"1、产品外观": ["还行", "很棒", "不好", "很棒"] * 3,
               "2、产品功能": ["很棒", "不好", "还行", "还行"] * 3}  # fmt: skip
    export = tmp_path / "unknown.csv"
    pd.DataFrame(answers).to_csv(export, index=False)
    draft, inst, resp = draft_and_read(tmp_path, export)
    assert "ORDER UNKNOWN: not a known Likert set; put these labels in order" in draft.text
    assert any("not a known scale" in n for n in draft.notes)
    rs = inst.item("q1").response_scale
    assert rs is inst.item("q2").response_scale or rs == inst.item("q2").response_scale
    code = {lab["zh"]: c for c, lab in rs.labels.items()}
    assert sorted(code) == sorted(["还行", "很棒", "不好"])
    assert resp.items["q1"].tolist() == [float(code[a]) for a in answers["1、产品外观"]]
    assert len(resp.quality) == 0


def test_numbered_labels_use_their_numbers(tmp_path):
    answers = ["5分", "3分", "1分", "4分", "2分"] * 2
    export = tmp_path / "points.csv"
    pd.DataFrame({"1、请打分": answers, "2、再打分": answers[::-1]}).to_csv(export, index=False)
    _, inst, resp = draft_and_read(tmp_path, export)
    assert resp.items["q1"].tolist() == [5.0, 3.0, 1.0, 4.0, 2.0] * 2
    assert inst.item("q1").response_scale.labels[5]["zh"] == "5分"


def test_prefix_and_errors(tmp_path, codes):
    export = tmp_path / "wjx.xlsx"
    wjx_frame(codes, text=True).to_excel(export, index=False)
    draft = draft_instrument(export, prefix="cs", instrument_id="client_survey")
    assert draft.items == ["cs3_1", "cs3_2", "cs3_3", "cs4", "cs5"]
    assert "id: client_survey" in draft.text
    with pytest.raises(InputError, match="--prefix '3q' is not an id start"):
        draft_instrument(export, prefix="3q")
    with pytest.raises(InputError, match="no such file"):
        draft_instrument(tmp_path / "none.csv")
    only_meta = tmp_path / "meta.csv"
    only_meta.write_text("序号,提交答卷时间\n1,2024/5/1 10:00\n", encoding="utf-8")
    with pytest.raises(InputError, match="has no question columns"):
        draft_instrument(only_meta)
    twice = tmp_path / "twice.csv"
    twice.write_text("q1,Q1\n1,2\n3,4\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"has two columns named 'Q1' \(columns 1 and 2\)"):
        draft_instrument(twice)


def test_cli_instrument_draft(tmp_path, codes, capsys):
    export = tmp_path / "wjx.xlsx"
    wjx_frame(codes, text=False).to_excel(export, index=False)
    out = tmp_path / "mine.yaml"
    assert main(["instrument", "draft", str(export), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "5 items" in printed and "check: Numeric answers without labels" in printed
    assert "read back: 40 of 40 respondents kept" in printed
    assert load_instrument(out).item_ids == ["q3_1", "q3_2", "q3_3", "q4", "q5"]
    assert main(["instrument", "draft", str(export), "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["instrument", "draft", str(export), "--out", str(out), "--force",
                 "--prefix", "x"]) == 0  # fmt: skip
    assert load_instrument(out).item_ids[0] == "x3_1"


def test_code_export_with_its_text_twin(tmp_path, codes):
    """The twin gives the codes their labels: one draft reads both exports alike."""
    code_path, text_path = tmp_path / "code.xlsx", tmp_path / "text.xlsx"
    wjx_frame(codes, text=False).to_excel(code_path, index=False)
    wjx_frame(codes, text=True).to_excel(text_path, index=False)
    draft = draft_instrument(code_path, labels_from=text_path)
    inst = load_instrument(draft.write(tmp_path / "twin.yaml"))
    assert "labels unknown" not in draft.text and "answer-text twin text.xlsx" in draft.text
    rs = inst.item("q3_1").response_scale
    assert rs.id == "agree5" and {k: v["zh"] for k, v in rs.labels.items()} == AGREE_ZH
    a, b = read_responses(code_path, inst), read_responses(text_path, inst)
    pd.testing.assert_frame_equal(a.items, expected(codes, a.items.index))
    pd.testing.assert_frame_equal(b.items, a.items)
    assert a.meta["q1"].tolist() == b.meta["q1"].tolist() == (["男", "女"] * N)[:N]
    assert set(a.quality.summary().index) <= GENUINE and set(b.quality.summary().index) <= GENUINE


def test_text_twin_with_reversed_codes_keeps_the_codes(tmp_path):
    """A platform coding 1 = 非常同意 keeps its codes; the labels follow them."""
    codes = [1, 2, 3, 4, 5, 2, 1]
    rev = {c: AGREE_ZH[6 - c] for c in range(1, 6)}
    code_path, text_path = tmp_path / "c.csv", tmp_path / "t.csv"
    pd.DataFrame({"1、服务及时": codes}).to_csv(code_path, index=False)
    pd.DataFrame({"1、服务及时": [rev[c] for c in codes]}).to_csv(text_path, index=False)
    draft = draft_instrument(code_path, labels_from=text_path)
    inst = load_instrument(draft.write(tmp_path / "r.yaml"))
    labels = inst.item("q1").response_scale.labels
    assert labels[1]["zh"] == "非常同意" and labels[5]["zh"] == "非常不同意"
    assert read_responses(text_path, inst).items["q1"].tolist() == [float(c) for c in codes]
    other = tmp_path / "other.csv"
    pd.DataFrame({"x": [1]}).to_csv(other, index=False)
    with pytest.raises(InputError, match="is not the answer-text twin of c.csv"):
        draft_instrument(code_path, labels_from=other)


def test_stray_answer_does_not_hide_a_scale(tmp_path):
    answers = ["同意", "一般", "非常同意", "不同意", "非常不同意"] * 8 + ["不知道"]
    export = tmp_path / "stray.csv"
    pd.DataFrame({"1、服务及时": answers}).to_csv(export, index=False)
    draft, inst, resp = draft_and_read(tmp_path, export)
    assert inst.item("q1").response_scale.id == "agree5"
    assert any("不知道" in n and "not points of its scale" in n for n in draft.notes)
    # the stray answer is the genuine problem left, flagged on its row (whose one item is
    # then missing, so the respondent is excluded)
    t = resp.quality.to_frame()
    assert t[["row", "rule"]].values.tolist() == [[42, "non_numeric"], [42, "too_many_missing"]]
    assert t["value"].iloc[0] == "不知道"
    assert resp.items["q1"].iloc[:5].tolist() == [4.0, 3.0, 5.0, 2.0, 1.0]


def test_simulated_d_company_customers(tmp_path):
    """The drafter on the simulated case's plain CSV: known truth from the shipped instrument."""
    from crm_research.cases.d_company import simulate

    simulate(7, n_customers=150, n_employees=4).write(tmp_path)
    export = tmp_path / "customers.csv"
    draft, inst, resp = draft_and_read(tmp_path, export)
    shipped = load_instrument("d_company_customer")
    assert inst.item_ids == shipped.item_ids
    src = pd.read_csv(export)
    np.testing.assert_array_equal(resp.items.to_numpy(), src[inst.item_ids].to_numpy(float))
    assert len(resp.quality) == 0
    assert inst.roles.recommendation == "nps" and inst.item("nps").response_scale.max == 10
    # one common 1..5 range even for an item nobody answered 5 on
    assert {inst.item(i).response_scale.id for i in shipped.item_ids if i != "nps"} == {"codes1_5"}
    types = {m.id: m.type for m in inst.metadata}
    assert types["submitted_at"] == "datetime" and types["duration_seconds"] == "duration"
    assert types["city"] == "categorical" and types["years_cooperation"] == "numeric"
    # the suggested scales by name stem are the instrument's scales
    for sc in shipped.scales:
        if sc.kind == "mean":
            stem = sc.items[0].rstrip("0123456789")
            assert f"# - {{id: {stem}, name: {stem}, items: [{', '.join(sc.items)}]}}" in draft.text
    # loy4 is reverse-keyed in the shipped instrument; the EFA says so
    assert "loading against the others: loy4" in draft.text
