"""Demo decision records: every decided demo evaluation gets its stored record.

Runs after the scorecards (and sign-off) seeders, from procurement.demo.seed(). Idempotent:
an evaluation that already has its record is left alone (records are issued once).
"""

import logging

from . import records
from .models import DecisionRecord, Evaluation

logger = logging.getLogger(__name__)


def seed() -> list[DecisionRecord]:
    decided = (
        Evaluation.objects.filter(status__in=[*Evaluation.DECIDED_STATES, Evaluation.Status.SUPERSEDED])
        .filter(decision_record__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    issued = []
    for evaluation_id in decided:
        try:
            issued.append(records.decision_record_issue(evaluation_id=evaluation_id))
        except records.RecordError as error:
            # Kept as a failure with a retry button on the evaluation's record page.
            logger.warning("Demo decision record of evaluation %s not issued: %s", evaluation_id, error)
    return issued
