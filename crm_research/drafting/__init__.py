"""Draft an instrument YAML from a survey export (``crm-research instrument draft``).

Writing the instrument of a 40-question export by hand is an hour of typing; this module
writes a first version from the export itself, for the user to check:

* **items** from the question headers (numbering such as ``3、`` removed; ids ``q3`` from the
  question number, ``q5_1``, ``q5_2`` for the rows of matrix question 5, or another prefix);
* **response scales** from the answer labels found, ordered by the known zh/en Likert label
  sets (:data:`LIKERT_SETS`: agreement, satisfaction, frequency, likelihood, importance; 5 and
  7 points); labels carrying their own number (``5分``) use it; other label sets shared by
  several questions are written out in the order first seen, with a comment asking the user
  to order them; numeric-code exports get numeric scales (the range seen) and a comment that
  the labels are unknown;
* the **0-10 recommendation question** (a scale of kind ``nps`` and ``roles: recommendation``);
* **metadata**: the platform columns of Wenjuanxing and Qualtrics (submission time,
  duration, source, ids; IP addresses, e-mail and names as ``pii``), personal data found by
  name or content (:func:`crm_research.screening.is_pii_name`, ``is_pii_column``), categorical
  background questions with the levels seen, free text;
* skipped answers (Wenjuanxing ``(跳过)``, ``-3``, ``-2``, ``(空)``) and missing-data codes
  (``-99``) declared as missing;
* **suggested scales** as YAML comments: items grouped by a shared question (stem), and by
  exploratory factor analysis (:func:`crm_research.factor.efa`) when there are at least
  :data:`EFA_MIN_RESPONDENTS_PER_ITEM` complete respondents per item.

Every export header is mapped to its id in ``columns:``, so the draft reads the same export
back with :func:`crm_research.readers.read_responses`.  Stage: after ``factor`` (it reads
with the platform rules of ``readers``/``screening`` and runs an EFA); nothing imports it
but the command.
"""

from crm_research.drafting.draft import (
    EFA_MIN_RESPONDENTS_PER_ITEM,
    EFA_SALIENT_LOADING,
    Draft,
    draft_instrument,
)
from crm_research.drafting.labels import LIKERT_SETS

__all__ = [
    "Draft",
    "EFA_MIN_RESPONDENTS_PER_ITEM",
    "EFA_SALIENT_LOADING",
    "LIKERT_SETS",
    "draft_instrument",
]
