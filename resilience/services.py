"""Every write to workloads, their dependencies on vendors, and their failover rehearsals.

Each public service is the outermost transaction (durable), locks the rows whose state changes,
validates with `full_clean`, and writes one audit event per change in the same transaction.
Dependency events are recorded against their workload, so the workload's history shows who
moved which capacity where.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from procurement import audit
from vendors.models import Layer, Vendor

from .models import Dependency, Rehearsal, Workload

WORKLOAD_FIELDS = [
    "name",
    "owner",
    "team",
    "tier",
    "criticality",
    "rpo_minutes",
    "rto_minutes",
    "latency_sensitivity",
    "notes",
]
DEPENDENCY_FIELDS = ["vendor", "layer", "band", "amount", "region", "notes"]
REHEARSAL_FIELDS = [
    "scenario",
    "custom_scenario",
    "vendor",
    "performed_on",
    "participants",
    "other_participants",
    "recovery_minutes",
    "data_loss_minutes",
    "rto_target_minutes",
    "rpo_target_minutes",
    "outcome",
    "follow_up_actions",
    "notes",
]
REHEARSAL_EDITABLE = set(REHEARSAL_FIELDS) - {"rto_target_minutes", "rpo_target_minutes"}
DUPLICATE_DEPENDENCY = {
    "vendor": "This workload already depends on this vendor for this layer, band and region: "
    "change that row's amount instead."
}


def rehearsal_interval() -> timedelta:
    return timedelta(days=settings.REHEARSAL_INTERVAL_DAYS)


def next_rehearsal_due(last_rehearsed_on: date | None) -> date | None:
    """The day the next rehearsal is due; None when the workload was never rehearsed (due now)."""
    return last_rehearsed_on + rehearsal_interval() if last_rehearsed_on else None


def _reject_unknown(changes: dict, allowed: Iterable[str], label: str) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown {label} fields: {sorted(unknown)}")


def _save(obj, unique_message: dict) -> None:
    obj.full_clean()
    try:
        # A savepoint: a concurrent insert of the same row must not poison the outer transaction.
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ValidationError(unique_message) from exc


# Workloads --------------------------------------------------------------------------------


def _workload_snapshot(workload: Workload) -> dict:
    return audit.snapshot(workload, WORKLOAD_FIELDS)


def _save_workload(workload: Workload) -> None:
    _save(workload, {"name": "A workload with this name already exists."})


def _workload_create(
    *,
    actor,
    name: str,
    tier: str,
    rpo_minutes: int,
    rto_minutes: int,
    criticality: str = Workload._meta.get_field("criticality").default,
    latency_sensitivity: str = Workload._meta.get_field("latency_sensitivity").default,
    owner=None,
    team: str = "",
    notes: str = "",
) -> Workload:
    workload = Workload(
        name=name.strip(),
        tier=tier,
        rpo_minutes=rpo_minutes,
        rto_minutes=rto_minutes,
        criticality=criticality,
        latency_sensitivity=latency_sensitivity,
        owner=owner,
        team=team,
        notes=notes,
    )
    _save_workload(workload)
    audit.record(actor=actor, action="workload.create", obj=workload, after=_workload_snapshot(workload))
    return workload


@transaction.atomic(durable=True)
def workload_create(*, actor, **fields) -> Workload:
    """Register a workload. Raises ValidationError for bad input (e.g. a duplicate name)."""
    return _workload_create(actor=actor, **fields)


@transaction.atomic(durable=True)
def workload_update(*, actor, workload: Workload, **changes) -> Workload:
    """Change a workload's fields; past rehearsals keep the targets they were judged against."""
    _reject_unknown(changes, WORKLOAD_FIELDS, "workload")
    workload = Workload.objects.select_for_update().get(pk=workload.pk)
    before = _workload_snapshot(workload)
    for name, value in changes.items():
        setattr(workload, name, value.strip() if name == "name" else value)
    _save_workload(workload)
    after = _workload_snapshot(workload)
    if after != before:
        audit.record(actor=actor, action="workload.update", obj=workload, before=before, after=after)
    return workload


# Dependencies -----------------------------------------------------------------------------


def _dependency_snapshot(dependency: Dependency) -> dict:
    values = audit.snapshot(dependency, DEPENDENCY_FIELDS)
    # Names next to ids: the history must stay readable after a vendor is renamed or removed.
    values["vendor"] = f"{dependency.vendor.name} (#{dependency.vendor_id})"
    values["layer"] = dependency.layer.code
    return values


def _dependency_label(dependency: Dependency) -> str:
    band = f" {dependency.get_band_display().lower()}" if dependency.band else ""
    region = f" in {dependency.region}" if dependency.region else ""
    return f"#{dependency.pk}: {dependency.layer.name}{band} from {dependency.vendor.name}{region}"


def _record_dependency_event(
    *, actor, action: str, workload: Workload, before, after, label_before, label_after
):
    changes = audit.diff(before, after)
    # Always name the dependency, even when only its amount changed.
    changes["dependency"] = [label_before, label_after]
    audit.record(actor=actor, action=action, obj=workload, changes=changes)


def _lock_workload(workload: Workload) -> Workload:
    # Dependency edits of one workload are serialised on its row: two people reshuffling the same
    # workload's capacity must not both pass validation against the old set.
    return Workload.objects.select_for_update().get(pk=workload.pk)


