"""One language mechanism: text catalogues keyed by id, each entry in every report language.

Every catalogue of prose and labels (the report's :data:`crm_research.report.text.CATALOGUES`,
the study's reasons for absent tables, the words of ``findings.md``) has, for every id, a
non-empty text in each of :data:`crm_research.instrument.LANGS` and no other language; the
placeholders of the two texts agree.  No code chooses a language with an ``if``: the
ast check below fails on a comparison with ``"zh"`` or ``"en"``.
"""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from crm_research.findings.records import RENDER_TEXT
from crm_research.instrument import LANGS
from crm_research.report import text
from crm_research.study.absent import ABSENT_TEXT, COLUMN_WORDS, FACTOR_STEP_LABELS, SCALE_WORDS

PACKAGE = Path(__file__).resolve().parent.parent / "crm_research"

ALL_CATALOGUES = {
    **text.CATALOGUES,
    "ABSENT_TEXT": ABSENT_TEXT,
    "SCALE_WORDS": SCALE_WORDS,
    "COLUMN_WORDS": COLUMN_WORDS,
    "FACTOR_STEP_LABELS": FACTOR_STEP_LABELS,
    "RENDER_TEXT": RENDER_TEXT,
}
#: Modules written alongside this check that still define LANGS or choose a language inline
#: (to be moved onto the catalogues by their authors): named so that none is added silently.
INLINE_LANGUAGE_KNOWN = {"report/word.py"}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def catalogue_problems(catalogues: dict[str, dict[str, dict[str, str]]]) -> list[str]:
    """Entries lacking a language, with an extra one, empty, or with differing placeholders."""
    problems = []
    for name, catalogue in catalogues.items():
        for key, entry in catalogue.items():
            if set(entry) != set(LANGS):
                problems.append(f"{name}[{key!r}] has languages {sorted(entry)}, not {LANGS}.")
                continue
            if not all(isinstance(v, str) and v.strip() for v in entry.values()):
                problems.append(f"{name}[{key!r}] has an empty text.")
            elif len({frozenset(_fields(v)) for v in entry.values()}) > 1:
                problems.append(f"{name}[{key!r}]: the languages' placeholders differ.")
    return problems


def test_every_catalogue_entry_has_every_language():
    assert len(ALL_CATALOGUES) >= 15
    assert not catalogue_problems(ALL_CATALOGUES)


@pytest.mark.parametrize(
    "entry",
    [{"zh": "只有中文"}, {"zh": "a", "en": "b", "fr": "c"}, {"zh": "{n} 个", "en": "{k} items"}],
)
def test_the_check_fails_on_an_entry_lacking_a_language(entry):
    assert catalogue_problems({"PLANTED": {"key": entry}})


def test_langs_is_defined_once():
    defined = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == "LANGS" for t in targets):
                    defined.append(path.relative_to(PACKAGE).as_posix())
    assert sorted(set(defined) - INLINE_LANGUAGE_KNOWN) == ["instrument.py"]
    assert text.LANGS is LANGS


def inline_language_choices(root: Path) -> list[str]:
    """``file:line`` of every comparison with ``"zh"`` or ``"en"`` under ``root``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and any(
                isinstance(c, ast.Constant) and c.value in LANGS
                for c in [node.left, *node.comparators]
            ):
                found.append(f"{path.relative_to(root).as_posix()}:{node.lineno}")
    return found


def test_no_code_chooses_a_language_with_an_if(tmp_path):
    found = [
        f for f in inline_language_choices(PACKAGE) if f.split(":")[0] not in INLINE_LANGUAGE_KNOWN
    ]
    assert not found
    planted = tmp_path / "planted.py"
    planted.write_text('def title(lang):\n    return "标题" if lang == "zh" else "Title"\n')
    assert inline_language_choices(tmp_path) == ["planted.py:2"]
