"""What the scales, items and columns of an instrument stand for: the ``roles:`` section.

An instrument declares its roles (``surveys/README.md``): which scales measure satisfaction
and loyalty, which drive satisfaction, which item is the 0-10 recommendation question, which
background columns are segments and which the region, which scale measures which IDIC task,
which scale mirrors a scale of another instrument.  A study file may override them per input.
Analyses read roles, never hard-coded scale ids.  Part of stage 1 (instrument):
:mod:`crm_research.instrument` imports this module, never the other way round at run time.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from crm_research.errors import InstrumentError

if TYPE_CHECKING:  # for annotations only (instrument imports this module)
    from crm_research.instrument import Instrument

__all__ = ["IDIC_TASKS", "ROLE_KEYS", "ROLE_SCALE_LISTS", "RECOMMENDATION_RANGE", "Roles",
           "parse_roles"]  # fmt: skip

#: Roles naming scales (a scale id or a list of them), see :class:`Roles`.
ROLE_SCALE_LISTS = (
    "satisfaction",
    "loyalty",
    "drivers",
    "antecedents",
    "system_use",
    "enablers",
)
#: Every key allowed in a ``roles:`` section.
ROLE_KEYS = (*ROLE_SCALE_LISTS, "recommendation", "segments", "region", "idic", "mirrors")
#: The four tasks of the IDIC model (Peppers & Rogers 2004, *Managing Customer Relationships:
#: A Strategic Framework*, Wiley): identify, differentiate, interact, customize.
IDIC_TASKS = ("identify", "differentiate", "interact", "customize")
#: The recommendation question is asked on 0..10 (Reichheld 2003, Harvard Business Review 81(12)).
RECOMMENDATION_RANGE = (0, 10)


@dataclass(frozen=True)
class Roles:
    """What the scales, items and columns of an instrument stand for in a CRM study.

    Declared in the instrument's ``roles:`` section (``surveys/README.md``) and overridden
    per input by a study file; analyses and findings read these instead of scale ids.
    Every field is optional; an empty tuple or mapping means "not declared".

    Attributes
    ----------
    satisfaction, loyalty : tuple of str
        Scales measuring satisfaction and loyalty (outcomes of the driver analysis and the
        two axes of the satisfaction x loyalty matrix, Jones & Sasser 1995).
    drivers : tuple of str
        Scales whose effect on satisfaction is estimated (drivers, importance-performance).
    recommendation : str or None
        The item asking the 0-10 recommendation question (Net Promoter, Reichheld 2003).
    segments : tuple of str
        Categorical metadata columns by which groups are compared (customer type, sector,
        role...).
    region : str or None
        The categorical column saying where a respondent is (city, province, region): how
        customers are spread over it is analysed (distribution, concentration).  It may
        also be listed under ``segments`` to compare scale levels by region.
    idic : dict
        Scale id -> IDIC task (``identify``, ``differentiate``, ``interact``, ``customize``).
    mirrors : dict
        Scale id of this instrument -> scale id of the other instrument it mirrors (an
        employee self-assessment scale -> the customer scale asking the same); only declared
        pairs are compared as a perception gap.
    antecedents : tuple of str
        Quality or other antecedent scales of satisfaction in a structural model.
    system_use, enablers : tuple of str
        Scales measuring the use of the CRM system, and the people enablers of that use
        (training, motivation, acceptance).

    Examples
    --------
    >>> roles = Roles(satisfaction=("sat",), drivers=("service", "price"))
    >>> roles.with_overrides({"drivers": "service"}).drivers
    ('service',)
    >>> roles.scales()
    ('sat', 'service', 'price')
    """

    satisfaction: tuple[str, ...] = ()
    loyalty: tuple[str, ...] = ()
    drivers: tuple[str, ...] = ()
    recommendation: str | None = None
    segments: tuple[str, ...] = ()
    region: str | None = None
    idic: dict[str, str] = field(default_factory=dict)
    mirrors: dict[str, str] = field(default_factory=dict)
    antecedents: tuple[str, ...] = ()
    system_use: tuple[str, ...] = ()
    enablers: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Whether no role at all is declared."""
        return self == Roles()

    def scales(self) -> tuple[str, ...]:
        """Every scale id named by a role, once each, in the order of the fields."""
        out: list[str] = []
        for name in ("satisfaction", "loyalty", "drivers", "antecedents", "system_use",
                     "enablers"):  # fmt: skip
            out.extend(getattr(self, name))
        out.extend(self.idic)
        out.extend(self.mirrors)
        return tuple(dict.fromkeys(out))

    def idic_scales(self, task: str) -> tuple[str, ...]:
        """Scales declared for one IDIC task (``identify``, ``differentiate``, ...)."""
        if task not in IDIC_TASKS:
            raise KeyError(task)
        return tuple(s for s, t in self.idic.items() if t == task)

    def to_dict(self) -> dict[str, Any]:
        """The declared roles as a ``roles:`` mapping (for YAML or JSON), empty ones left out."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in ((), {}, None):
                continue
            out[f.name] = (
                list(value)
                if isinstance(value, tuple)
                else (dict(value) if isinstance(value, dict) else value)
            )
        return out

    def with_overrides(
        self,
        mapping: Mapping[str, Any] | None,
        instrument: Instrument | None = None,
        where: str = "roles",
    ) -> Roles:
        """These roles with the fields given in ``mapping`` replaced (a study-file override).

        Parameters
        ----------
        mapping : mapping
            Same form as an instrument's ``roles:`` section; fields it does not name are kept.
            A field given as ``null`` or ``[]`` is cleared.
        instrument : Instrument, optional
            When given, every name is checked against it (unknown scales, items and columns
            raise :class:`InstrumentError`).
        where : str
            Start of the error sentence (e.g. ``"study.yaml: inputs.customers.roles"``).

        Returns
        -------
        Roles
        """
        if not mapping:
            return self
        merged = {**self.to_dict(), **dict(mapping)}
        merged = {k: v for k, v in merged.items() if v not in (None, [], {})}
        return parse_roles(merged, instrument, where)

    def __repr__(self) -> str:
        parts = [f"{k}={v!r}" for k, v in self.to_dict().items()]
        return f"Roles({', '.join(parts)})"


def _suggest(name: str, known: list[str]) -> str:
    """`` (did you mean 'x'?)`` when a known name is close to ``name``, else ``""``."""
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _names(value: Any, key: str, where: str) -> tuple[str, ...]:
    """A role value given as one name or a list of names, as a tuple (no repeats)."""
    if value is None:
        return ()
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        names = [str(value)]
    elif isinstance(value, list) and all(
        isinstance(x, (str, int, float)) and not isinstance(x, bool) for x in value
    ):
        names = [str(x) for x in value]
    else:
        raise InstrumentError(
            f"{where}: role '{key}' must be a name or a list of names such as [a, b]."
        )
    dup = next((x for x in names if names.count(x) > 1), None)
    if dup is not None:
        raise InstrumentError(f"{where}: role '{key}' lists '{dup}' twice.")
    return tuple(names)


def parse_roles(spec: Any, instrument: Instrument | None = None, where: str = "roles") -> Roles:
    """Validate a ``roles:`` mapping and return :class:`Roles`.

    Parameters
    ----------
    spec : mapping
        The ``roles:`` section (see ``surveys/README.md``).
    instrument : Instrument, optional
        Names are checked against its scales, items and metadata columns when given.
    where : str
        The file (and place in it) that error sentences start with.

    Returns
    -------
    Roles

    Raises
    ------
    InstrumentError
        One sentence naming ``where`` and the fault: an unknown role (with a suggestion),
        an unknown scale, item or column, a recommendation item not on 0..10, a segment
        that is not a categorical column, an IDIC task other than the four, a scale that
        is both a driver and an outcome.

    Examples
    --------
    >>> parse_roles({"satisfaction": "sat", "idic": {"contact": "interact"}}).idic
    {'contact': 'interact'}
    """
    if spec is None:
        return Roles()
    if not isinstance(spec, Mapping):
        raise InstrumentError(f"{where}: 'roles' must be a mapping such as {{satisfaction: sat}}.")
    for key in spec:
        if str(key) not in ROLE_KEYS:
            raise InstrumentError(
                f"{where}: unknown role '{key}'{_suggest(str(key), list(ROLE_KEYS))}; "
                f"the roles are {', '.join(ROLE_KEYS)}."
            )
    scale_ids = instrument.scale_ids if instrument is not None else None
    kinds = {sc.id: sc.kind for sc in instrument.scales} if instrument is not None else {}

    def check_scale(key: str, sid: str) -> None:
        if scale_ids is None:
            return
        if sid not in scale_ids:
            raise InstrumentError(
                f"{where}: role '{key}' names unknown scale '{sid}'{_suggest(sid, scale_ids)}."
            )
        if kinds.get(sid) == "nps":
            raise InstrumentError(
                f"{where}: role '{key}' names scale '{sid}', a 0-10 recommendation scale; "
                "name its item under 'recommendation' instead."
            )

    values: dict[str, Any] = {}
    for key in ROLE_SCALE_LISTS:
        names = _names(spec.get(key), key, where)
        for sid in names:
            check_scale(key, sid)
        values[key] = names
    for outcome in ("satisfaction", "loyalty"):
        both = [s for s in values["drivers"] if s in values[outcome]]
        if both:
            raise InstrumentError(
                f"{where}: scale '{both[0]}' is both a driver and a {outcome} scale; a scale "
                "cannot explain itself."
            )
    both = [s for s in values["satisfaction"] if s in values["loyalty"]]
    if both:
        raise InstrumentError(
            f"{where}: scale '{both[0]}' is both a satisfaction and a loyalty scale; "
            "satisfaction is not loyalty (Jones & Sasser 1995)."
        )

    rec = spec.get("recommendation")
    if rec is not None:
        if isinstance(rec, (list, dict, bool)):
            raise InstrumentError(f"{where}: role 'recommendation' must name one item.")
        rec = str(rec)
        if instrument is not None:
            if rec not in instrument.item_ids:
                raise InstrumentError(
                    f"{where}: role 'recommendation' names unknown item '{rec}'"
                    f"{_suggest(rec, instrument.item_ids)}."
                )
            rs = instrument.item(rec).response_scale
            if (rs.min, rs.max) != RECOMMENDATION_RANGE:
                raise InstrumentError(
                    f"{where}: role 'recommendation' names item '{rec}', answered on "
                    f"{rs.min}..{rs.max}, not on {RECOMMENDATION_RANGE[0]}..{RECOMMENDATION_RANGE[1]}."
                )
    values["recommendation"] = rec

    segments = _names(spec.get("segments"), "segments", where)
    region = spec.get("region")
    if region is not None and (isinstance(region, (list, dict, bool))):
        raise InstrumentError(f"{where}: role 'region' must name one metadata column.")
    region = None if region is None else str(region)
    if instrument is not None:
        meta_ids = [m.id for m in instrument.metadata]
        for key, col in [("segments", c) for c in segments] + [("region", region)]:
            if col is None:
                continue
            if col not in meta_ids:
                raise InstrumentError(
                    f"{where}: role '{key}' names unknown metadata column '{col}'"
                    f"{_suggest(col, meta_ids)}."
                )
            mtype = instrument.meta(col).type
            if mtype != "categorical":
                raise InstrumentError(
                    f"{where}: role '{key}' names column '{col}' of type {mtype}; "
                    f"{'segments' if key == 'segments' else 'a region'} must be categorical."
                )
    values["region"] = region
    values["segments"] = segments

    for key in ("idic", "mirrors"):
        raw = spec.get(key)
        if raw is None:
            values[key] = {}
            continue
        if not isinstance(raw, Mapping):
            example = "{service: interact}" if key == "idic" else "{own_scale: other_scale}"
            raise InstrumentError(f"{where}: role '{key}' must be a mapping such as {example}.")
        pairs: dict[str, str] = {}
        for sid, target in raw.items():
            sid = str(sid)
            if not isinstance(target, (str, int)) or isinstance(target, bool):
                raise InstrumentError(
                    f"{where}: role '{key}' maps scale '{sid}' to {target!r}, not to one name."
                )
            target = str(target)
            check_scale(key, sid)
            if key == "idic" and target not in IDIC_TASKS:
                raise InstrumentError(
                    f"{where}: role 'idic' gives scale '{sid}' the task '{target}'"
                    f"{_suggest(target, list(IDIC_TASKS))}, not one of {', '.join(IDIC_TASKS)}."
                )
            pairs[sid] = target
        if key == "mirrors":
            targets = list(pairs.values())
            dup = next((t for t in targets if targets.count(t) > 1), None)
            if dup is not None:
                raise InstrumentError(
                    f"{where}: role 'mirrors' pairs two scales with the same scale '{dup}'."
                )
        values[key] = pairs
    return Roles(**values)
