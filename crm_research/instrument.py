"""Stage 1 of the flow: survey instruments as data (``surveys/*.yaml``).

An instrument names its items, their response scales (with point labels in Chinese and
English), declared missing codes, scales (groups of items), background/metadata columns
and an optional mapping from export headers to item ids.  The schema is documented in
``surveys/README.md``.  :func:`load_instrument` validates the file and fails with one
sentence naming the file and the fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crm_research.errors import InstrumentError

#: Folder holding the shipped instruments (``surveys/`` at the project root).
SURVEYS_DIR = Path(__file__).resolve().parent.parent / "surveys"

META_TYPES = ("categorical", "numeric", "datetime", "duration", "pii", "id", "text")
LANGS = ("zh", "en")


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
class Item:
    id: str
    text: dict[str, str]
    response_scale: ResponseScale
    reverse: bool = False
    scale: str | None = None


@dataclass(frozen=True)
class Scale:
    id: str
    name: dict[str, str]
    items: tuple[str, ...]
    #: Minimum answered items for a scale score; ``None`` means at least half (DESIGN/issue 2).
    min_items: int | None = None
    kind: str = "mean"  # "mean" (Likert scales) or "nps"


@dataclass(frozen=True)
class MetaColumn:
    id: str
    type: str
    label: dict[str, str] = field(default_factory=dict)
    levels: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


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

    @property
    def item_ids(self) -> list[str]:
        return [it.id for it in self.items]

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

    @property
    def pii_columns(self) -> list[str]:
        return [m.id for m in self.metadata if m.type == "pii"]

    def __repr__(self) -> str:
        return (
            f"Instrument({self.id!r}: {len(self.items)} items, {len(self.scales)} scales, "
            f"{len(self.metadata)} metadata columns)"
        )


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
        lo, hi = int(spec["min"]), int(spec["max"])
    except (TypeError, ValueError):
        raise InstrumentError(
            f"{path}: response scale '{sid}' has a non-integer min or max."
        ) from None
    if lo >= hi:
        raise InstrumentError(
            f"{path}: response scale '{sid}' has min {lo} not below max {hi}."
        )
    labels: dict[int, dict[str, str]] = {}
    for code, lab in (spec.get("labels") or {}).items():
        try:
            c = int(code)
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


def _resolve_path(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        return p
    for ext in (".yaml", ".yml"):
        cand = SURVEYS_DIR / f"{name_or_path}{ext}"
        if cand.exists():
            return cand
    known = sorted(x.stem for x in SURVEYS_DIR.glob("*.yaml"))
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
    >>> inst.scale_items("interaction")[:2]  # doctest: +SKIP
    ['int1', 'int2']
    """
    if isinstance(name_or_path, Instrument):
        return name_or_path
    path = _resolve_path(name_or_path)
    if not path.exists():
        raise InstrumentError(f"{path}: instrument file does not exist.")
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise InstrumentError(f"{path}: not valid YAML{where}.") from None
    except UnicodeDecodeError:
        raise InstrumentError(f"{path}: not a UTF-8 text file.") from None
    if not isinstance(spec, dict):
        raise InstrumentError(f"{path}: an instrument must be a YAML mapping.")
    for key in ("id", "items"):
        if key not in spec:
            raise InstrumentError(f"{path}: required field '{key}' is missing.")

    # Response scales: a named mapping, or a single default `response_scale`.
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
        if not isinstance(it, dict) or "id" not in it:
            raise InstrumentError(f"{path}: item number {n} has no 'id'.")
        iid = str(it["id"])
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
                scale=it.get("scale"),
            )
        )

    scales: list[Scale] = []
    scale_ids: set[str] = set()
    for sc in spec.get("scales") or []:
        if not isinstance(sc, dict) or "id" not in sc:
            raise InstrumentError(f"{path}: a scale has no 'id'.")
        sid = str(sc["id"])
        if sid in scale_ids:
            raise InstrumentError(f"{path}: duplicate scale id '{sid}'.")
        if sid in seen:
            raise InstrumentError(f"{path}: scale id '{sid}' is also an item id.")
        scale_ids.add(sid)
        sitems = [str(x) for x in sc.get("items") or []]
        if not sitems:
            raise InstrumentError(f"{path}: scale '{sid}' lists no items.")
        for x in sitems:
            if x not in seen:
                raise InstrumentError(f"{path}: scale '{sid}' lists unknown item '{x}'.")
        if len(set(sitems)) != len(sitems):
            raise InstrumentError(f"{path}: scale '{sid}' lists an item twice.")
        min_items = sc.get("min_items")
        if min_items is not None and not 1 <= int(min_items) <= len(sitems):
            raise InstrumentError(
                f"{path}: scale '{sid}' has min_items {min_items}, outside 1..{len(sitems)}."
            )
        scales.append(
            Scale(
                id=sid,
                name=_text(sc.get("name", sid), f"name of scale '{sid}'", path),
                items=tuple(sitems),
                min_items=None if min_items is None else int(min_items),
                kind=str(sc.get("kind", "mean")),
            )
        )

    metadata: list[MetaColumn] = []
    for m in spec.get("metadata") or []:
        if not isinstance(m, dict) or "id" not in m:
            raise InstrumentError(f"{path}: a metadata column has no 'id'.")
        mid = str(m["id"])
        mtype = str(m.get("type", "categorical"))
        if mtype not in META_TYPES:
            raise InstrumentError(
                f"{path}: metadata column '{mid}' has type '{mtype}', not one of {', '.join(META_TYPES)}."
            )
        if mid in seen:
            raise InstrumentError(f"{path}: metadata id '{mid}' is also an item id.")
        metadata.append(
            MetaColumn(
                id=mid,
                type=mtype,
                label=_text(m.get("label", mid), f"label of metadata column '{mid}'", path),
                levels=tuple(str(x) for x in m.get("levels") or ()),
                aliases=tuple(str(x) for x in m.get("aliases") or ()),
            )
        )

    missing = []
    for code in spec.get("missing_codes") or []:
        try:
            missing.append(float(code))
        except (TypeError, ValueError):
            raise InstrumentError(f"{path}: missing code {code!r} is not a number.") from None

    column_map = {str(k): str(v) for k, v in (spec.get("columns") or {}).items()}
    known_targets = seen | {m.id for m in metadata}
    for header, target in column_map.items():
        if target not in known_targets:
            raise InstrumentError(
                f"{path}: column mapping '{header}' points to unknown item or column '{target}'."
            )

    return Instrument(
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
    )
