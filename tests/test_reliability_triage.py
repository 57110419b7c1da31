"""Reliability triage of real-like survey data with ``crm-research reliability``.

The data imitate a real export the repository does not hold: no instrument, mixed 1-5,
1-6 and 1-10 response scales, ``-99`` missing codes (undeclared) and blank cells, no
respondent id, and four kinds of scale with a known truth:

* ``service`` (five 1-5 items) and ``satisfaction`` (four 1-10 items): sound, one common factor;
* ``value`` (four 1-6 items): sound, but ``val4`` is worded negatively and NOT reversed;
* ``weak`` (four 1-5 items): near-zero inter-item correlations.

Expected: the weak scale and the un-reversed scale are flagged (questionable, poor or
unacceptable in George & Mallery's bands), the sound ones are not (acceptable or better);
with ``--reverse val4`` the value scale is sound.  Alpha itself is checked against the
textbook formula on the same data with ``-99`` treated as missing and listwise deletion
within each scale (SPSS RELIABILITY), to 1e-9.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

PROJECT = Path(__file__).resolve().parent.parent
N = 400
FLAGGED = {"questionable", "poor", "unacceptable"}
SOUND = {"acceptable", "good", "excellent"}
SCALES = {
    "service": [f"svc{j}" for j in range(1, 6)],
    "satisfaction": [f"sat{j}" for j in range(1, 5)],
    "value": [f"val{j}" for j in range(1, 5)],
    "weak": [f"weak{j}" for j in range(1, 5)],
}


def ordinal(rng, latent: np.ndarray, loading: float, low: int, high: int, k: int) -> np.ndarray:
    """k items = loading * latent + noise, cut into low..high at the pooled quantiles."""
    x = loading * latent[:, None] + np.sqrt(1 - loading**2) * rng.standard_normal((len(latent), k))
    cuts = np.quantile(x, np.linspace(0, 1, high - low + 2)[1:-1])
    return low + np.searchsorted(cuts, x)


@pytest.fixture(scope="module")
def survey(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(20190601)
    columns: dict[str, np.ndarray] = {}
    blocks = {
        "svc": ordinal(rng, rng.standard_normal(N), 0.75, 1, 5, 5),
        "sat": ordinal(rng, rng.standard_normal(N), 0.80, 1, 10, 4),
        "val": ordinal(rng, rng.standard_normal(N), 0.75, 1, 6, 4),
        "weak": ordinal(rng, rng.standard_normal(N), 0.05, 1, 5, 4),
    }
    blocks["val"][:, 3] = 7 - blocks["val"][:, 3]  # negatively worded, not reversed
    for prefix, block in blocks.items():
        for j in range(block.shape[1]):
            columns[f"{prefix}{j + 1}"] = block[:, j]
    clean = pd.DataFrame(columns).astype(float)
    raw = clean.astype(object)
    raw = raw.mask(rng.random(raw.shape) < 0.03, -99)  # the export's missing code
    raw = raw.mask(rng.random(raw.shape) < 0.01, "")  # skipped questions
    raw.insert(0, "性别", rng.choice(["男", "女"], N))
    raw.insert(1, "所用时间", rng.integers(200, 900, N))
    path = tmp_path_factory.mktemp("triage") / "real_like.csv"
    raw.to_csv(path, index=False, encoding="utf-8-sig")
    truth = raw.drop(columns=["性别", "所用时间"]).replace({-99: np.nan, "": np.nan}).astype(float)
    return path, truth


def reliability_json(path: Path, *extra: str) -> dict[str, dict]:
    args = ["reliability", str(path), "--json"]
    for name, items in SCALES.items():
        args += ["--scale", f"{name}={','.join(items)}"]
    proc = subprocess.run(
        [sys.executable, "-m", "crm_research", *args, *extra],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=path.parent,
        env={**os.environ, "PYTHONWARNINGS": "ignore", "PYTHONPATH": str(PROJECT)},
    )
    assert proc.returncode == 0, proc.stderr
    return {rec["scale"]: rec for rec in json.loads(proc.stdout)}


def textbook_alpha(frame: pd.DataFrame) -> tuple[float, int]:
    x = frame.dropna().to_numpy()
    k = x.shape[1]
    alpha = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    return alpha, len(x)


@pytest.fixture(scope="module")
def triage(survey):
    path, _ = survey
    return reliability_json(path)


def test_weak_and_unreversed_scales_are_flagged_sound_ones_are_not(triage):
    assert triage["weak"]["flag"] in FLAGGED
    assert triage["value"]["flag"] in FLAGGED
    assert triage["service"]["flag"] in SOUND
    assert triage["satisfaction"]["flag"] in SOUND


def test_alpha_matches_the_textbook_value_with_codes_missing(triage, survey):
    _, truth = survey
    for name, items in SCALES.items():
        alpha, n = textbook_alpha(truth[items])
        assert triage[name]["n"] == n, name  # -99 and blanks deleted listwise, nobody else
        assert triage[name]["k"] == len(items)
        np.testing.assert_allclose(triage[name]["alpha"], alpha, rtol=0, atol=1e-9)
    # with -99 used as a number the sound 1-10 scale would look very different
    wrong = truth[SCALES["satisfaction"]].fillna(-99)
    assert abs(textbook_alpha(wrong)[0] - triage["satisfaction"]["alpha"]) > 0.05


def test_reversing_the_negative_item_makes_the_value_scale_sound(survey):
    path, truth = survey
    fixed = reliability_json(path, "--reverse", "val4")
    assert fixed["value"]["flag"] in SOUND
    keyed = truth[SCALES["value"]].copy()
    keyed["val4"] = 1 + 6 - keyed["val4"]  # observed range 1..6
    np.testing.assert_allclose(fixed["value"]["alpha"], textbook_alpha(keyed)[0], atol=1e-9)
    assert fixed["weak"]["flag"] in FLAGGED


def test_the_same_answers_from_different_people_are_all_kept(survey):
    """No id column and short scales: repeated answer patterns are different people."""
    path, truth = survey
    proc = subprocess.run(
        [sys.executable, "-m", "crm_research", "validate", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["rows_kept"] == doc["rows_read"] == N
    assert truth[SCALES["service"]].dropna().duplicated().sum() > 0  # the patterns do repeat
