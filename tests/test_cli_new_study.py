"""``crm-research new-study DIR`` (issue 12 item 6): a study folder ready for the next commands."""

from __future__ import annotations

import re

import pandas as pd

from crm_research.cli import main
from crm_research.instrument import SURVEYS_DIR, load_instrument
from crm_research.readers import read_responses
from crm_research.studyfile import load_study

AGREE = ["非常不同意", "不同意", "一般", "同意", "非常同意"]


def export(tmp_path):
    rows = 12
    df = pd.DataFrame(
        {
            "序号": range(1, rows + 1),
            "提交答卷时间": ["2024/5/1 10:00:00"] * rows,
            "来自IP": ["10.0.0.1"] * rows,
            "1(服务态度)": [AGREE[i % 5] for i in range(rows)],
            "1(响应速度)": [AGREE[(i * 2) % 5] for i in range(rows)],
            "2、您向朋友推荐我们的可能性有多大": [i % 11 for i in range(rows)],
        }
    )
    path = tmp_path / "data" / "export.xlsx"
    path.parent.mkdir()
    df.to_excel(path, index=False)
    return path


def test_new_study_from_export(tmp_path, capsys):
    data = export(tmp_path)
    folder = tmp_path / "client"
    assert main(["new-study", str(folder), "--from", str(data), "--lang", "en",
                 "--name", "Client X"]) == 0  # fmt: skip
    assert sorted(p.name for p in folder.iterdir()) == [
        "README.md",
        "instrument.yaml",
        "study.yaml",
    ]
    assert "README.md" in capsys.readouterr().out
    spec = load_study(folder / "study.yaml")
    assert spec.name == "Client X" and spec.language == "en" and list(spec.inputs) == ["customers"]
    assert spec.customers.file.resolve() == data.resolve()  # relative path ../data/export.xlsx
    assert "../data/export.xlsx" in (folder / "study.yaml").read_text(encoding="utf-8")
    inst = spec.customers.instrument
    assert inst.item_ids == ["q1_1", "q1_2", "q2"] and inst.roles.recommendation == "q2"
    resp = read_responses(spec.customers.file, **spec.customers.read_options())
    assert resp.items["q1_1"].tolist() == [float(i % 5 + 1) for i in range(12)]
    assert spec.output == folder / "report"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^   (crm-research .+)$", readme, flags=re.M)
    assert commands == [
        "crm-research instrument draft ../data/export.xlsx --out instrument.yaml --force",
        "crm-research validate ../data/export.xlsx --instrument instrument.yaml",
        "crm-research report study.yaml --out report",
    ]


def test_readme_commands_run_from_the_folder(tmp_path, monkeypatch, capsys):
    data = export(tmp_path)
    folder = tmp_path / "client"
    assert main(["new-study", str(folder), "--from", str(data)]) == 0
    monkeypatch.chdir(folder)
    assert main(["instrument", "draft", "../data/export.xlsx", "--out", "instrument.yaml",
                 "--force"]) == 0  # fmt: skip
    assert main(["validate", "../data/export.xlsx", "--instrument", "instrument.yaml"]) == 0
    out = capsys.readouterr().out
    assert "12 kept" in out


def test_new_study_copies_a_shipped_instrument(tmp_path):
    folder = tmp_path / "empty_ok"
    folder.mkdir()  # an empty folder is fine
    assert main(["new-study", str(folder)]) == 0
    copied = folder / "d_company_customer.yaml"
    assert copied.read_bytes() == (SURVEYS_DIR / "d_company_customer.yaml").read_bytes()
    spec = load_study(folder / "study.yaml", check_files=False)
    assert spec.customers.file == folder / "customers.csv"
    assert spec.customers.instrument.source == copied and spec.language == "zh"
    assert spec.name == "empty_ok"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "crm-research instrument draft customers.csv --out instrument.yaml" in readme
    other = tmp_path / "staff"
    assert main(["new-study", str(other), "--instrument", "d_company_employee"]) == 0
    assert load_instrument(other / "d_company_employee.yaml").id == "d_company_employee"


def test_new_study_refusals(tmp_path, capsys):
    folder = tmp_path / "full"
    folder.mkdir()
    (folder / "x.txt").write_text("x", encoding="utf-8")
    assert main(["new-study", str(folder)]) == 2
    assert "is not empty; give a new or empty folder" in capsys.readouterr().err
    assert main(["new-study", str(tmp_path / "a"), "--from", str(tmp_path / "none.csv")]) == 2
    assert "none.csv: no such file." in capsys.readouterr().err
    assert not (tmp_path / "a").exists()  # nothing made when the input is bad
    assert main(["new-study", str(tmp_path / "b"), "--instrument", "no_such"]) == 2
    assert "No instrument named 'no_such'" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()