@transaction.atomic(durable=True)
def dependency_add(
    *,
    actor,
    workload: Workload,
    vendor: Vendor,
    layer: Layer,
    amount: Decimal,
    band: str = "",
    region: str = "",
    notes: str = "",
) -> Dependency:
    """Record that `workload` relies on `vendor` for `layer` (and, for compute, a capacity band)."""
    workload = _lock_workload(workload)
    dependency = Dependency(
        workload=workload,
        vendor=vendor,
        layer=layer,
        band=band or "",
        amount=amount,
        region=region.strip(),
        notes=notes,
    )
    _save(dependency, DUPLICATE_DEPENDENCY)
    _record_dependency_event(
        actor=actor,
        action="dependency.create",
        workload=workload,
        before=None,
        after=_dependency_snapshot(dependency),
        label_before=None,
        label_after=_dependency_label(dependency),
    )
    return dependency


@transaction.atomic(durable=True)
def dependency_update(*, actor, dependency: Dependency, **changes) -> Dependency:
    """Change a dependency's vendor, layer, band, amount, region or notes."""
    _reject_unknown(changes, DEPENDENCY_FIELDS, "dependency")
    workload = _lock_workload(dependency.workload)
    dependency = (
        Dependency.objects.select_for_update().select_related("vendor", "layer").get(pk=dependency.pk)
    )
    before, label_before = _dependency_snapshot(dependency), _dependency_label(dependency)
    for name, value in changes.items():
        if name == "region":
            value = value.strip()
        if name == "band":
            value = value or ""
        setattr(dependency, name, value)
    _save(dependency, DUPLICATE_DEPENDENCY)
    after = _dependency_snapshot(dependency)
    if after != before:
        _record_dependency_event(
            actor=actor,
            action="dependency.update",
            workload=workload,
            before=before,
            after=after,
            label_before=label_before,
            label_after=_dependency_label(dependency),
        )
    return dependency


@transaction.atomic(durable=True)
def dependency_remove(*, actor, dependency: Dependency) -> None:
    workload = _lock_workload(dependency.workload)
    dependency = (
        Dependency.objects.select_for_update().select_related("vendor", "layer").get(pk=dependency.pk)
    )
    before, label_before = _dependency_snapshot(dependency), _dependency_label(dependency)
    dependency.delete()
    _record_dependency_event(
        actor=actor,
        action="dependency.delete",
        workload=workload,
        before=before,
        after=None,
        label_before=label_before,
        label_after=None,
    )


# Rehearsals -------------------------------------------------------------------------------


def _rehearsal_snapshot(rehearsal: Rehearsal) -> dict:
    return audit.snapshot(rehearsal, REHEARSAL_FIELDS)


def _save_rehearsal(rehearsal: Rehearsal, participants) -> None:
    rehearsal.full_clean()
    rehearsal.save()
    if participants is not None:
        rehearsal.participants.set(participants)


@transaction.atomic(durable=True)
def rehearsal_record(
    *,
    actor,
    workload: Workload,
    scenario: str,
    performed_on: date,
    outcome: str,
    recovery_minutes: int | None = None,
    data_loss_minutes: int | None = None,
    custom_scenario: str = "",
    vendor: Vendor | None = None,
    participants: Iterable = (),
    other_participants: str = "",
    follow_up_actions: str = "",
    notes: str = "",
) -> Rehearsal:
    """Record a failover rehearsal, judged against the workload's RTO and RPO targets of today."""
    # Locked: the targets copied onto the rehearsal must be the ones in force as it is recorded.
    workload = _lock_workload(workload)
    rehearsal = Rehearsal(
        workload=workload,
        scenario=scenario,
        custom_scenario=custom_scenario.strip(),
        vendor=vendor,
        performed_on=performed_on,
        other_participants=other_participants,
        recovery_minutes=recovery_minutes,
        data_loss_minutes=data_loss_minutes,
        rto_target_minutes=workload.rto_minutes,
        rpo_target_minutes=workload.rpo_minutes,
        outcome=outcome,
        follow_up_actions=follow_up_actions,
        notes=notes,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _save_rehearsal(rehearsal, list(participants))
    audit.record(actor=actor, action="rehearsal.create", obj=rehearsal, after=_rehearsal_snapshot(rehearsal))
    return rehearsal


@transaction.atomic(durable=True)
def rehearsal_update(*, actor, rehearsal: Rehearsal, **changes) -> Rehearsal:
    """Correct a recorded rehearsal. Its targets stay those it was recorded against."""
    _reject_unknown(changes, REHEARSAL_EDITABLE, "rehearsal")
    rehearsal = Rehearsal.objects.select_for_update().get(pk=rehearsal.pk)
    before = _rehearsal_snapshot(rehearsal)
    participants = changes.pop("participants", None)
    for name, value in changes.items():
        setattr(rehearsal, name, value.strip() if name == "custom_scenario" else value)
    _save_rehearsal(rehearsal, list(participants) if participants is not None else None)
    after = _rehearsal_snapshot(rehearsal)
    if after != before:
        audit.record(actor=actor, action="rehearsal.update", obj=rehearsal, before=before, after=after)
    return rehearsal
