"""Safe names and output folders (:mod:`crm_research.paths`).

Properties checked on arbitrary text (hypothesis): a slug is a single path component made
of word characters and ``-``, never empty, ``.``/``..``, hidden or a device name, and it
stays inside the folder it is joined to.  The output-folder policy is checked on real
folders: a foreign non-empty folder is refused and left byte for byte as it was.
"""

from __future__ import annotations

import os
import re
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
    safe_child,
    safe_output_dir,
    slugify,
    unique_slugs,
)

SLUG = re.compile(r"^[\w-]+$")


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
