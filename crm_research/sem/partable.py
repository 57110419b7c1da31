"""lavaan's parameter table for `sem` and `invariance`: variable roles, default free and
fixed parameters, labels and ``group.equal`` equality (lavaan 0.6 ``lavaanify``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from crm_research.errors import InputError
from crm_research.sem.syntax import Modifier, ParsedModel

__all__ = ["GROUP_EQUAL", "CompiledModel", "Moments", "Parameter", "build_model", "variable_roles"]

#: lavaan's ``group.equal`` keywords understood here.
GROUP_EQUAL = (
    "loadings",
    "intercepts",
    "means",
    "regressions",
    "residuals",
    "residual.covariances",
    "lv.variances",
    "lv.covariances",
)


@dataclass(frozen=True)
class Moments:
    """Sample moments of one group: covariance (divisor N), means, N, and the raw rows."""

    cov: np.ndarray
    mean: np.ndarray
    n: int
    data: np.ndarray | None = None


@dataclass
class Parameter:
    """One row of the parameter table (lavaan ``parTable``)."""

    lhs: str
    op: str
    rhs: str
    group: int
    label: str = ""
    free: int = -1  # index into θ, -1 if fixed
    value: float = 0.0  # fixed value (or start)
    user: bool = True
    exo: bool = False  # fixed.x: set from the sample moments
    kind: str = ""  # "A", "S" or "M"
    row: int = 0
    col: int = 0
    plabel: str = ""  # equality label (user or group.equal), "" if none


@dataclass
class CompiledModel:
    """The parameter table with everything the estimation needs."""

    observed: list[str]
    latent: list[str]
    exogenous_x: list[str]
    groups: list[str]
    meanstructure: bool
    parameters: list[Parameter]
    n_free: int
    definitions: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def p(self) -> int:
        return len(self.observed)

    @property
    def t(self) -> int:
        return len(self.observed) + len(self.latent)

    def index(self) -> dict[str, int]:
        return {name: k for k, name in enumerate(self.observed + self.latent)}

    def n_moments(self) -> int:
        """lavaan's ``ndat``: sample statistics minus those of fixed exogenous covariates."""
        p, nx = self.p, len(self.exogenous_x)
        per = p * (p + 1) // 2 + (p if self.meanstructure else 0)
        per -= nx * (nx + 1) // 2 + (nx if self.meanstructure else 0)
        return len(self.groups) * per

    def arrays(self, group: int) -> dict[str, np.ndarray]:
        """Index arrays of group ``group``'s entries for vectorised matrix filling."""
        cache = self.__dict__.setdefault("_arrays", {})
        if group not in cache:
            rows = [q for q in self.parameters if q.group == group]
            out = {}
            for kind in "ASM":
                sel = [q for q in rows if q.kind == kind]
                out[kind + "_row"] = np.array([q.row for q in sel], dtype=int)
                out[kind + "_col"] = np.array([q.col for q in sel], dtype=int)
                out[kind + "_free"] = np.array([q.free for q in sel], dtype=int)
                out[kind + "_value"] = np.array([q.value for q in sel], dtype=float)
                out[kind + "_exo"] = np.array([q.exo for q in sel], dtype=bool)
                free = [q.free for q in sel if q.free >= 0]
                incidence = np.zeros((len(free), self.n_free))
                incidence[np.arange(len(free)), free] = 1.0
                out[kind + "_incidence"] = incidence  # free entries -> θ (sums shared ones)
            cache[group] = out
        return cache[group]


# --------------------------------------------------------------------------------------------
# Building the parameter table (lavaan's lavaanify defaults for sem()/cfa())
# --------------------------------------------------------------------------------------------
def variable_roles(parsed: ParsedModel) -> dict[str, list[str]]:
    st = parsed.statements
    lv = parsed.latent
    indicators = list(dict.fromkeys(s.rhs for s in st if s.op == "=~"))
    eqs_y = list(dict.fromkeys(s.lhs for s in st if s.op == "~"))
    eqs_x = list(dict.fromkeys(s.rhs for s in st if s.op == "~"))
    ov_ind = [v for v in indicators if v not in lv]
    ov_y0 = [v for v in eqs_y if v not in lv and v not in ov_ind]
    ov_x = [v for v in eqs_x if v not in lv and v not in ov_ind and v not in ov_y0]
    # lavaan: an exogenous covariate named in a user ~~ or ~1 statement is not fixed.x
    named = {s.lhs for s in st if s.op in ("~~", "~1")} | {s.rhs for s in st if s.op == "~~"}
    ov_x = [v for v in ov_x if v not in named]
    extra = [
        v
        for s in st
        for v in ((s.lhs, s.rhs) if s.op == "~~" else (s.lhs,) if s.op == "~1" else ())
        if v not in lv
    ]
    observed = list(dict.fromkeys(ov_ind + ov_y0 + [v for v in eqs_x if v not in lv] + extra))
    observed = [v for v in observed if v not in lv]
    ov_y = [v for v in eqs_y if v not in indicators and v not in eqs_x and v not in lv]
    lv_y = [v for v in eqs_y if v in lv and v not in indicators and v not in eqs_x]
    lv_x = [v for v in lv if v not in indicators and v not in eqs_y]
    return {
        "lv": lv,
        "ov": observed,
        "ov_x": [v for v in observed if v in ov_x],
        "ov_y": [v for v in observed if v in ov_y],
        "lv_y": [v for v in lv if v in lv_y],
        "lv_x": lv_x,
    }


