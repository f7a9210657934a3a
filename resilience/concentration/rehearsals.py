"""The latest rehearsal of each workload, read in the same query as the workloads."""

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from ..models import Rehearsal, RehearsalScenario, Workload, within_target
from ..services import next_rehearsal_due
from .words import minutes_label  # noqa: F401 - re-exported for the templates and callers

# Rehearsals that exercise moving capacity to another vendor or region: the evidence that
# counts when asking how long losing a vendor would take to recover from.
FAILOVER_SCENARIOS = [
    RehearsalScenario.PROVIDER_EXIT,
    RehearsalScenario.REGION_OUTAGE,
    RehearsalScenario.GPU_SHORTAGE,
]


LAST_REHEARSAL_FIELDS = (
    "last_rehearsed_on",
    "last_scenario",
    "last_custom_scenario",
    "last_outcome",
    "last_recovery_minutes",
    "last_data_loss_minutes",
    "last_rto_target",
    "last_rpo_target",
)


def with_last_rehearsal(
    workloads: QuerySet[Workload], scenarios: list[str] | None = None
) -> QuerySet[Workload]:
    """Annotate the latest rehearsal (date, scenario, outcome, recovery, data loss) of each workload."""
    latest = Rehearsal.objects.filter(workload=OuterRef("pk"))
    if scenarios:
        latest = latest.filter(scenario__in=scenarios)
    latest = latest.order_by("-performed_on", "-pk")
    return workloads.annotate(
        last_rehearsed_on=Subquery(latest.values("performed_on")[:1]),
        last_scenario=Subquery(latest.values("scenario")[:1]),
        last_custom_scenario=Subquery(latest.values("custom_scenario")[:1]),
        last_outcome=Subquery(latest.values("outcome")[:1]),
        last_recovery_minutes=Subquery(latest.values("recovery_minutes")[:1]),
        last_data_loss_minutes=Subquery(latest.values("data_loss_minutes")[:1]),
        last_rto_target=Subquery(latest.values("rto_target_minutes")[:1]),
        last_rpo_target=Subquery(latest.values("rpo_target_minutes")[:1]),
    )


@dataclass(frozen=True)
class LastRehearsal:
    performed_on: date
    scenario: str
    outcome: str
    recovery_minutes: int | None
    data_loss_minutes: int | None
    rto_target: int
    rpo_target: int

    @classmethod
    def from_row(cls, row: dict) -> "LastRehearsal | None":
        if row.get("last_rehearsed_on") is None:
            return None
        scenario = row["last_custom_scenario"] or RehearsalScenario(row["last_scenario"]).label
        return cls(
            row["last_rehearsed_on"],
            scenario,
            row["last_outcome"],
            row["last_recovery_minutes"],
            row["last_data_loss_minutes"],
            row["last_rto_target"],
            row["last_rpo_target"],
        )

    @property
    def outcome_label(self) -> str:
        return Rehearsal.Outcome(self.outcome).label

    # Cached: pages and counts ask each of hundreds of rehearsals several times per render.
    @cached_property
    def met_rto(self) -> bool:
        return within_target(self.recovery_minutes, self.rto_target)

    @cached_property
    def met_rpo(self) -> bool:
        return within_target(self.data_loss_minutes, self.rpo_target)

    @cached_property
    def next_due(self) -> date:
        return next_rehearsal_due(self.performed_on)

    @cached_property
    def overdue(self) -> bool:
        return self.next_due < timezone.localdate()


def latest_rehearsals(workload_ids, scenarios: list[str] | None = None) -> dict[int, LastRehearsal]:
    """The latest rehearsal of each of many workloads, from one query (no subquery per row)."""
    rehearsals = Rehearsal.objects.filter(workload_id__in=workload_ids)
    if scenarios:
        rehearsals = rehearsals.filter(scenario__in=scenarios)
    latest: dict[int, LastRehearsal] = {}
    rows = rehearsals.order_by("workload_id", "performed_on", "pk").values_list(
        "workload_id",
        "performed_on",
        "scenario",
        "custom_scenario",
        "outcome",
        "recovery_minutes",
        "data_loss_minutes",
        "rto_target_minutes",
        "rpo_target_minutes",
    )
    for workload_id, performed_on, scenario, custom, *rest in rows:
        # Ascending order: the last row of each workload is its latest rehearsal.
        latest[workload_id] = LastRehearsal(performed_on, custom or RehearsalScenario(scenario).label, *rest)
    return latest
