"""Issuing a decision record: once, after the deciding transaction commits, rendered outside any
transaction, stored with its audit event; a failure is kept for the record page to show."""

import logging
import time

from django.db import IntegrityError, transaction
from django.utils import timezone

from procurement import audit

from ..models import DecisionRecord, DecisionRecordFailure, Evaluation
from . import pdf
from .content import Document, build_document, decision_of, load_evaluation
from .storage import existing_record, record_number, sha256_hex

logger = logging.getLogger(__name__)


class RecordError(Exception):
    """The record could not be issued or rendered; the message is written for the reader."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _failure_head(evaluation: Evaluation) -> audit.Checkpoint | None:
    failure = (
        DecisionRecordFailure.objects.filter(evaluation=evaluation, audit_head_sequence__isnull=False)
        .order_by("occurred_at", "pk")
        .first()
    )
    return audit.Checkpoint(failure.audit_head_sequence, failure.audit_head_hash) if failure else None


def decision_record_issue_later(evaluation: Evaluation, *, actor=None) -> None:
    """Have the worker issue `evaluation`'s decision record once the current transaction commits.

    Call it inside the deciding transaction, after the decision's audit event: the chain head
    read here is the one printed on the record. Rendering takes seconds, so it is a task
    (scorecards.tasks.issue_decision_record): the deciding request answers at once, and a worker
    killed mid-render leaves the task to be run again (issuing is idempotent).
    """
    from ..tasks import issue_decision_record

    head = audit.head()
    args = (evaluation.pk, getattr(actor, "pk", None), head.sequence, head.hash)

    def enqueue() -> None:
        try:
            issue_decision_record.enqueue(*args)
        except Exception:
            # Never let an after-commit hook break the request that decided: run_worker requeues
            # decided evaluations without a record when it starts, and the record page offers it.
            logger.exception("Could not enqueue the decision record of evaluation %s", evaluation.pk)

    transaction.on_commit(enqueue, robust=True)


def _record_failure(evaluation_id: int, error: str, head, actor) -> None:
    """Keep a failed issue, with its audit event, in one transaction of its own."""
    try:
        with transaction.atomic():
            failure = DecisionRecordFailure.objects.create(
                evaluation_id=evaluation_id,
                occurred_at=timezone.now(),
                error=error[:2000],
                audit_head_sequence=head.sequence if head else None,
                audit_head_hash=head.hash if head else "",
                attempted_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            audit.record(
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                action="decision_record.fail",
                obj=failure.evaluation,
                after={"record": record_number(evaluation_id), "error": failure.error},
            )
    except Exception:
        logger.exception("Could not keep the failure of evaluation %s's decision record", evaluation_id)


def _render_record(evaluation_id: int, audit_head: audit.Checkpoint | None = None):
    """Everything issuing does before storing: load, snapshot, HTML, PDF (no transaction held)."""
    evaluation = load_evaluation(evaluation_id)
    decision, decision_head = decision_of(evaluation)
    if decision not in Evaluation.DECIDED_STATES:
        raise RecordError("This evaluation has not been decided: only a draft preview is available.")
    head = audit_head or _failure_head(evaluation) or decision_head or audit.head()
    document = build_document(
        evaluation,
        draft=False,
        head=head,
        page_size=pdf.page_size(),
        decision=decision,
        issued_at=timezone.now(),
    )
    return evaluation, decision, head, document, pdf.render(document.html)


def decision_record_render(evaluation_id: int) -> pdf.Rendered:
    """The record of a decided evaluation rendered as issuing would, without storing it (bench)."""
    return _render_record(evaluation_id)[-1]


def decision_record_issue(
    *, evaluation_id: int, actor=None, audit_head: audit.Checkpoint | None = None
) -> DecisionRecord:
    """Render and store the decision record of a decided evaluation; idempotent.

    The PDF is rendered outside any transaction (it is slow), then the record and its audit event
    are written in one transaction after locking the evaluation: two concurrent issues store one
    record, and a failure stores nothing but a DecisionRecordFailure.
    """
    found = existing_record(evaluation_id)
    if found is not None:
        return found
    started = time.monotonic()
    head = audit_head
    try:
        _evaluation, decision, head, document, rendered = _render_record(evaluation_id, audit_head)
    except RecordError:
        raise
    except pdf.LibrariesMissing as error:
        # Not a fault of this record: the server lacks Pango. Say so, with what to install.
        logger.error("Decision record of evaluation %s not rendered: %s", evaluation_id, error)
        _record_failure(evaluation_id, str(error), head, actor)
        raise RecordError(str(error)) from error
    except Exception as error:
        logger.exception("Rendering the decision record of evaluation %s failed", evaluation_id)
        _record_failure(evaluation_id, f"{type(error).__name__}: {error}", head, actor)
        raise RecordError(
            "The decision record could not be rendered. The failure was logged; try again, "
            "and tell an administrator if it keeps failing."
        ) from error
    render_ms = round((time.monotonic() - started) * 1000)
    try:
        return _store(
            evaluation_id=evaluation_id,
            document=document,
            rendered=rendered,
            decision=decision,
            head=head,
            actor=actor,
            issued_at=document.issued_at,
            render_ms=render_ms,
        )
    except IntegrityError:
        # Issued meanwhile by a concurrent call: the first one stands.
        found = existing_record(evaluation_id)
        if found is not None:
            return found
        raise
    except Exception as error:
        logger.exception("Storing the decision record of evaluation %s failed", evaluation_id)
        _record_failure(evaluation_id, f"{type(error).__name__}: {error}", head, actor)
        raise RecordError("The decision record could not be stored; nothing was kept. Try again.") from error


@transaction.atomic(durable=True)
def _store(
    *, evaluation_id, document: Document, rendered: pdf.Rendered, decision, head, actor, issued_at, render_ms
) -> DecisionRecord:
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation_id)
    found = DecisionRecord.objects.defer("pdf", "content").filter(evaluation=evaluation).first()
    if found is not None:
        return found
    record = DecisionRecord(
        evaluation=evaluation,
        number=document.number,
        decision=decision,
        pdf=rendered.data,
        size=len(rendered.data),
        page_count=rendered.page_count,
        page_size=document.page_size,
        sha256=sha256_hex(rendered.data),
        content=document.content,
        fingerprint=document.fingerprint,
        audit_head_sequence=head.sequence,
        audit_head_hash=head.hash,
        issued_at=issued_at,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        render_ms=render_ms,
    )
    record.full_clean()
    record.save()
    audit.record(
        actor=actor,
        action="decision_record.issue",
        obj=evaluation,
        after={
            "record": record.number,
            "decision": decision,
            "sha256": record.sha256,
            "fingerprint": record.fingerprint,
            "pages": record.page_count,
            "audit_head": f"#{head.sequence} {head.hash}",
        },
    )
    return record
