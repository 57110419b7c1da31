"""What a notebook works with: :func:`open_study` and the :class:`ReportContext` it returns.

Every method only looks things up (the study's tables, its reasons for absent tables, the
findings) and formats them (:mod:`crm_research.report.display`); nothing here computes a
statistic.  A notebook guards a section with :meth:`ReportContext.has` (or
:meth:`FactorAnalyses.ran`) and shows :meth:`ReportContext.left_out` (or
:meth:`FactorAnalyses.note`) otherwise: one sentence in the report language naming why.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from crm_research.cases.d_company import SIMULATED_REPORT_NOTE
from crm_research.errors import InputError
from crm_research.findings.plan import plan_frame
from crm_research.instrument import load_instrument
from crm_research.report.base import DEFAULT_SEED, WORK_DIR_NAME
from crm_research.report.cache import StudyBundle, prepare_study
from crm_research.report.display import (
    COUNT_EVIDENCE,
    FIT_UPPER_LIMITS,
    NOTHING,
    SEVERITY_ORDER,
    HtmlBlock,
    NothingToShow,
    Prose,
    SimulatedNote,
    display_frame,
    format_p,
    headline,
    html_table,
    left_out_note,
    prose,
    quality_log_frame,
    short_citation,
    shorten,
    without_label,
)
from crm_research.report.model_sections import ModelSections
from crm_research.report.text import (
    COLUMN_LABELS,
    EVIDENCE_LABELS,
    EVIDENCE_SUFFIXES,
    FINDING_TEXT,
    FRAMEWORK_LABELS,
    ID_LABELS,
    check_lang,
    report_text,
)
from crm_research.study import absent_table
from crm_research.study.psychometrics import FACTOR_STEPS as PSYCHOMETRIC_STEPS
from crm_research.study.psychometrics import SALIENT_LOADING

__all__ = ["FACTOR_SECTIONS", "FactorAnalyses", "ReportContext", "open_study"]

#: Steps of the factor analyses (:data:`crm_research.study.psychometrics.FACTOR_STEPS`), in
#: report order, with their prose section.
FACTOR_SECTIONS = {
    "adequacy": "rv.adequacy",
    "parallel": "rv.parallel",
    "efa": "rv.efa",
    "cfa": "rv.cfa",
}
FACTOR_STEPS = FACTOR_SECTIONS  # the name notebooks and tests used before the study made the tables


@dataclass(frozen=True, eq=False)
class FactorAnalyses:
    """Which factor analyses of a questionnaire the study made, and for each step left out, why.

    Made by :meth:`ReportContext.factor_analyses`; the numbers are the study's tables
    (``customer_kmo`` ... ``customer_cfa_fornell_larcker``, see
    :mod:`crm_research.study.psychometrics`), the reasons the study's sentences.

    Attributes
    ----------
    survey : str
        ``"customer"``.
    lang : str
        Language of the reasons.
    reasons : dict
        Step (:data:`FACTOR_SECTIONS`) -> why it is left out.
    """

    survey: str
    lang: str
    reasons: dict[str, str] = field(default_factory=dict)

    def ran(self, step: str) -> bool:
        """Whether ``step`` (``adequacy``, ``parallel``, ``efa``, ``cfa``) has its tables."""
        if step not in FACTOR_SECTIONS:
            raise InputError(
                f"Unknown factor-analysis step '{step}': use {', '.join(FACTOR_SECTIONS)}."
            )
        return step not in self.reasons

    def table(self, step: str, suffix: str) -> str:
        """The name of a table of ``step``, e.g. ``table("cfa", "fit")`` -> ``customer_cfa_fit``."""
        name = f"{self.survey}_{suffix}"
        if step not in PSYCHOMETRIC_STEPS or suffix not in PSYCHOMETRIC_STEPS[step]:
            raise InputError(f"The factor-analysis step '{step}' has no table '{suffix}'.")
        return name

    def note(self, step: str) -> Prose | NothingToShow:
        """The section of a step left out: its heading and the reason (nothing otherwise).

        A reason already given for an earlier step (fewer respondents than items stops all
        four) is not repeated.
        """
        if self.ran(step):
            return NOTHING
        order = list(FACTOR_SECTIONS)
        earlier = {self.reasons.get(s) for s in order[: order.index(step)]}
        if self.reasons[step] in earlier:
            return NOTHING
        return left_out_note(self.reasons[step], self.lang, FACTOR_SECTIONS[step])

    def to_frame(self) -> pd.DataFrame:
        """One row per step: ``step, ran, reason``."""
        return pd.DataFrame(
            [
                {"step": s, "ran": self.ran(s), "reason": self.reasons.get(s, "")}
                for s in FACTOR_SECTIONS
            ]
        )

    def __repr__(self) -> str:
        done = [s for s in FACTOR_SECTIONS if self.ran(s)]
        return (
            f"FactorAnalyses({self.survey}: ran {', '.join(done) or 'nothing'}; "
            f"{len(self.reasons)} left out)"
        )


@dataclass(frozen=True, eq=False)
class ReportContext:
    """What a notebook works with: the shared study, the language and the output folder.

    Made by :func:`open_study`.  Every method only looks things up or formats them; the
    numbers come from the study's tables.
    """

    bundle: StudyBundle
    lang: str
    output_dir: Path

    @property
    def study(self) -> Any:
        return self.bundle.study

    @property
    def findings(self) -> tuple[Any, ...]:
        return self.bundle.findings

    @property
    def simulated(self) -> bool:
        return self.bundle.simulated

    @property
    def figures_dir(self) -> Path:
        return self.output_dir / "figures"

    def say(self, key: str, **values: object) -> Prose:
        """Show the package's prose ``key`` in the report language (see :func:`prose`)."""
        return prose(key, self.lang, **values)

    def simulated_note(self) -> Prose | None:
        """The SIMULATED DATA notice (``None`` for real data)."""
        if not self.simulated:
            return None
        label = report_text("simulated.banner", self.lang)
        return SimulatedNote(f"> **{label}** — {without_label(SIMULATED_REPORT_NOTE[self.lang], label)}")

    def agreement_merged_note(self) -> Prose | None:
        """The sentence that the value classes were merged for kappa (``classification_agreement``
        column ``merged_classes``, e.g. ``'C->B'``); ``None`` when nothing was merged."""
        if not self.has("classification_agreement"):
            return None
        agreement = self.table("classification_agreement")
        if "merged_classes" not in agreement.columns or agreement.empty:
            return None
        merged = agreement["merged_classes"].iloc[0]
        if not isinstance(merged, str) or not merged:
            return None
        return self.say("cv.agreement.merged", merged=merged, classes=agreement["classes"].iloc[0])

    def table(self, name: str) -> Any:
        """A table of the study by name (``InputError`` listing the names otherwise)."""
        return self.study.table(name)

    def has(self, *names: str) -> bool:
        """Whether the study has every table in ``names`` (some need optional inputs).

        A notebook guards a section with it and shows :meth:`left_out` otherwise.
        """
        return all(n in self.study.tables for n in names)

    def grouping_tables(self, kind: str = "distribution") -> list[tuple[str, str]]:
        """``(table name, column)`` of the study's ``distribution_*`` or ``concentration_*``
        tables, one per declared segment and then the region of the customer instrument
        (``roles: segments, region``), in that order; whether each exists is :meth:`has`."""
        from crm_research.study.run import column_suffix

        roles = self.study.customers.instrument.roles
        columns = dict.fromkeys([*roles.segments, *([roles.region] if roles.region else [])])
        return [(f"{kind}_{column_suffix(c)}", c) for c in columns]

    def left_out(self, name: str, section: str | None = None) -> Prose:
        """Why the table ``name`` is absent, one sentence in the report language.

        The study leaves a table out when the data cannot support it (a scale the
        questionnaire lacks, a background column that is absent, an optional input not given)
        and records why (``StudyResult.absent``); this shows that sentence.

        Parameters
        ----------
        name : str
            Table name (:data:`crm_research.study.TABLE_NAMES`).
        section : str, optional
            Prose key of the section (its heading is shown above the sentence).

        Returns
        -------
        Prose
        """
        absent = self.study.absent.get(name)
        if absent is None:
            absent = absent_table(name, "table", name=name)
        return left_out_note(absent.text[self.lang], self.lang, section)

    def factor_analyses(self, survey: str = "customer") -> FactorAnalyses:
        """Which factor analyses of a questionnaire the study made, and why any step is out.

        The study runs KMO, Bartlett, parallel analysis, EFA and CFA of the customer
        questionnaire's reverse-keyed items (:mod:`crm_research.study.psychometrics`); this
        only looks up which of their tables exist and the study's reasons for those that
        do not.

        Parameters
        ----------
        survey : {"customer"}

        Returns
        -------
        FactorAnalyses
        """
        reasons: dict[str, str] = {}
        for step, suffixes in PSYCHOMETRIC_STEPS.items():
            first = f"{survey}_{suffixes[0]}"
            if first not in self.study.tables:
                absent = self.study.absent.get(first) or absent_table(first, "table", name=first)
                reasons[step] = absent.text[self.lang]
        return FactorAnalyses(survey, self.lang, reasons)

    def retained_factors(self, survey: str = "customer") -> int:
        """How many factors the study's parallel analysis retained (``n_factors`` column)."""
        return int(self.table(f"{survey}_parallel_analysis")["n_factors"].iloc[0])

    def models(self) -> ModelSections:
        """The model sections' look-ups: invariance, structural model, driver importance, PLS.

        See :class:`crm_research.report.model_sections.ModelSections` (each method shows one
        table of :mod:`crm_research.study.models`; guard it with :meth:`has`).
        """
        return ModelSections(self)

    def abc_cuts(self) -> dict[str, str]:
        """The ABC cut-offs the study applied (``abc_summary``), as percentages to quote.

        Returns
        -------
        dict
            ``{"a_cut": "70%", "b_cut": "90%"}`` for the default cut-offs.
        """
        summary = self.table("abc_summary")
        return {key: f"{float(summary[key].iloc[0]) * 100:.4g}%" for key in ("a_cut", "b_cut")}

    @cached_property
    def _labels(self) -> dict[str, str]:
        return self._make_labels()

    def labels(self) -> dict[str, str]:
        """Display labels in the report language for ids used in tables and figures (cached)."""
        return dict(self._labels)

    def _make_labels(self) -> dict[str, str]:
        """Display labels in the report language for ids used in tables and figures.

        Scale ids, item ids, metadata levels (cities, customer types, sectors, roles),
        scorecard facets and a few analysis ids (segments, quadrants, phases).
        """
        out: dict[str, str] = {k: v[self.lang] for k, v in ID_LABELS.items()}
        for data in (self.study.customers, self.study.employees):
            if data is None:
                continue
            inst = data.instrument
            out[inst.id] = inst.title.get(self.lang) or inst.id  # never an id in the text
            for scale in inst.scales:
                out[scale.id] = scale.name.get(self.lang, scale.id)
            for meta in inst.metadata:
                out[meta.id] = meta.label.get(self.lang, meta.id)
                for level in meta.levels:
                    out[level] = meta.level_label(level, self.lang)
        scorecard = self.bundle.instruments.get("scorecard")
        if scorecard:
            inst = load_instrument(scorecard)
            out[inst.id] = inst.title.get(self.lang) or inst.id
            for facet in inst.facets.values():
                for level in facet.levels:
                    out[level.id] = level.label.get(self.lang, level.id)
        return out

    def show(
        self,
        name: str,
        columns: Sequence[str] | None = None,
        *,
        decimals: int = 2,
        max_rows: int | None = 30,
        where: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """A study table for reading: chosen columns, ids and headers in the report language.

        Parameters
        ----------
        name : str
            Table name (see :data:`crm_research.study.TABLE_NAMES`).
        columns : sequence of str, optional
            Columns to show, in order (default all).
        decimals : int
            Decimals shown for floats (the CSV files keep six).
        max_rows : int, optional
            Rows shown at most.
        where : mapping, optional
            Keep rows whose column equals the value (e.g. ``{"input": "customers"}``).
        headers : mapping, optional
            Column -> the column name whose header it should get (e.g. ``{"value": "scale"}``
            when a generic ``value`` column holds scales).

        Returns
        -------
        pandas.io.formats.style.Styler
        """
        return self.show_frame(
            self.table(name),
            columns,
            decimals=decimals,
            max_rows=max_rows,
            where=where,
            headers=headers,
            table=name,
        )

    def show_frame(
        self,
        frame: Any,
        columns: Sequence[str] | None = None,
        *,
        decimals: int = 2,
        max_rows: int | None = 30,
        where: Mapping[str, object] | None = None,
        index: bool = False,
        index_name: str | None = None,
        headers: Mapping[str, str] | None = None,
        table: str | None = None,
    ) -> Any:
        """Like :meth:`show` for a DataFrame (a study table already looked up, or a log).

        Every cell becomes text in the report language (see :func:`display_frame`): ids
        as labels, item ids with the start of their wording, booleans as yes/no, p-values
        as ``< .001``, counts without decimals; then every cell and header is escaped for
        HTML (:func:`~crm_research.report.display.html_table`).

        Parameters
        ----------
        frame : DataFrame
        columns : sequence of str, optional
            Columns to show, in order (after ``index`` has been made a column).
        decimals : int
            Decimals of other numbers.
        max_rows : int, optional
        where : mapping, optional
        index : bool
            Show the index as the first column, named ``index_name`` (default the index's
            own name, else ``"item"``).
        index_name : str, optional
        headers : mapping, optional
            Column -> the column name whose header it should get.
        table : str, optional
            The study table the frame comes from (recorded on the HTML table).

        Returns
        -------
        pandas.io.formats.style.Styler
        """
        data = frame.copy()
        if index:
            data = data.reset_index(names=index_name or data.index.name or "item")
        for column, value in (where or {}).items():
            data = data[data[column] == value]
        if columns is not None:
            data = data[[c for c in columns if c in data.columns]]
        if max_rows is not None:
            data = data.head(max_rows)
        shown = display_frame(data, self.lang, self._labels, self._item_labels, decimals)
        if headers:
            relabelled = display_frame(
                data.head(0).rename(columns=dict(headers)), self.lang, self._labels
            )
            shown.columns = relabelled.columns
        return html_table(shown, table)

    def show_loadings(self, name: str = "customer_efa_loadings") -> Any:
        """EFA loadings with each item's salient loading in bold and cross-loadings flagged.

        The factor columns are named after their scales by the study
        (:func:`crm_research.study.psychometrics.name_factors`); a loading is emphasised when
        it is the item's largest and at least
        :data:`~crm_research.study.psychometrics.SALIENT_LOADING` in absolute value.

        Returns
        -------
        pandas.io.formats.style.Styler
        """
        frame = self.table(name)
        flags = {"item", "communality", "uniqueness", "primary_factor", "primary_loading",
                 "salient", "cross_loading"}  # fmt: skip
        factors = [c for c in frame.columns if c not in flags]
        columns = ["item", *factors, "communality"]
        if "cross_loading" in frame.columns:
            columns.append("cross_loading")
        data = frame[columns]
        shown = display_frame(data, self.lang, self._labels, self._item_labels, 3)
        values = frame[factors].abs().to_numpy(float)
        bold = (values >= SALIENT_LOADING) & (values == values.max(axis=1, keepdims=True))
        css = pd.DataFrame("", index=shown.index, columns=shown.columns)
        for j in range(len(factors)):
            css.iloc[:, 1 + j] = ["font-weight: bold" if b else "" for b in bold[:, j]]
        return html_table(shown, name).apply(lambda _: css, axis=None)

    def show_crosstab(self, name: str, rows: str, columns: str, values: str) -> Any:
        """A long table of counts shown as a matrix (``rows`` × ``columns``), labelled.

        Parameters
        ----------
        name : str
            Table name, e.g. ``"classification_crosstab"``.
        rows, columns, values : str
            Columns of the table: row categories, column categories and the cell values.

        Returns
        -------
        pandas.io.formats.style.Styler
        """
        long = self.table(name)
        matrix = long.pivot(index=rows, columns=columns, values=values)
        head = COLUMN_LABELS.get(columns, {}).get(self.lang, columns)
        matrix.columns = [f"{head} {self._labels.get(str(c), c)}" for c in matrix.columns]
        return self.show_frame(matrix.reset_index(), max_rows=None, decimals=0, table=name)

    @cached_property
    def _item_labels(self) -> dict[str, str]:
        """Item id -> ``"id wording…"`` (start of the item's text in the report language)."""
        out: dict[str, str] = {}
        for data in (self.study.customers, self.study.employees):
            if data is None:  # a study without employees
                continue
            for item in data.instrument.items:
                wording = item.text.get(self.lang) or ""
                out[item.id] = f"{item.id} {shorten(wording, self.lang)}".strip()
        return out

    def show_fit(self, name: str = "customer_cfa_fit") -> Any:
        """The fit table of a CFA: measures in words, cut-offs with their direction, met yes/no.

        Parameters
        ----------
        name : str
            The study's fit table (``measure, value, cutoff, met``, from
            :meth:`crm_research.sem.CFAResult.fit_table`).

        Returns
        -------
        pandas.io.formats.style.Styler
        """
        fit = self.table(name)
        rows = []
        for measure, value, cutoff, met in fit[["measure", "value", "cutoff", "met"]].itertuples(
            index=False
        ):
            if measure == "df":
                shown = f"{value:,.0f}"
            elif measure == "pvalue":
                shown = format_p(value)
            elif measure in ("chisq", "aic", "bic"):
                shown = f"{value:,.2f}"
            else:
                shown = f"{value:.3f}"
            limit = "—"
            if cutoff is not None and not pd.isna(cutoff):
                limit = f"{'≤' if measure in FIT_UPPER_LIMITS else '≥'} {cutoff:.2f}"
            rows.append(
                {
                    "measure": ID_LABELS.get(f"fit.{measure}", {}).get(self.lang, measure),
                    "value": shown,
                    "cutoff": limit,
                    "met": met,
                }
            )
        return self.show_frame(pd.DataFrame(rows), max_rows=None, table=name)

    def figure(self, fig: Any, name: str) -> Any:
        """Save a figure of :mod:`crm_research.plots` to ``figures/`` and show it.

        Figures of simulated data carry "SIMULATED DATA" / "模拟数据" in a corner: a figure
        is the part of a report most often copied on its own.
        """
        # matplotlib loads only in the chapters that draw figures
        from crm_research.report import figures

        label = report_text("simulated.banner", self.lang) if self.simulated else None
        return figures.save(fig, self.figures_dir, name, label=label)

    def satisfaction_loyalty_points(self) -> Any:
        """Per customer: satisfaction, loyalty and Jones & Sasser segment (the study's table)."""
        return self.table("satisfaction_loyalty_points")

    def quality_log(self, max_rows: int = 20) -> Any:
        """The screening problems of all inputs, one row each (first ``max_rows``).

        The log lists problems of cells (row, column, rule, the cell when it cannot hold
        personal data); it is not a study table, because its cells are the export's own.
        """
        parts = []
        for role, data in (
            ("customers", self.study.customers),
            ("employees", self.study.employees),
        ):
            if data is not None and len(data.quality):
                parts.append(data.quality.assign(input=role))
        if not parts:
            return None
        log = pd.concat(parts, ignore_index=True)
        first = ["input"] + [c for c in log.columns if c != "input"]
        return self.show_frame(quality_log_frame(log[first], self.lang), max_rows=max_rows)

    def findings_overview(self) -> Any:
        """One row per finding: area, severity, problem headline, framework ('current state')."""
        rows = []
        for f in self.findings:
            framework = " / ".join(
                FRAMEWORK_LABELS.get(part.strip(), {}).get(self.lang, part.strip())
                for part in str(f.framework).split(" / ")
            )
            rows.append(
                {
                    "area": f"area.{f.area}",
                    "severity": f"severity.{f.severity}",
                    "problem": headline(self.finding_text(f, "problem")),
                    "framework": framework,
                }
            )
        return self.show_frame(pd.DataFrame(rows), max_rows=None)

    def plan_table(self) -> Any:
        """The optimisation plan in priority order (findings.json ``priority``, 1 first).

        One row per finding: the action's headline, the problem it answers, its severity,
        the owner role, the horizon and the KPI (:func:`crm_research.findings.plan.plan_frame`,
        which ranks by severity x reach as docs/methods.md states).
        """
        plan = plan_frame(self.findings, self.lang)
        by_priority = {f.priority: f for f in self.findings}
        rows = [
            {
                "plan_priority": str(int(row.priority)),  # a rank, shown without decimals
                "plan_action": headline(
                    self.finding_text(by_priority[row.priority], "recommendation"), self.lang
                ),
                "problem": headline(
                    self.finding_text(by_priority[row.priority], "problem"), self.lang
                ),
                "severity": f"severity.{row.severity}",
                "owner": row.owner,
                "horizon": row.horizon,
                "kpi": row.kpi if row.kpi is not None else "—",
            }
            for row in plan.itertuples(index=False)
            if row.priority is not None
        ]
        return self.show_frame(pd.DataFrame(rows), max_rows=None)

    def evidence_label(self, key: str) -> str:
        """An evidence key of a finding in words of the report language.

        Whole keys come from :data:`~crm_research.report.text.EVIDENCE_LABELS`; keys
        ``<id>_<suffix>`` combine the id's label (scale, item, city, ...) with the suffix's
        words (:data:`~crm_research.report.text.EVIDENCE_SUFFIXES`); others stay as they are.

        Parameters
        ----------
        key : str

        Returns
        -------
        str
        """
        if key in EVIDENCE_LABELS:
            return EVIDENCE_LABELS[key][self.lang]
        for suffix in sorted(EVIDENCE_SUFFIXES, key=len, reverse=True):
            if key.endswith(suffix) and len(key) > len(suffix):
                prefix = key[: -len(suffix)]
                name = self._labels.get(prefix) or (prefix if prefix in self._item_labels else None)
                if name is None and prefix in EVIDENCE_LABELS:
                    name = EVIDENCE_LABELS[prefix][self.lang]
                if name is None:
                    continue
                sep = report_text("colon", self.lang)
                return f"{name}{sep}{EVIDENCE_SUFFIXES[suffix][self.lang]}"
        return key

    def _evidence_rows(self, finding: Any) -> list[tuple[str, str, str]]:
        """(label, value, table file) per evidence item; ``x_ci_low``/``x_ci_high`` join ``x``."""
        evidence = dict(finding.evidence)
        rows = []
        for key, value in evidence.items():
            if key.endswith(("_ci_low", "_ci_high")):
                base = key.rsplit("_ci_", 1)[0]
                if base in evidence or key in ("ci_low", "ci_high"):
                    continue
            shown = self._evidence_value(key, value)
            low, high = evidence.get(f"{key}_ci_low"), evidence.get(f"{key}_ci_high")
            if low is not None and high is not None:
                shown += f" [{self._evidence_value(key, low)}, {self._evidence_value(key, high)}]"
            elif low is not None:
                shown += f" [≥ {self._evidence_value(key, low)}]"
            ref = finding.evidence_refs.get(key)
            # the source as the table's number in the report (report/html.py), not a file name
            rows.append((self.evidence_label(key), shown, "{{table:" + ref.table + "}}" if ref else ""))
        return rows

    def _evidence_value(self, key: str, value: Any) -> str:
        if isinstance(value, str):
            return self._labels.get(value, value)
        if isinstance(value, bool):
            return self._labels.get("yes" if value else "no", str(value))
        if isinstance(value, int) or (
            isinstance(value, float) and float(value).is_integer() and key in COUNT_EVIDENCE
        ):
            return f"{value:,.0f}"
        if isinstance(value, float):
            if key.endswith("_share"):
                return f"{value:.1%}"
            if "percent" in key:
                return f"{value:.1f}"
            return f"{value:.3f}" if abs(value) < 100 else f"{value:,.1f}"
        return str(value)

    def finding_text(self, finding: Any, part: str = "problem") -> str:
        """A finding's ``problem`` or ``recommendation`` text in the report language.

        :mod:`crm_research.findings` already names cities, customer groups and scales by
        their instrument labels, so the text is shown as written.
        """
        return getattr(finding, part)[self.lang]

    def findings_html(self, part: str = "problem", areas: Sequence[str] | None = None) -> HtmlBlock:
        """The findings as report sections: ``part="problem"`` (with evidence) or ``"recommendation"``.

        Problem texts are inserted as :mod:`crm_research.findings` wrote them (HTML-escaped),
        in the report language (:meth:`finding_text`); each is
        followed by its evidence (named in the report language, with the table it comes
        from).  Recommendations shared by several findings of an area are shown once, and
        their references as short citations (the full list is in the appendix).

        Parameters
        ----------
        part : {"problem", "recommendation"}
        areas : sequence of str, optional
            Only these areas (default all, in the findings' order).

        Returns
        -------
        HtmlBlock
        """
        if part not in ("problem", "recommendation"):
            raise InputError(f"Unknown findings part '{part}': choose problem or recommendation.")
        labels = self._labels
        lang = self.lang
        esc = html.escape
        # findings grouped by area, in order of first appearance
        by_area: dict[str, list[Any]] = {}
        for f in self.findings:
            if areas is None or f.area in areas:
                by_area.setdefault(f.area, []).append(f)
        blocks: list[str] = []
        for number, (area, group) in enumerate(by_area.items(), start=1):
            blocks.append(f"<h3>{number}. {esc(labels.get(f'area.{area}', area))}</h3>")
            if part == "recommendation":
                # one block per distinct recommendation text (several findings may share one)
                shared: dict[str, list[Any]] = {}
                for f in group:
                    shared.setdefault(self.finding_text(f, "recommendation"), []).append(f)
                entries = [(text, fs) for text, fs in shared.items()]
            else:
                entries = [(self.finding_text(f, "problem"), [f]) for f in group]
            for text, fs in entries:
                worst = min(fs, key=lambda f: SEVERITY_ORDER.get(f.severity, 99)).severity
                severity = ID_LABELS.get(f"severity.{worst}", {}).get(lang, worst)
                note = ""
                if len(fs) > 1:
                    note = FINDING_TEXT["applies_to"][lang].format(n=len(fs))
                blocks.append(
                    f'<div class="crm-finding crm-severity-{esc(worst)}">'
                    f'<p><span class="crm-severity">{esc(severity)}</span> {esc(text)}'
                    f"{esc(note)}</p>"
                )
                if part == "problem" and fs[0].evidence:
                    head = FINDING_TEXT["evidence.head"][lang].split("|")
                    rows = "".join(
                        f"<tr><td>{esc(label)}</td><td>{esc(value)}</td>"
                        f"<td><code>{esc(table)}</code></td></tr>"
                        for label, value, table in self._evidence_rows(fs[0])
                    )
                    blocks.append(
                        '<table class="crm-evidence"><thead><tr>'
                        + "".join(f"<th>{esc(h)}</th>" for h in head)
                        + f"</tr></thead><tbody>{rows}</tbody></table>"
                    )
                if part == "recommendation":
                    refs = list(dict.fromkeys(r for f in fs for r in f.references))
                    if refs:
                        cites = "; ".join(short_citation(r) for r in refs)
                        blocks.append(
                            f'<p class="crm-references">{esc(FINDING_TEXT["references"][lang])}'
                            f"{esc(report_text('colon', lang))}{esc(cites)}</p>"
                        )
                blocks.append("</div>")
        return HtmlBlock("\n".join(blocks))

    def __repr__(self) -> str:
        return f"ReportContext(lang={self.lang!r}, output_dir={str(self.output_dir)!r}, {self.bundle!r})"


def open_study(
    customers: str | Path | None = None,
    employees: str | Path | None = None,
    ledger: str | Path | None = None,
    scorecard: str | Path | None = None,
    *,
    instruments: Mapping[str, str] | None = None,
    lang: str = "zh",
    seed: int | None = DEFAULT_SEED,
    output_dir: str | Path = ".",
    work_dir: str | Path | None = None,
    simulated: bool | None = None,
    study: str | Path | None = None,
    data_dir: str | Path | None = None,
    case: str | None = None,
) -> ReportContext:
    """Open the shared study for a notebook (first line of every report notebook).

    Parameters
    ----------
    customers, employees, ledger, scorecard : str or Path, optional
        Input files; all ``None`` simulates the D-company case (SIMULATED data).
    instruments : mapping, optional
        Role -> instrument name or path.
    lang : {"zh", "en"}
        Report language.
    seed : int, optional
        Simulation seed.
    output_dir : str or Path
        The report folder; figures go to ``output_dir/figures``.
    work_dir : str or Path, optional
        Study cache (default ``output_dir/.work``).
    simulated : bool, optional
        Whether the inputs are simulated.
    study : str or Path, optional
        A study file (``study.yaml``, e.g. the one ``crm-research new-study`` writes): its
        inputs, instruments, roles and case are used and the file arguments ignored.  With
        no input files and no study, a ``study.yaml`` in the working folder is used (a
        notebook opened in a ``new-study`` folder runs that study); else the D-company case
        is simulated.
    data_dir : str or Path, optional
        Folder the study file's inputs are relative to (default: the study file's folder).
    case : str, optional
        Case layer of the findings for inputs given as files (``d_company``).

    Returns
    -------
    ReportContext
    """
    check_lang(lang)
    if study is None and customers is None and employees is None and ledger is None:
        here = Path("study.yaml")
        if here.is_file():  # a notebook run from a study folder (crm-research new-study)
            study = here.absolute()
    out = Path(output_dir).expanduser().absolute()
    work = Path(work_dir) if work_dir is not None else out / WORK_DIR_NAME
    bundle = prepare_study(
        customers,
        employees,
        ledger,
        scorecard,
        instruments=instruments,
        seed=seed,
        work_dir=work,
        simulated=simulated,
        study=study,
        data_dir=data_dir,
        case=case,
    )
    return ReportContext(bundle=bundle, lang=lang, output_dir=out)