def build_model(
    parsed: ParsedModel,
    groups: Sequence[str] = ("",),
    *,
    meanstructure: bool = False,
    group_equal: Sequence[str] = (),
    group_partial: Sequence[str] = (),
    fixed_x: bool = True,
) -> CompiledModel:
    """The parameter table of ``parsed`` with lavaan's ``sem()`` defaults.

    Defaults (lavaan 0.6 ``lavaanify``): the first loading of each factor fixed to 1
    (``auto.fix.first``), a single indicator's residual variance fixed to 0
    (``auto.fix.single``), free (residual) variances of all non-exogenous observed and all
    latent variables, free covariances among exogenous latent variables and among purely
    endogenous variables (``auto.cov.lv.x``, ``auto.cov.y``), exogenous observed covariates'
    (co)variances and means fixed at their sample values (``fixed.x``), free observed
    intercepts and latent means fixed at 0 (in groups 2.. free when intercepts are equal and
    means are not). ``group_equal`` shares parameters across groups as lavaan's
    ``group.equal``; ``group_partial`` ("x3~1", "f=~x2") exempts single parameters.
    """
    roles = variable_roles(parsed)
    lv, ov = roles["lv"], roles["ov"]
    ov_x = roles["ov_x"] if fixed_x else []
    ov_nox = [v for v in ov if v not in ov_x]
    unknown = sorted(set(group_equal) - set(GROUP_EQUAL))
    if unknown:
        raise InputError(f"group_equal {unknown} is not one of {list(GROUP_EQUAL)}.")
    multi = len(groups) > 1
    for s in parsed.statements:
        if s.lhs in ov and s.op == "=~":
            raise InputError(f"Line {s.line}: {s.lhs!r} is measured ('=~') and observed at once.")
        if len(s.modifiers) > 1 and len(s.modifiers) != len(groups):
            raise InputError(
                f"Line {s.line}: c(...) gives {len(s.modifiers)} modifiers for {s.lhs} {s.op} "
                f"{s.rhs} but there are {len(groups)} group(s)."
            )

    # one group's rows: user statements first, then defaults not already written
    template: list[tuple[str, str, str, tuple[Modifier, ...], bool]] = []
    seen: set[tuple[str, str, str]] = set()

    def key(lhs: str, op: str, rhs: str) -> tuple[str, str, str]:
        if op == "~~":
            return (op, *sorted((lhs, rhs)))
        return (lhs, op, rhs)

    for s in parsed.statements:
        k = key(s.lhs, s.op, s.rhs)
        if k in seen:
            raise InputError(f"Line {s.line}: {s.lhs} {s.op} {s.rhs} is specified twice.")
        seen.add(k)
        template.append((s.lhs, s.op, s.rhs, s.modifiers, True))

    def default(lhs: str, op: str, rhs: str) -> None:
        k = key(lhs, op, rhs)
        if k not in seen:
            seen.add(k)
            template.append((lhs, op, rhs, (), False))

    for v in ov_nox + lv:
        default(v, "~~", v)
    for a in range(len(roles["lv_x"])):
        for b in range(a + 1, len(roles["lv_x"])):
            default(roles["lv_x"][a], "~~", roles["lv_x"][b])
    lvov_y = roles["lv_y"] + roles["ov_y"]
    for a in range(len(lvov_y)):
        for b in range(a + 1, len(lvov_y)):
            default(lvov_y[a], "~~", lvov_y[b])
    for a in range(len(ov_x)):
        for b in range(a, len(ov_x)):
            default(ov_x[a], "~~", ov_x[b])
    if meanstructure:
        for v in ov + lv:
            default(v, "~1", "")

    # fixed/free status for one group (before modifiers)
    first_loading = {}
    for lhs, op, rhs, _, _ in template:
        if op == "=~" and lhs not in first_loading:
            first_loading[lhs] = rhs
    counts = {}
    for lhs, op, rhs, _, _ in template:
        if op == "=~":
            counts.setdefault(lhs, []).append(rhs)
    indicator_use = {}
    for members in counts.values():
        for item in members:
            indicator_use[item] = indicator_use.get(item, 0) + 1
    single = {m[0] for m in counts.values() if len(m) == 1 and indicator_use[m[0]] == 1}
    single = {v for v in single if v in ov}

    index = {name: k for k, name in enumerate(ov + lv)}
    params: list[Parameter] = []
    for g in range(len(groups)):
        for lhs, op, rhs, modifiers, user in template:
            free, value, exo = True, math.nan, False
            if op == "=~" and first_loading[lhs] == rhs:
                free, value = False, 1.0
            if op == "~~" and lhs == rhs and lhs in single and not user:
                free, value = False, 0.0
            if op == "~1" and lhs in lv and not user:
                free, value = False, 0.0
                if g > 0 and "intercepts" in group_equal and "means" not in group_equal:
                    free, value = True, math.nan
            if not user and (
                (op == "~~" and lhs in ov_x and rhs in ov_x) or (op == "~1" and lhs in ov_x)
            ):
                free, exo = False, True
            label = ""
            if modifiers:
                mod = modifiers[g] if len(modifiers) > 1 else modifiers[0]
                if mod.fixed is not None:
                    free, value = False, mod.fixed
                if mod.free:
                    free, value = True, math.nan
                label = mod.label or ""
            if op == "=~":
                kind, row, col = "A", index[rhs], index[lhs]
            elif op == "~":
                kind, row, col = "A", index[lhs], index[rhs]
            elif op == "~~":
                kind, row, col = "S", index[lhs], index[rhs]
            else:
                kind, row, col = "M", index[lhs], 0
            params.append(
                Parameter(
                    lhs,
                    op,
                    rhs,
                    g,
                    label=label,
                    free=0 if free else -1,
                    value=value,
                    user=user,
                    exo=exo,
                    kind=kind,
                    row=row,
                    col=col,
                )
            )

    # equality: user labels, then group.equal labels (lavaan's lav_partable_labels)
    plain = [f"{q.lhs}{q.op}{q.rhs}" for q in params]
    equal_label = [
        f"{plain[i]}.g{q.group + 1}" if q.group > 0 else plain[i] for i, q in enumerate(params)
    ]
    if multi and group_equal:
        partial = {str(x).replace(" ", "") for x in group_partial}
        for i, q in enumerate(params):
            if q.group != 0:
                continue
            flag = (
                ("loadings" in group_equal and q.op == "=~")
                or ("intercepts" in group_equal and q.op == "~1" and q.lhs in ov_nox)
                or ("means" in group_equal and q.op == "~1" and q.lhs in lv)
                or ("regressions" in group_equal and q.op == "~")
                or (
                    "residuals" in group_equal
                    and q.op == "~~"
                    and q.lhs in ov_nox
                    and q.lhs == q.rhs
                )
                or (
                    "residual.covariances" in group_equal
                    and q.op == "~~"
                    and q.lhs in ov_nox
                    and q.lhs != q.rhs
                )
                or (
                    "lv.variances" in group_equal
                    and q.op == "~~"
                    and q.lhs in lv
                    and q.lhs == q.rhs
                )
                or (
                    "lv.covariances" in group_equal
                    and q.op == "~~"
                    and q.lhs in lv
                    and q.lhs != q.rhs
                )
            )
            if flag and plain[i] not in partial:
                for j, r in enumerate(params):
                    if r.group > 0 and (r.lhs, r.op, r.rhs) == (q.lhs, q.op, q.rhs):
                        equal_label[j] = equal_label[i]
    for i, q in enumerate(params):
        if q.label:
            equal_label[i] = q.label
    next_free, by_label = 0, {}
    for i, q in enumerate(params):
        if q.free < 0:
            continue
        lab = equal_label[i]
        if lab in by_label:
            q.free = by_label[lab]
        else:
            q.free = by_label[lab] = next_free
            next_free += 1
        q.plabel = lab
    # a label shared by a fixed and a free parameter: lavaan fixes both; keep it simple
    for q in params:
        if q.free < 0 and q.label and q.label in by_label:
            raise InputError(
                f"Label {q.label!r} is given both to a fixed and to a free parameter; "
                "drop the fixed value or the label."
            )
    return CompiledModel(
        observed=ov,
        latent=lv,
        exogenous_x=ov_x,
        groups=list(groups),
        meanstructure=meanstructure,
        parameters=params,
        n_free=next_free,
        definitions=list(parsed.definitions),
    )
