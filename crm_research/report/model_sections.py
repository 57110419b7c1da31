"""What the model sections of the report show: look-ups of the study's model tables.

:meth:`crm_research.report.context.ReportContext.models` returns a :class:`ModelSections`;
each method picks the columns of one table of :mod:`crm_research.study.models` (or
:mod:`crm_research.study.invariance`) and formats them through the context (ids as labels,
p-values APA style, headers in the report language).  Nothing here computes a number: the
caveat sentences are the catalogue's (:data:`crm_research.report.text_models.CAVEAT_TEXT`)
filled with the table's own cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crm_research.report.display import NOTHING, NothingToShow, Prose, escape_markdown
from crm_research.report.text import CATALOGUES, text

if TYPE_CHECKING:  # the context makes this object (no import cycle at run time)
    from crm_research.report.context import ReportContext

__all__ = ["MODEL_COLUMNS", "ModelSections"]

#: The columns each model table shows in the report, with their decimals.
MODEL_COLUMNS: dict[str, tuple[tuple[str, ...], int]] = {
    "perception_gap_invariance": (
        ("dimension", "level", "chisq", "df", "cfi", "rmsea", "srmr", "chisq_diff", "df_diff",
         "pvalue_diff", "delta_cfi", "delta_rmsea", "holds"),
        3,
    ),
    "perception_gap_latent": (
        ("dimension", "k_items", "level_held", "failed_level", "method", "estimate", "se", "z",
         "p_value", "ci_low", "ci_high", "observed_gap"),
        2,
    ),
    "segment_invariance": (
        ("segment", "scale", "n_groups", "n_min", "delta_cfi_metric", "delta_cfi_scalar",
         "delta_rmsea_metric", "delta_rmsea_scalar", "pvalue_scalar", "level_held",
         "comparable"),
        3,
    ),
    "sem_paths": (
        ("outcome", "predictor", "est", "se", "z", "pvalue", "std_all", "ci_low", "ci_high"),
        3,
    ),
    "sem_r2": (("outcome", "r2", "n"), 3),
    "sem_indirect": (
        ("predictor", "effect", "est", "se", "z", "pvalue", "ci_low", "ci_high", "std_all"),
        3,
    ),
    "driver_importance": (
        ("outcome", "predictor", "weight", "share", "share_ci_low", "share_ci_high", "rank"),
        3,
    ),
    "driver_importance_by_value": (
        ("value_class", "predictor", "n", "share", "share_ci_low", "share_ci_high", "rank"),
        3,
    ),
    "common_method_harman": (("n", "k", "share_factor", "share_component", "exceeds_half"), 3),
    "common_method_vif": (("scale", "vif", "r2", "exceeds"), 2),
    "pls_paths": (("from", "to", "estimate", "se", "t", "pvalue", "ci_low", "ci_high"), 3),
    "pls_r2": (("construct", "r2", "r2_adj"), 3),
    "pls_reliability": (("construct", "alpha", "rhoA", "rhoC", "ave"), 3),
    "ipma": (("construct", "importance", "performance"), 3),
}  # fmt: skip


@dataclass(frozen=True, eq=False)
class ModelSections:
    """The model tables of a report, ready to display (made by ``ReportContext.models()``).

    Every method returns what ``ReportContext.show`` returns (an HTML table marked with its
    study table, so that the report's numbers can be traced to ``tables/``), or prose.
    """

    context: ReportContext

    def show(self, name: str) -> Any:
        """The table ``name`` with the columns and decimals of :data:`MODEL_COLUMNS`."""
        columns, decimals = MODEL_COLUMNS[name]
        return self.context.show(name, list(columns), decimals=decimals, max_rows=None)

    def gap_invariance(self) -> Any:
        """Fit and tests of each mirrored pair at each invariance level."""
        return self.show("perception_gap_invariance")

    def gap_latent(self) -> Any:
        """Latent mean differences (or the observed gap where scalar invariance fails)."""
        return self.show("perception_gap_latent")

    def gap_caveats(self) -> Prose | NothingToShow:
        """One sentence per caveat of the invariance-checked gap (nothing when none)."""
        lang = self.context.lang
        labels = self.context.labels()
        caveat_text = CATALOGUES["CAVEAT_TEXT"]
        lines = []
        table = self.context.table("perception_gap_latent")
        for row in table.to_dict("records"):
            for code in [c for c in str(row.get("caveats") or "").split(";") if c]:
                values = {
                    "dimension": labels.get(row["dimension"], row["dimension"]),
                    "k": int(row["k_items"]),
                    "customer_items": row["customer_items"],
                    "employee_items": row["employee_items"],
                    "failed": labels.get(row["failed_level"], row["failed_level"]),
                    "held": labels.get(row["level_held"], row["level_held"]),
                    "chisq": labels.get(row["chisq_level"], row["chisq_level"]),
                    "chen": labels.get(row["chen_level"], row["chen_level"]),
                    "rule": labels.get(row["rule"], row["rule"]),
                }
                values = {k: escape_markdown(v) for k, v in values.items()}
                lines.append(f"- {text(caveat_text, code, lang, **values)}")
        return Prose("\n".join(lines)) if lines else NOTHING

    def segment_invariance(self) -> Any:
        """For each segment and scale: the changes in fit and the highest level held."""
        return self.show("segment_invariance")

    def sem_fit(self) -> Any:
        """Fit of the structural model with the cited cut-offs."""
        return self.context.show_fit("sem_fit")

    def sem_paths(self) -> Any:
        """Structural paths: estimates, SEs, z, p, standardised coefficients, intervals."""
        return self.show("sem_paths")

    def sem_r2(self) -> Any:
        """R² of satisfaction and loyalty in the structural model."""
        return self.show("sem_r2")

    def sem_indirect(self) -> Any:
        """Indirect effects through satisfaction and total effects on loyalty."""
        return self.show("sem_indirect")

    def importance(self) -> Any:
        """General dominance weights and shares with bootstrap intervals."""
        return self.show("driver_importance")

    def importance_by_value(self) -> Any:
        """Driver shares for class-A customers and the rest, with intervals."""
        return self.show("driver_importance_by_value")

    def harman(self) -> Any:
        """Harman's single-factor test."""
        return self.show("common_method_harman")

    def vif(self) -> Any:
        """Kock's full-collinearity VIFs."""
        return self.show("common_method_vif")

    def pls_paths(self) -> Any:
        """PLS path coefficients with bootstrap SEs and percentile intervals."""
        return self.show("pls_paths")

    def pls_r2(self) -> Any:
        """R² and adjusted R² of the PLS model's outcomes."""
        return self.show("pls_r2")

    def pls_reliability(self) -> Any:
        """α, ρA, ρC and AVE of each construct."""
        return self.show("pls_reliability")

    def ipma(self) -> Any:
        """Importance (total effect) and performance (0-100) of each construct."""
        return self.show("ipma")

    def pls_note(self) -> Prose | NothingToShow:
        """Why the PLS model is absent -- nothing when the study simply did not ask for it."""
        absent = self.context.study.absent.get("pls_paths")
        if absent is None or absent.code == "pls_not_requested":
            return NOTHING
        return self.context.left_out("pls_paths", "cs.pls")

    def __repr__(self) -> str:
        made = [n for n in MODEL_COLUMNS if self.context.has(n)]
        return f"ModelSections({len(made)} of {len(MODEL_COLUMNS)} tables)"
