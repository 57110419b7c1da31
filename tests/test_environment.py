"""environment.yml (conda) and pyproject.toml (pip) must list the same dependencies.

Both files are parsed at test time; nothing about the dependency list is hard-coded here
except the few conda-forge packages whose name differs from the PyPI name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement  # packaging comes with pytest
from packaging.specifiers import SpecifierSet

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: tomllib arrived in 3.11
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent

#: conda-forge name -> PyPI name, where they differ beyond case and -/_/. spelling.
CONDA_TO_PYPI = {
    "matplotlib-base": "matplotlib",
    "pytables": "tables",
    "pytorch": "torch",
    "py-opencv": "opencv-python",
    "msgpack-python": "msgpack",
}
#: Conda entries that are the toolchain, not dependencies of the package.
CONDA_TOOLCHAIN = {"python", "pip"}
CONDA_SPEC = re.compile(r"^(?:[\w.-]+::)?(?P<name>[A-Za-z0-9_.-]+)\s*(?P<spec>.*)$")


def normalise(name: str) -> str:
    """PEP 503 name with conda-forge spellings mapped to PyPI (``PyYAML`` -> ``pyyaml``)."""
    name = re.sub(r"[-_.]+", "-", name).lower()
    return CONDA_TO_PYPI.get(name, name)


def conda_specifier(spec: str) -> SpecifierSet:
    """A conda version spec as a pip SpecifierSet (``=1.2`` means ``==1.2.*``, ``1.2`` too)."""
    parts = []
    for part in filter(None, (p.strip() for p in spec.replace(" ", "").split(","))):
        if re.match(r"^=[^=]", part):
            part = "==" + part[1:] + ("" if part.endswith("*") else ".*")
        elif re.match(r"^\d", part):
            part = "==" + part
        parts.append(part)
    return SpecifierSet(",".join(parts))


def pyproject_requirements(path: Path) -> tuple[dict[str, SpecifierSet], SpecifierSet]:
    """Runtime + every optional extra, and the requires-python bound."""
    project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
    lines = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        lines.extend(extra)
    reqs: dict[str, SpecifierSet] = {}
    for line in lines:
        req = Requirement(line)
        reqs[normalise(req.name)] = req.specifier
    return reqs, SpecifierSet(project.get("requires-python", ""))


def environment_requirements(
    path: Path,
) -> tuple[dict[str, SpecifierSet], SpecifierSet, list[str]]:
    """Conda + pip entries, the python bound, and names listed more than once."""
    env = yaml.safe_load(path.read_text(encoding="utf-8"))
    reqs: dict[str, SpecifierSet] = {}
    python = SpecifierSet()
    duplicates: list[str] = []

    def add(name: str, spec: SpecifierSet) -> None:
        key = normalise(name)
        if key in reqs:
            duplicates.append(key)
        reqs[key] = spec

    for entry in env.get("dependencies", []):
        if isinstance(entry, dict):
            for line in entry.get("pip", []):
                if line.strip().startswith("-"):  # -e ., -r file: not dependencies
                    continue
                req = Requirement(line)
                add(req.name, req.specifier)
            continue
        match = CONDA_SPEC.match(str(entry).strip())
        assert match, f"environment.yml: cannot read the conda entry {entry!r}"
        name, spec = match["name"], conda_specifier(match["spec"])
        if name == "python":
            python = spec
        elif name not in CONDA_TOOLCHAIN:
            add(name, spec)
    return reqs, python, duplicates


def disagreements(pip: dict[str, SpecifierSet], conda: dict[str, SpecifierSet]) -> list[str]:
    """Readable list of every difference between the two dependency lists."""
    problems = [
        f"{n} is in pyproject.toml but not in environment.yml"
        for n in sorted(pip.keys() - conda.keys())
    ]
    problems += [
        f"{n} is in environment.yml but not in pyproject.toml"
        for n in sorted(conda.keys() - pip.keys())
    ]
    for name in sorted(pip.keys() & conda.keys()):
        if pip[name] != conda[name]:
            problems.append(
                f"{name}: pyproject.toml has '{pip[name]}', environment.yml has '{conda[name]}'"
            )
    return problems


# ---------------------------------------------------------------------------- the real files
def test_environment_lists_the_same_dependencies_as_pyproject():
    pip, _ = pyproject_requirements(ROOT / "pyproject.toml")
    conda, _, duplicates = environment_requirements(ROOT / "environment.yml")
    assert not duplicates, f"listed twice in environment.yml: {duplicates}"
    problems = disagreements(pip, conda)
    assert not problems, "; ".join(problems)


def test_python_bound_agrees_and_channel_is_conda_forge():
    _, requires_python = pyproject_requirements(ROOT / "pyproject.toml")
    _, python, _ = environment_requirements(ROOT / "environment.yml")
    assert python == requires_python
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert env["channels"][0] == "conda-forge"


# ---------------------------------------------------------------------------- the comparison
def test_name_normalisation():
    assert normalise("PyYAML") == normalise("pyyaml") == "pyyaml"
    assert normalise("factor_analyzer") == normalise("factor-analyzer")
    assert normalise("charset_normalizer") == "charset-normalizer"
    assert normalise("matplotlib-base") == "matplotlib"
    assert normalise("Scikit_Learn") == "scikit-learn"


def test_conda_version_specs():
    assert conda_specifier(">=1.6.1,<1.8") == SpecifierSet(">=1.6.1,<1.8")
    assert conda_specifier("==0.5.1") == SpecifierSet("==0.5.1")
    assert conda_specifier("=0.5") == SpecifierSet("==0.5.*")
    assert conda_specifier(" >=3.10") == SpecifierSet(">=3.10")
    assert conda_specifier("") == SpecifierSet()


@pytest.mark.parametrize(
    ("pyproject_extra", "environment_extra", "expected"),
    [
        ('"tqdm>=4.66"', "  - tqdm>=4.66\n", None),
        ('"tqdm>=4.66"', "", "tqdm is in pyproject.toml but not in environment.yml"),
        ("", "  - tqdm>=4.66\n", "tqdm is in environment.yml but not in pyproject.toml"),
        ('"tqdm>=4.66"', "  - tqdm>=4.60\n", "tqdm: pyproject.toml has '>=4.66'"),
        ('"PyYAML>=6"', "  - pyyaml>=6\n", None),
        ('"matplotlib>=3.8"', "  - matplotlib-base>=3.8\n", None),
        ('"mplfonts>=0.0.11"', "  - pip:\n    - mplfonts>=0.0.11\n    - -e .\n", None),
    ],
)
def test_disagreements_are_detected(tmp_path, pyproject_extra, environment_extra, expected):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nrequires-python = ">=3.10"\n'
        f'dependencies = ["numpy>=1.26", {pyproject_extra}]\n',
        encoding="utf-8",
    )
    (tmp_path / "environment.yml").write_text(
        "channels: [conda-forge]\ndependencies:\n  - python>=3.10\n  - numpy>=1.26\n"
        + environment_extra,
        encoding="utf-8",
    )
    pip, _ = pyproject_requirements(tmp_path / "pyproject.toml")
    conda, python, _ = environment_requirements(tmp_path / "environment.yml")
    problems = disagreements(pip, conda)
    assert python == SpecifierSet(">=3.10")
    if expected is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0].startswith(expected)


def test_duplicates_are_detected(tmp_path):
    path = tmp_path / "environment.yml"
    path.write_text(
        "dependencies:\n  - numpy>=1.26\n  - pip:\n    - numpy>=1.26\n", encoding="utf-8"
    )
    assert environment_requirements(path)[2] == ["numpy"]
