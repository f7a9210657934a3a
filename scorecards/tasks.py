"""Background tasks of the scorecards: issuing a decision record once its decision commits."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.tasks import task

from procurement import audit
from procurement.tasks import task_is_pending, task_retry_later

from . import records
from .models import Evaluation


@task()
def issue_decision_record(
    evaluation_id: int,
    actor_id: int | None = None,
    head_sequence: int | None = None,
    head_hash: str = "",
    attempt: int = 1,
) -> str:
    """Render and store the evaluation's decision record; idempotent (a second run returns the
    record the first stored). A failed render is kept as a DecisionRecordFailure, which the
    record page shows with a retry button, and retried with backoff up to
    DECISION_RECORD_MAX_ATTEMPTS."""
    found = records.existing_record(evaluation_id)
    if found is not None:
        return found.number
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    head = audit.Checkpoint(head_sequence, head_hash) if head_sequence is not None else None
    try:
        record = records.decision_record_issue(evaluation_id=evaluation_id, actor=actor, audit_head=head)
    except records.RecordError:
        if attempt < settings.DECISION_RECORD_MAX_ATTEMPTS:
            args = (evaluation_id, actor_id, head_sequence, head_hash, attempt + 1)
            task_retry_later(issue_decision_record, *args, attempt=attempt)
        raise
    return record.number


def decision_record_requeue() -> int:
    """Enqueue the record of every decided evaluation that has none and no task to issue it
    (its worker was killed, or the queue lost it); the chain head comes from its decision event."""
    count = 0
    decided = Evaluation.objects.filter(
        status__in=[*Evaluation.DECIDED_STATES, Evaluation.Status.SUPERSEDED], decision_record__isnull=True
    ).values_list("pk", flat=True)
    for evaluation_id in decided:
        if not task_is_pending(issue_decision_record, evaluation_id):
            issue_decision_record.enqueue(evaluation_id)
            count += 1
    return count
