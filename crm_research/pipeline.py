"""The old name of the report layer, kept as a thin alias: the code lives in :mod:`crm_research.report`.

``crm_research.pipeline`` was one module that ran the notebooks, owned the output folder,
wrote the tables, built the HTML page and the notebooks' API.  Those jobs now have one
module each in :mod:`crm_research.report` (``run``, ``execute``, ``outdir``, ``cache``,
``outputs``, ``context``, ``display``, ``html``, ``appendix``, ``text``, ``batch``, ``base``).
Every public name of the old module still resolves here (``pipeline.open_study``,
``pipeline.run_pipeline``, ``pipeline.NotebookFailed``, ...), looked up on first use in
the module that now holds it, so ``from crm_research import pipeline`` in a notebook kernel
loads only what that notebook calls.  New code imports from :mod:`crm_research.report`.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: Public name -> the module of :mod:`crm_research.report` (or the package) that holds it.
_HOMES: dict[str, str] = {
    **dict.fromkeys(
        (
            "DEFAULT_INSTRUMENTS DEFAULT_SEED DEFAULT_TIMEOUT DEFAULT_WORKERS FAILED_MARKER "
            "INPUT_ROLES KERNEL_NAME KERNEL_START_ATTEMPTS KERNEL_START_TIMEOUT MANIFEST_KIND "
            "MANIFEST_NAME NOTEBOOKS_DIR NOTEBOOK_NAMES NOTEBOOK_ONLY_TAG NotebookFailed "
            "PipelineError RECORDED_PACKAGES SINGLE_THREAD_ENV WORK_DIR_NAME package_versions "
            "sha256_file"
        ).split(),
        "crm_research.report.base",
    ),
    **dict.fromkeys("execute_notebook quiet run_notebooks".split(), "crm_research.report.execute"),
    **dict.fromkeys(
        "check_output_dir is_report_dir keep_failed move_into_place new_build_dir".split(),
        "crm_research.report.outdir",
    ),
    **dict.fromkeys(
        (
            "EXCEL_SHEET_CHARS XLSX_TIMESTAMP excel_sheet_names read_tables "
            "write_study_outputs write_tables_xlsx"
        ).split(),
        "crm_research.report.outputs",
    ),
    **dict.fromkeys(
        "StudyBundle prepare_study resolve_inputs study_cache_path".split(),
        "crm_research.report.cache",
    ),
    **dict.fromkeys(
        (
            "COUNT_COLUMNS FIT_UPPER_LIMITS MONEY_COLUMNS NOTHING PERCENT_COLUMNS "
            "P_VALUE_COLUMNS SIMULATED_NOTE_ROLE HtmlBlock NothingToShow Prose SimulatedNote "
            "display_frame format_p left_out_note prose quality_log_frame quality_value "
            "short_citation"
        ).split(),
        "crm_research.report.display",
    ),
    **dict.fromkeys(
        "FACTOR_STEPS FactorAnalyses ReportContext open_study".split(),
        "crm_research.report.context",
    ),
    "build_report": "crm_research.report.html",
    **dict.fromkeys(
        "REFERENCES merge_references methods_appendix".split(), "crm_research.report.appendix"
    ),
    **dict.fromkeys("LANGS REPORT_TEXT report_text".split(), "crm_research.report.text"),
    **dict.fromkeys("PipelineResult run_pipeline".split(), "crm_research.report.run"),
    **dict.fromkeys(
        (
            "BATCH_RUN_KEYS EXECUTORS BatchOutcome BatchResult BatchRun batch_executor "
            "load_batch_config run_batch run_batch_entry"
        ).split(),
        "crm_research.report.batch",
    ),
    "slugify": "crm_research.paths",
}
#: Names the old module had with a leading underscore, used by older tests and scripts.
_OLD_NAMES = {
    "_new_build_dir": "new_build_dir",
    "_move_into_place": "move_into_place",
    "_keep_failed": "keep_failed",
    "_XLSX_TIMESTAMP": "XLSX_TIMESTAMP",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    target = _OLD_NAMES.get(name, name)
    if target in _HOMES:
        return getattr(import_module(_HOMES[target]), target)
    raise AttributeError(f"module 'crm_research.pipeline' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*__all__, *_OLD_NAMES])
