"""Stages import one way: the stage map, checked on every module's imports (ast, no import run).

:data:`STAGES` is the project's stage map, written once: every top-level module or
subpackage of ``crm_research`` has a stage, and a module may import only from its own or an
earlier stage.  Across modules, no private name (``_x``) is imported and no two modules
import each other, directly or through others (a cycle).  Modules of one subpackage
(``crm_research.sem.*``, ``crm_research.report.*``) may import each other and share
their private names.  docs/DEVELOPING.md shows the same map (checked below), and the
checker is shown to fail on a copy of the package with a planted reverse import, a private
import and a cycle.
"""

from __future__ import annotations

import ast
import re
import shutil
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "crm_research"

#: Stage -> the top-level modules and subpackages of ``crm_research`` in it, in flow order.
STAGES: dict[str, tuple[str, ...]] = {
    "0 base": ("errors", "paths", "_blas"),
    "1 instrument": ("instrument", "roles", "studyfile", "__init__"),
    "2 read + screen": ("readers", "screening"),
    "3 scores": ("scoring", "cases"),
    "4 psychometrics": ("correlation", "reliability", "factor", "sem", "pls"),
    "5 analyses": ("analysis", "segmentation", "importance", "drafting"),
    "6 study": ("study",),
    "7 findings": ("findings",),
    "8 report": ("report", "plots", "pipeline"),
    "9 entry points": ("cli", "commands", "__main__"),
}
RANK = {unit: rank for rank, units in enumerate(STAGES.values()) for unit in units}


def _unit(module: str) -> str:
    """``crm_research.sem.cfa`` -> ``sem``; the package itself -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_name(path: Path, package: Path) -> str:
    rel = path.relative_to(package.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _type_checking_lines(tree: ast.AST) -> set[int]:
    """Line numbers inside ``if TYPE_CHECKING:`` blocks (imports for annotations only)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                for sub in ast.walk(child):
                    if hasattr(sub, "lineno"):
                        lines.add(sub.lineno)
    return lines


def imports_of(path: Path, package: Path) -> list[tuple[str, str | None, int]]:
    """``(imported module, imported name or None, line)`` for every crm_research import.

    Imports inside functions count as much as those at the top of a module.
    """
    module = _module_name(path, package)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skip = _type_checking_lines(tree)
    found: list[tuple[str, str | None, int]] = []
    submodules = {p.stem for p in package.glob("*.py")} | {
        p.name for p in package.iterdir() if (p / "__init__.py").is_file()
    }
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == package.name:
                    found.append((alias.name, None, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against this module's package
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] != package.name:
                continue
            for alias in node.names:
                if source == package.name and alias.name in submodules:
                    found.append((f"{source}.{alias.name}", None, node.lineno))
                else:
                    found.append((source, alias.name, node.lineno))
    return found


def check(package: Path) -> list[str]:
    """Every violation of the stage map in ``package``: one sentence each (empty = clean)."""
    problems: list[str] = []
    graph: dict[str, set[str]] = defaultdict(set)
    where: dict[tuple[str, str], str] = {}
    for path in sorted(package.rglob("*.py")):
        module = _module_name(path, package)
        unit = _unit(module)
        rel = path.relative_to(package.parent)
        if unit not in RANK:
            problems.append(
                f"{rel}: '{unit}' has no stage; add it to STAGES (tests/test_imports.py)."
            )
            continue
        for target, name, line in imports_of(path, package):
            other = _unit(target)
            if other == unit:
                continue  # modules of one subpackage may import each other
            if other not in RANK:
                continue  # reported for that module itself
            if RANK[other] > RANK[unit]:
                problems.append(
                    f"{rel}:{line}: {module} (stage {RANK[unit]}) imports {target} "
                    f"(later stage {RANK[other]})."
                )
            if name and name.startswith("_") and not name.startswith("__"):
                problems.append(f"{rel}:{line}: {module} imports the private name {target}.{name}.")
            graph[unit].add(other)
            where.setdefault((unit, other), f"{rel}:{line}")
    problems.extend(_cycles(graph, where))
    return problems


def _cycles(graph: dict[str, set[str]], where: dict[tuple[str, str], str]) -> list[str]:
    """One sentence per import cycle between top-level modules (Tarjan's components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    out = []
    for component in components:
        edges = [
            f"{a} -> {b} ({where[(a, b)]})" for a in component for b in component if (a, b) in where
        ]
        out.append(f"import cycle between {', '.join(component)}: {'; '.join(edges)}.")
    return out


def test_every_module_has_a_stage_and_imports_only_backwards():
    problems = check(PACKAGE)
    assert not problems, "\n".join(problems)


def test_stage_map_in_developing_md_is_the_one_in_code():
    doc = (ROOT / "docs" / "DEVELOPING.md").read_text(encoding="utf-8")
    section = doc.split("## Stage map", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d [^|]+?) \| ([^|]+) \|", section, flags=re.M)
    shown = {stage.strip(): tuple(re.findall(r"`([^`]+)`", units)) for stage, units in rows}
    assert shown == STAGES


def _plant(tmp_path: Path, file: str, line: str) -> Path:
    copy = tmp_path / "crm_research"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / file
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    return copy


@pytest.mark.parametrize(
    ("file", "line", "expected"),
    [
        # a reverse import: the instrument (stage 1) reaching into the report (stage 8)
        (
            "instrument.py",
            "from crm_research.report.context import open_study",
            r"instrument.py:\d+: crm_research.instrument \(stage 1\) imports "
            r"crm_research.report.context \(later stage 8\)",
        ),
        # a private name taken across modules
        (
            "analysis.py",
            "from crm_research.scoring import _planted_helper",
            r"imports the private name crm_research.scoring._planted_helper",
        ),
        # a cycle within one stage (a lazy import counts)
        (
            "screening.py",
            "def planted():\n    from crm_research import readers",
            r"import cycle between readers, screening",
        ),
    ],
)
def test_the_check_fails_on_a_planted_violation(tmp_path, file, line, expected):
    # the unplanted package passes (test above); the planted copy fails, naming the fault
    problems = check(_plant(tmp_path, file, line))
    assert any(re.search(expected, p) for p in problems), problems


def test_a_new_module_without_a_stage_fails(tmp_path):
    copy = _plant(tmp_path, "errors.py", "")
    (copy / "newthing.py").write_text("from crm_research.errors import InputError\n")
    assert any("'newthing' has no stage" in p for p in check(copy))


def test_the_package_imports_no_test_only_dependency():
    """factor_analyzer and scikit-learn are cross-check peers in the ``test`` extra only."""
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0].lower() for d in project["dependencies"]}
    test_extra = " ".join(project["optional-dependencies"]["test"]).lower()
    for name, module in (("factor_analyzer", "factor_analyzer"), ("scikit-learn", "sklearn")):
        assert name not in runtime and name in test_extra
        for path in PACKAGE.rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else []
                )
                assert not any(n.split(".")[0] == module for n in names), (path, module)
