"""Stage 1 of the flow: survey instruments as data (``surveys/*.yaml``).

An instrument names its items, their response scales (with point labels in Chinese and
English), declared missing codes, scales (groups of items), background/metadata columns
and an optional mapping from export headers to item ids.  The schema is documented in
``surveys/README.md``.  :func:`load_instrument` validates the file and fails with one
sentence naming the file and the fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from crm_research.errors import InputError, InstrumentError
from crm_research.roles import Roles, parse_roles

#: Folder holding the shipped instruments (``surveys/`` at the project root).
SURVEYS_DIR = Path(__file__).resolve().parent.parent / "surveys"


def shipped_instruments() -> list[str]:
    """Names of the instruments under ``surveys/`` (study templates ``*_study.yaml`` excluded).

    Examples
    --------
    >>> "d_company_customer" in shipped_instruments()
    True
    """
    return sorted(x.stem for x in SURVEYS_DIR.glob("*.yaml") if not x.stem.endswith("_study"))


META_TYPES = ("categorical", "numeric", "datetime", "duration", "pii", "id", "text")
LANGS = ("zh", "en")
#: Scale kinds: ``mean`` (Likert items averaged) or ``nps`` (one 0-10 recommendation item).
SCALE_KINDS = ("mean", "nps")
#: The Net Promoter item is asked on 0..10 (Reichheld 2003, Harvard Business Review 81(12)).
NPS_RANGE = (0, 10)

#: Keys allowed at each level of an instrument file; anything else is a typo and is refused.
TOP_KEYS = frozenset(
    {
        "id",
        "title",
        "description",
        "version",
        "source",
        "response_scales",
        "response_scale",
        "default_response_scale",
        "missing_codes",
        "facets",
        "items",
        "scales",
        "metadata",
        "columns",
        "roles",
    }
)
ITEM_KEYS = frozenset({"id", "text", "response_scale", "reverse", "scale", "facets"})
SCALE_KEYS = frozenset({"id", "name", "items", "min_items", "kind", "facets"})
META_KEYS = frozenset({"id", "type", "label", "levels", "aliases"})



@dataclass(frozen=True)
class ResponseScale:
    """Allowed codes ``min..max`` (integers) with optional point labels per language."""

    id: str
    min: int
    max: int
    labels: dict[int, dict[str, str]] = field(default_factory=dict)

    @property
    def n_points(self) -> int:
        return self.max - self.min + 1

    def label(self, code: int, lang: str = "en") -> str:
        return self.labels.get(int(code), {}).get(lang, str(code))


@dataclass(frozen=True)
class Level:
    """One level of a categorical metadata column or of a facet, with zh/en labels."""

    id: str
    label: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Facet:
    """A named classification of items and scales (e.g. implementation ``phase``)."""

    id: str
    name: dict[str, str]
    levels: tuple[Level, ...]

    @property
    def level_ids(self) -> list[str]:
        return [lv.id for lv in self.levels]

    def label(self, level: str, lang: str = "en") -> str:
        for lv in self.levels:
            if lv.id == level:
                return lv.label.get(lang, level)
        raise KeyError(level)


@dataclass(frozen=True)
class Item:
    id: str
    text: dict[str, str]
    response_scale: ResponseScale
    reverse: bool = False
    #: The scale the item belongs to; filled in by the loader when exactly one scale lists it.
    scale: str | None = None
    #: facet id -> level id (e.g. ``{"phase": "before", "category": "strategy"}``)
    facets: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scale:
    id: str
    name: dict[str, str]
    items: tuple[str, ...]
    #: Minimum answered items for a scale score; ``None`` means at least half (DESIGN/issue 2).
    min_items: int | None = None
    kind: str = "mean"  # "mean" (Likert scales) or "nps"
    facets: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MetaColumn:
    id: str
    type: str
    label: dict[str, str] = field(default_factory=dict)
    levels: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    #: level id -> {"zh": ..., "en": ...} for categorical columns whose levels carry labels
    level_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    #: level id -> other spellings found in exports (e.g. ``"石家庄市"``)
    level_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def level_label(self, level: str, lang: str = "en") -> str:
        """Label of ``level`` in ``lang`` (the level id when no label is declared)."""
        return self.level_labels.get(level, {}).get(lang, level)

    def level_for(self, value: Any) -> str | None:
        """The level id a raw export value stands for, or ``None`` when it matches none.

        Matches the level id, its zh/en labels and its aliases, ignoring case and
        surrounding white space.
        """
        if value is None:
            return None
        key = str(value).strip().casefold()
        for lv in self.levels:
            spellings = [
                lv,
                *self.level_labels.get(lv, {}).values(),
                *self.level_aliases.get(lv, ()),
            ]
            if any(key == str(x).strip().casefold() for x in spellings):
                return lv
        return None


@dataclass(frozen=True)
class Instrument:
    id: str
    title: dict[str, str]
    items: tuple[Item, ...]
    scales: tuple[Scale, ...]
    metadata: tuple[MetaColumn, ...] = ()
    missing_codes: tuple[float, ...] = ()
    #: export header (exact text) -> item id or metadata id
    column_map: dict[str, str] = field(default_factory=dict)
    response_scales: dict[str, ResponseScale] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    source: Path | None = None
    #: facet id -> Facet (optional classification of items/scales, e.g. phase, category)
    facets: dict[str, Facet] = field(default_factory=dict)
    #: What the scales, items and columns stand for (the ``roles:`` section)
    roles: Roles = field(default_factory=Roles)

    @property
    def item_ids(self) -> list[str]:
        return [it.id for it in self.items]

    @property
    def scale_ids(self) -> list[str]:
        return [sc.id for sc in self.scales]

    def meta(self, column_id: str) -> MetaColumn:
        for m in self.metadata:
            if m.id == column_id:
                return m
        raise KeyError(column_id)

    def items_where(self, **facet_levels: str) -> list[str]:
        """Item ids whose facets match every ``facet=level`` given, in instrument order."""
        return [
            it.id
            for it in self.items
            if all(it.facets.get(f) == lv for f, lv in facet_levels.items())
        ]

    def scales_where(self, **facet_levels: str) -> list[str]:
        """Scale ids whose facets match every ``facet=level`` given, in instrument order."""
        return [
            sc.id
            for sc in self.scales
            if all(sc.facets.get(f) == lv for f, lv in facet_levels.items())
        ]

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def scale(self, scale_id: str) -> Scale:
        for sc in self.scales:
            if sc.id == scale_id:
                return sc
        raise KeyError(scale_id)

    def scale_items(self, scale_id: str) -> list[str]:
        return list(self.scale(scale_id).items)

    def with_roles(self, mapping: Mapping[str, Any] | None, where: str | None = None) -> Instrument:
        """This instrument with its roles overridden by ``mapping`` (checked against it).

        Examples
        --------
        >>> inst = load_instrument("d_company_customer")
        >>> inst.with_roles({"segments": ["city"]}).roles.segments
        ('city',)
        """
        if not mapping:
            return self
        label = where or f"{self.source or self.id} (roles override)"
        return replace(self, roles=self.roles.with_overrides(mapping, self, label))

    @property
    def pii_columns(self) -> list[str]:
        return [m.id for m in self.metadata if m.type == "pii"]

    def __repr__(self) -> str:
        return (
            f"Instrument({self.id!r}: {len(self.items)} items, {len(self.scales)} scales, "
            f"{len(self.metadata)} metadata columns)"
        )


def _integer(value: Any) -> int:
    """``value`` as an int when it is a whole number (``5``, ``5.0``, ``"5"``), else ValueError."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        return int(value)
    return int(value)


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key written twice in one mapping.

    Plain PyYAML keeps the last of two equal keys, so a copy-pasted ``min_items:`` or
    ``id:`` would silently replace the first one.
    """


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:  # an unhashable key: the constructor below reports it
            continue
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def read_yaml(path: Path, error: type[InputError] = InstrumentError) -> Any:
    """Parse a UTF-8 YAML file safely, refusing a key written twice in one mapping.

    Parameters
    ----------
    path : Path
        The file (instrument or study file).
    error : type
        The :class:`InputError` subclass raised, with one sentence naming the file.

    Returns
    -------
    The parsed document (mapping, list or scalar).
    """
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = str(getattr(exc, "problem", "") or "")
        if problem.startswith("duplicate key "):
            key = problem[len("duplicate key ") :]
            raise error(f"{path}: the key {key} is written twice in one mapping{where}.") from None
        raise error(f"{path}: not valid YAML{where}.") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not a UTF-8 text file.") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or type(exc).__name__}).") from None


def _text(value: Any, where: str, path: Path) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {"zh": value, "en": value}
    if not isinstance(value, dict):
        raise InstrumentError(f"{path}: {where} must be a text or a mapping with zh/en keys.")
    return {str(k): str(v) for k, v in value.items()}


def _response_scale(sid: str, spec: Any, path: Path) -> ResponseScale:
    if not isinstance(spec, dict) or "min" not in spec or "max" not in spec:
        raise InstrumentError(f"{path}: response scale '{sid}' needs integer 'min' and 'max'.")
    try:
        lo, hi = _integer(spec["min"]), _integer(spec["max"])
    except (TypeError, ValueError, OverflowError):
        raise InstrumentError(
            f"{path}: response scale '{sid}' has a non-integer min or max."
        ) from None
    if lo >= hi:
        raise InstrumentError(
            f"{path}: response scale '{sid}' has min {lo} not below max {hi}."
        )
    labels: dict[int, dict[str, str]] = {}
    if not isinstance(spec.get("labels") or {}, dict):
        raise InstrumentError(
            f"{path}: labels of response scale '{sid}' must be a mapping of code to text."
        )
    for code, lab in (spec.get("labels") or {}).items():
        try:
            c = _integer(code)
        except (TypeError, ValueError):
            raise InstrumentError(
                f"{path}: response scale '{sid}' has a label for non-integer code {code!r}."
            ) from None
        if not lo <= c <= hi:
            raise InstrumentError(
                f"{path}: response scale '{sid}' labels code {c}, outside its range {lo}..{hi}."
            )
        labels[c] = _text(lab, f"label {c} of response scale '{sid}'", path)
    return ResponseScale(sid, lo, hi, labels)


def _check_keys(spec: dict[str, Any], allowed: frozenset[str], where: str, path: Path) -> None:
    unknown = sorted(str(k) for k in spec if k not in allowed)
    if unknown:
        raise InstrumentError(
            f"{path}: {where} has unknown field '{unknown[0]}' (allowed: {', '.join(sorted(allowed))})."
        )


def _levels(spec: Any, where: str, path: Path) -> tuple[Level, ...]:
    """Levels given as plain ids or as ``{id, label: {zh, en}, aliases}`` mappings."""
    if spec is None:
        return ()
    if not isinstance(spec, list):
        raise InstrumentError(f"{path}: levels of {where} must be a list.")
    levels: list[Level] = []
    for lv in spec:
        if isinstance(lv, dict):
            if "id" not in lv:
                raise InstrumentError(f"{path}: a level of {where} has no 'id'.")
            _check_keys(lv, frozenset({"id", "label", "aliases"}), f"level of {where}", path)
            lid = str(lv["id"])
            levels.append(
                Level(
                    id=lid,
                    label=_text(lv.get("label", lid), f"label of level '{lid}' of {where}", path),
                    aliases=tuple(str(x) for x in lv.get("aliases") or ()),
                )
            )
        else:
            levels.append(Level(id=str(lv)))
    ids = [lv.id for lv in levels]
    dup = next((x for x in ids if ids.count(x) > 1), None)
    if dup is not None:
        raise InstrumentError(f"{path}: {where} lists level '{dup}' twice.")
    return tuple(levels)


def _facet_refs(spec: Any, facets: dict[str, Facet], where: str, path: Path) -> dict[str, str]:
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise InstrumentError(f"{path}: facets of {where} must be a mapping facet: level.")
    refs: dict[str, str] = {}
    for fid, level in spec.items():
        fid, level = str(fid), str(level)
        if fid not in facets:
            raise InstrumentError(f"{path}: {where} uses facet '{fid}', which is not defined.")
        if level not in facets[fid].level_ids:
            raise InstrumentError(
                f"{path}: {where} uses level '{level}' of facet '{fid}', which is not one of "
                f"{', '.join(facets[fid].level_ids)}."
            )
        refs[fid] = level
    return refs


def resolve_instrument_path(name_or_path: str | Path) -> Path:
    """The YAML file of an instrument name under ``surveys/``, or the given path itself.

    Raises
    ------
    InstrumentError
        For a directory, or a name that is neither a file nor a shipped instrument.
    """
    p = Path(name_or_path)
    if str(name_or_path).strip() and p.is_dir():
        raise InstrumentError(f"{p}: is a directory, not an instrument YAML file.")
    if str(name_or_path).strip() and (p.suffix in (".yaml", ".yml") or p.exists()):
        return p
    for ext in (".yaml", ".yml"):
        cand = SURVEYS_DIR / f"{name_or_path}{ext}"
        if cand.exists():
            return cand
    known = shipped_instruments()  # a study template is not an instrument
    raise InstrumentError(
        f"No instrument named '{name_or_path}': give a path to a YAML file or one of "
        f"{', '.join(known) or '(none shipped)'}."
    )


def load_instrument(name_or_path: str | Path) -> Instrument:
    """Load and validate a survey instrument.

    Parameters
    ----------
    name_or_path : str or Path
        A name under ``surveys/`` (e.g. ``"d_company_customer"``) or a path to a YAML file.

    Returns
    -------
    Instrument
        Frozen description of items, response scales, scales and metadata columns.

    Raises
    ------
    InstrumentError
        With one sentence naming the file and the fault (unknown item in a scale,
        duplicate ids, bad ranges, missing fields).

    Examples
    --------
    >>> inst = load_instrument("d_company_customer")
    >>> list(inst.scale_items("interaction")[:2])
    ['int1', 'int2']
    """
    if isinstance(name_or_path, Instrument):
        return name_or_path
    path = resolve_instrument_path(name_or_path)
    if not path.exists():
        raise InstrumentError(f"{path}: instrument file does not exist.")
    spec = read_yaml(path)
    try:
        return _build(spec, path)
    except InstrumentError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        # a field of an unexpected type that no check above names (never a traceback)
        raise InstrumentError(
            f"{path}: a field has a value of the wrong kind ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:120]}); see surveys/README.md for the schema."
        ) from None


def _build(spec: Any, path: Path) -> Instrument:
    """The :class:`Instrument` of a parsed YAML document (validated, one sentence per fault)."""
    if not isinstance(spec, dict):
        raise InstrumentError(f"{path}: an instrument must be a YAML mapping.")
    for key in ("id", "items"):
        if key not in spec:
            raise InstrumentError(f"{path}: required field '{key}' is missing.")
    _check_keys(spec, TOP_KEYS, "the instrument", path)

    facets: dict[str, Facet] = {}
    facets_spec = spec.get("facets") or {}
    if not isinstance(facets_spec, dict):
        raise InstrumentError(f"{path}: 'facets' must be a mapping of facet id to its definition.")
    for fid, fspec in facets_spec.items():
        fid = str(fid)
        if not isinstance(fspec, dict) or not fspec.get("levels"):
            raise InstrumentError(f"{path}: facet '{fid}' needs a list of 'levels'.")
        _check_keys(fspec, frozenset({"name", "levels"}), f"facet '{fid}'", path)
        facets[fid] = Facet(
            id=fid,
            name=_text(fspec.get("name", fid), f"name of facet '{fid}'", path),
            levels=_levels(fspec["levels"], f"facet '{fid}'", path),
        )

    # Response scales: a named mapping, or a single default `response_scale`.
    if not isinstance(spec.get("response_scales") or {}, dict):
        raise InstrumentError(
            f"{path}: 'response_scales' must be a mapping of response scale id to its definition."
        )
    scales_spec: dict[str, Any] = dict(spec.get("response_scales") or {})
    if "response_scale" in spec:
        scales_spec.setdefault("default", spec["response_scale"])
    response_scales = {sid: _response_scale(sid, s, path) for sid, s in scales_spec.items()}
    default_rs = spec.get("default_response_scale", "default")

    items: list[Item] = []
    seen: set[str] = set()
    if not isinstance(spec["items"], list) or not spec["items"]:
        raise InstrumentError(f"{path}: 'items' must be a non-empty list.")
    for n, it in enumerate(spec["items"], start=1):
        if not isinstance(it, dict) or "id" not in it or not str(it["id"] or "").strip():
            raise InstrumentError(f"{path}: item number {n} has no 'id'.")
        iid = str(it["id"])
        if not isinstance(it.get("reverse", False), bool):
            raise InstrumentError(
                f"{path}: item '{iid}' has reverse {it['reverse']!r}, not true or false."
            )
        _check_keys(it, ITEM_KEYS, f"item '{iid}'", path)
        if iid in seen:
            raise InstrumentError(f"{path}: duplicate item id '{iid}'.")
        seen.add(iid)
        rs_id = str(it.get("response_scale", default_rs))
        if isinstance(it.get("response_scale"), dict):
            rs = _response_scale(f"{iid}", it["response_scale"], path)
        elif rs_id in response_scales:
            rs = response_scales[rs_id]
        else:
            raise InstrumentError(
                f"{path}: item '{iid}' uses response scale '{rs_id}', which is not defined."
            )
        items.append(
            Item(
                id=iid,
                text=_text(it.get("text"), f"text of item '{iid}'", path),
                response_scale=rs,
                reverse=bool(it.get("reverse", False)),
                scale=None if it.get("scale") is None else str(it["scale"]),
                facets=_facet_refs(it.get("facets"), facets, f"item '{iid}'", path),
            )
        )

    scales: list[Scale] = []
    scale_ids: set[str] = set()
    for key in ("scales", "metadata"):
        if not isinstance(spec.get(key) or [], list):
            raise InstrumentError(f"{path}: '{key}' must be a list.")
    for key in ("columns",):
        if not isinstance(spec.get(key) or {}, dict):
            raise InstrumentError(f"{path}: '{key}' must be a mapping of export header to id.")
    for sc in spec.get("scales") or []:
        if not isinstance(sc, dict) or "id" not in sc:
            raise InstrumentError(f"{path}: a scale has no 'id'.")
        sid = str(sc["id"])
        _check_keys(sc, SCALE_KEYS, f"scale '{sid}'", path)
        if sid in scale_ids:
            raise InstrumentError(f"{path}: duplicate scale id '{sid}'.")
        scale_ids.add(sid)
        if not isinstance(sc.get("items") or [], list):
            raise InstrumentError(f"{path}: scale '{sid}' must list its items as a list such as [a1, a2].")
        sitems = [str(x) for x in sc.get("items") or []]
        # A single-item scale may share its item's id (e.g. the NPS item and its scale);
        # otherwise a scale score would be mistaken for an item.
        if sid in seen and sitems != [sid]:
            raise InstrumentError(f"{path}: scale id '{sid}' is also an item id.")
        if not sitems:
            raise InstrumentError(f"{path}: scale '{sid}' lists no items.")
        for x in sitems:
            if x not in seen:
                raise InstrumentError(f"{path}: scale '{sid}' lists unknown item '{x}'.")
        if len(set(sitems)) != len(sitems):
            raise InstrumentError(f"{path}: scale '{sid}' lists an item twice.")
        min_items = sc.get("min_items")
        if min_items is not None:
            try:
                min_items = _integer(min_items)
            except (TypeError, ValueError, OverflowError):
                raise InstrumentError(
                    f"{path}: scale '{sid}' has min_items {min_items!r}, not a whole number."
                ) from None
        if min_items is not None and not 1 <= min_items <= len(sitems):
            raise InstrumentError(
                f"{path}: scale '{sid}' has min_items {min_items}, outside 1..{len(sitems)}."
            )
        kind = str(sc.get("kind", "mean"))
        if kind not in SCALE_KINDS:
            raise InstrumentError(
                f"{path}: scale '{sid}' has kind '{kind}', not one of {', '.join(SCALE_KINDS)}."
            )
        if kind == "nps":
            rs = next(x for x in items if x.id == sitems[0]).response_scale
            if len(sitems) != 1 or (rs.min, rs.max) != NPS_RANGE:
                raise InstrumentError(
                    f"{path}: scale '{sid}' of kind nps needs exactly one item on a "
                    f"{NPS_RANGE[0]}..{NPS_RANGE[1]} response scale."
                )
        scales.append(
            Scale(
                id=sid,
                name=_text(sc.get("name", sid), f"name of scale '{sid}'", path),
                items=tuple(sitems),
                min_items=None if min_items is None else int(min_items),
                kind=kind,
                facets=_facet_refs(sc.get("facets"), facets, f"scale '{sid}'", path),
            )
        )

    # Each item learns its scale: declared ones must agree with the scales' item lists,
    # undeclared ones get the single scale listing them.
    for n, it in enumerate(items):
        holders = [sc.id for sc in scales if it.id in sc.items]
        if it.scale is not None:
            if it.scale not in holders:
                raise InstrumentError(
                    f"{path}: item '{it.id}' names scale '{it.scale}', which does not list it."
                )
        elif len(holders) == 1:
            items[n] = replace(it, scale=holders[0])

    metadata: list[MetaColumn] = []
    for m in spec.get("metadata") or []:
        if not isinstance(m, dict) or "id" not in m:
            raise InstrumentError(f"{path}: a metadata column has no 'id'.")
        mid = str(m["id"])
        _check_keys(m, META_KEYS, f"metadata column '{mid}'", path)
        if any(x.id == mid for x in metadata):
            raise InstrumentError(f"{path}: duplicate metadata id '{mid}'.")
        mtype = str(m.get("type", "categorical"))
        if mtype not in META_TYPES:
            raise InstrumentError(
                f"{path}: metadata column '{mid}' has type '{mtype}', not one of {', '.join(META_TYPES)}."
            )
        if mid in seen:
            raise InstrumentError(f"{path}: metadata id '{mid}' is also an item id.")
        levels = _levels(m.get("levels"), f"metadata column '{mid}'", path)
        metadata.append(
            MetaColumn(
                id=mid,
                type=mtype,
                label=_text(m.get("label", mid), f"label of metadata column '{mid}'", path),
                levels=tuple(lv.id for lv in levels),
                aliases=tuple(str(x) for x in m.get("aliases") or ()),
                level_labels={lv.id: lv.label for lv in levels if lv.label},
                level_aliases={lv.id: lv.aliases for lv in levels if lv.aliases},
            )
        )

    missing = []
    if not isinstance(spec.get("missing_codes") or [], list):
        raise InstrumentError(
            f"{path}: 'missing_codes' must be a list of numbers such as [-99, 999]."
        )
    for code in spec.get("missing_codes") or []:
        try:
            missing.append(float(code))
        except (TypeError, ValueError):
            raise InstrumentError(f"{path}: missing code {code!r} is not a number.") from None
    for code in missing:
        clash = next(
            (it for it in items if it.response_scale.min <= code <= it.response_scale.max), None
        )
        if clash is not None:
            raise InstrumentError(
                f"{path}: missing code {code:g} lies inside the response range "
                f"{clash.response_scale.min}..{clash.response_scale.max} of item '{clash.id}'."
            )

    column_map = {str(k): str(v) for k, v in (spec.get("columns") or {}).items()}
    known_targets = seen | {m.id for m in metadata}
    for header, target in column_map.items():
        if target not in known_targets:
            raise InstrumentError(
                f"{path}: column mapping '{header}' points to unknown item or column '{target}'."
            )

    inst = Instrument(
        id=str(spec["id"]),
        title=_text(spec.get("title", spec["id"]), "title", path),
        items=tuple(items),
        scales=tuple(scales),
        metadata=tuple(metadata),
        missing_codes=tuple(missing),
        column_map=column_map,
        response_scales=response_scales,
        description=_text(spec.get("description"), "description", path),
        source=path,
        facets=facets,
    )
    if spec.get("roles") is None:
        return inst
    return replace(inst, roles=parse_roles(spec["roles"], inst, str(path)))
