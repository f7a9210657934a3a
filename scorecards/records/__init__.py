"""Decision records: the PDF that says everything about a decision, issued once and provable.

For the decision path (scorecards.services, sign-off): call

    records.decision_record_issue_later(evaluation, actor=actor)

inside the transaction that decides the evaluation, AFTER its decision audit event is recorded.
It captures the audit chain head at that moment (the head printed on the record) and, once the
transaction has committed, enqueues the task that issues the record (scorecards.tasks, run by
`manage.py run_worker`): rendering never holds the decision's locks, and a rolled-back decision
issues nothing. A failed rendering is logged and kept as a
DecisionRecordFailure; the evaluation's record page shows it with a retry button.

For the evaluation page: {% include "scorecards/record/_evaluation_panel.html" %} (needs
`evaluation`) shows the record's state there: download, DRAFT preview, or the failure and retry.

The parts: `content` (what a record holds, and its HTML), `issuing` (render once after commit,
store, keep failures), `storage` (the stored record: number, hashes, look-ups), `preview` (DRAFT
previews), `verification` (is this file genuine?), `pdf` (the WeasyPrint helper) and `charts`
(server-side SVG, also drawn on the evaluation pages).
"""

from .content import AUDIT_EXCERPT_LIMIT, record_html
from .issuing import (
    RecordError,
    decision_record_issue,
    decision_record_issue_later,
    decision_record_render,
)
from .preview import RenderersBusy, decision_record_preview
from .storage import NUMBER_PATTERN, existing_record, latest_failure, record_number, sha256_hex
from .verification import decision_record_verify

__all__ = [
    "AUDIT_EXCERPT_LIMIT",
    "NUMBER_PATTERN",
    "RecordError",
    "RenderersBusy",
    "decision_record_issue",
    "decision_record_issue_later",
    "decision_record_preview",
    "decision_record_render",
    "decision_record_verify",
    "existing_record",
    "latest_failure",
    "record_html",
    "record_number",
    "sha256_hex",
]
