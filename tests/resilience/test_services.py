"""Services for workloads, dependencies and rehearsals: each change validated, locked and audited."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from procurement.models import AuditEvent
from resilience import services
from resilience.models import Dependency, Rehearsal, RehearsalScenario, Workload
from vendors.models import CapacityBand, WorkloadTier

from .factories import DependencyFactory, VendorFactory, WorkloadFactory, layer

pytestmark = pytest.mark.django_db

C, E = CapacityBand.COMMITTED, CapacityBand.EMERGENCY


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def new_workload(actor, **overrides):
    fields = {
        "name": "Chat inference",
        "tier": WorkloadTier.HOT_INFERENCE,
        "rpo_minutes": 5,
        "rto_minutes": 30,
    }
    return services.workload_create(actor=actor, **(fields | overrides))


# Workloads ---------------------------------------------------------------------------------


def test_creating_a_workload_records_who_and_what(platform_user):
    workload = new_workload(platform_user, team="  Assistant ", notes="Main model")

    (event,) = events("workload.create")
    assert event.actor == platform_user
    assert event.object_type == "resilience.workload" and event.object_id == str(workload.pk)
    assert event.changes["name"] == [None, "Chat inference"]
    assert event.changes["rto_minutes"] == [None, 30]


def test_workload_names_are_unique_whatever_the_case(platform_user):
    new_workload(platform_user)
    with pytest.raises(ValidationError, match="already exists"):
        new_workload(platform_user, name="CHAT INFERENCE")
    assert Workload.objects.count() == 1 and len(events("workload.create")) == 1


def test_rto_must_be_at_least_a_minute(platform_user):
    with pytest.raises(ValidationError) as exc:
        new_workload(platform_user, rto_minutes=0)
    assert "rto_minutes" in exc.value.error_dict


def test_updating_a_workload_audits_only_what_changed(platform_user):
    workload = new_workload(platform_user)
    services.workload_update(actor=platform_user, workload=workload, rto_minutes=45, name="Chat inference")

    (event,) = events("workload.update")
    assert event.changes == {"rto_minutes": [30, 45]}
    workload.refresh_from_db()
    assert workload.rto_minutes == 45


def test_an_update_that_changes_nothing_writes_no_event(platform_user):
    workload = new_workload(platform_user)
    services.workload_update(actor=platform_user, workload=workload, rto_minutes=30)
    assert events("workload.update") == []


def test_updating_an_unknown_field_is_a_programming_error(platform_user):
    workload = new_workload(platform_user)
    with pytest.raises(TypeError):
        services.workload_update(actor=platform_user, workload=workload, colour="red")


# Dependencies ------------------------------------------------------------------------------


def test_adding_a_dependency_is_audited_on_its_workload(platform_user):
    workload = WorkloadFactory()
    vendor = VendorFactory(name="Nimbus")
    dep = services.dependency_add(
        actor=platform_user,
        workload=workload,
        vendor=vendor,
        layer=layer("compute"),
        band=C,
        amount=Decimal("64"),
        region=" us-east ",
    )

    assert dep.region == "us-east"
    (event,) = events("dependency.create")
    assert event.object_type == "resilience.workload" and event.object_id == str(workload.pk)
    assert event.changes["dependency"] == [None, f"#{dep.pk}: Compute committed from Nimbus in us-east"]
    assert event.changes["vendor"] == [None, f"Nimbus (#{vendor.pk})"]
    assert event.changes["amount"] == [None, "64"]


def test_compute_needs_a_band_and_other_layers_refuse_one(platform_user):
    workload, vendor = WorkloadFactory(), VendorFactory()
    with pytest.raises(ValidationError) as exc:
        services.dependency_add(
            actor=platform_user, workload=workload, vendor=vendor, layer=layer("compute"), amount=8
        )
    assert "band" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        services.dependency_add(
            actor=platform_user, workload=workload, vendor=vendor, layer=layer("storage"), band=C, amount=50
        )
    assert "band" in exc.value.error_dict
    assert Dependency.objects.count() == 0 and events("dependency.create") == []


def test_shares_of_non_compute_layers_cannot_exceed_a_hundred_percent(platform_user):
    with pytest.raises(ValidationError) as exc:
        services.dependency_add(
            actor=platform_user,
            workload=WorkloadFactory(),
            vendor=VendorFactory(),
            layer=layer("storage"),
            amount=150,
        )
    assert "amount" in exc.value.error_dict


def test_amounts_must_be_positive(platform_user):
    with pytest.raises(ValidationError) as exc:
        services.dependency_add(
            actor=platform_user,
            workload=WorkloadFactory(),
            vendor=VendorFactory(),
            layer=layer("compute"),
            band=C,
            amount=Decimal("0"),
        )
    assert "amount" in exc.value.error_dict


def test_the_same_vendor_layer_band_and_region_is_one_row(platform_user):
    workload, vendor = WorkloadFactory(), VendorFactory()
    args = {"workload": workload, "vendor": vendor, "layer": layer("compute"), "band": C, "amount": 8}
    services.dependency_add(actor=platform_user, region="us-east", **args)
    with pytest.raises(ValidationError, match="change that row's amount"):
        services.dependency_add(actor=platform_user, region="US-EAST", **args)
    services.dependency_add(actor=platform_user, region="eu-west", **args)
    assert Dependency.objects.count() == 2


def test_updating_a_dependency_names_it_in_the_event(platform_user):
    dep = DependencyFactory(amount=Decimal("8"), band=C)
    other = VendorFactory(name="Other")
    services.dependency_update(
        actor=platform_user, dependency=dep, amount=Decimal("16"), vendor=other, band=E
    )

    (event,) = events("dependency.update")
    assert event.object_id == str(dep.workload_id)
    assert event.changes["amount"] == ["8.00", "16"]
    assert event.changes["band"] == ["committed", "emergency"]
    assert event.changes["dependency"][1] == f"#{dep.pk}: Compute emergency from Other"
    dep.refresh_from_db()
    assert dep.vendor == other and dep.amount == 16


def test_a_refused_dependency_update_leaves_the_row_and_the_trail_alone(platform_user):
    dep = DependencyFactory(amount=Decimal("8"), band=C)
    with pytest.raises(ValidationError):
        services.dependency_update(actor=platform_user, dependency=dep, band="")
    dep.refresh_from_db()
    assert dep.band == C and events("dependency.update") == []


def test_removing_a_dependency_is_audited_with_what_it_was(platform_user):
    dep = DependencyFactory(amount=Decimal("8"))
    workload_id, label = dep.workload_id, f"#{dep.pk}: Compute committed from {dep.vendor.name}"
    services.dependency_remove(actor=platform_user, dependency=dep)

    assert not Dependency.objects.exists()
    (event,) = events("dependency.delete")
    assert event.object_id == str(workload_id)
    assert event.changes["dependency"] == [label, None]
    assert event.changes["amount"] == ["8.00", None]


# Rehearsals --------------------------------------------------------------------------------


def record(actor, workload, **overrides):
    fields = {
        "scenario": RehearsalScenario.REGION_OUTAGE,
        "performed_on": timezone.localdate() - timedelta(days=3),
        "outcome": Rehearsal.Outcome.PASSED,
        "recovery_minutes": 20,
        "data_loss_minutes": 2,
    }
    return services.rehearsal_record(actor=actor, workload=workload, **(fields | overrides))


def test_a_rehearsal_keeps_the_targets_it_was_judged_against(platform_user, procurement_user):
    workload = WorkloadFactory(rto_minutes=30, rpo_minutes=5)
    rehearsal = record(platform_user, workload, participants=[platform_user, procurement_user])

    services.workload_update(actor=platform_user, workload=workload, rto_minutes=10)

    rehearsal.refresh_from_db()
    assert (rehearsal.rto_target_minutes, rehearsal.rpo_target_minutes) == (30, 5)
    assert rehearsal.met_rto and rehearsal.met_rpo
    assert rehearsal.recorded_by == platform_user
    (event,) = events("rehearsal.create")
    assert event.object_type == "resilience.rehearsal"
    assert event.changes["participants"] == [None, sorted([platform_user.pk, procurement_user.pk])]
    assert event.changes["rto_target_minutes"] == [None, 30]


def test_a_pass_that_missed_its_rto_is_refused(platform_user):
    workload = WorkloadFactory(rto_minutes=30)
    with pytest.raises(ValidationError) as exc:
        record(platform_user, workload, recovery_minutes=45)
    assert "outcome" in exc.value.error_dict
    record(platform_user, workload, recovery_minutes=45, outcome=Rehearsal.Outcome.PARTIAL)


def test_a_pass_needs_the_data_loss_within_the_rpo(platform_user):
    workload = WorkloadFactory(rpo_minutes=5)
    with pytest.raises(ValidationError, match="RPO"):
        record(platform_user, workload, data_loss_minutes=None)
    with pytest.raises(ValidationError, match="RPO"):
        record(platform_user, workload, data_loss_minutes=6)


def test_a_failed_rehearsal_records_no_recovery_time_and_others_must(platform_user):
    workload = WorkloadFactory()
    with pytest.raises(ValidationError) as exc:
        record(platform_user, workload, outcome=Rehearsal.Outcome.FAILED)
    assert "recovery_minutes" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        record(platform_user, workload, outcome=Rehearsal.Outcome.PARTIAL, recovery_minutes=None)
    assert "recovery_minutes" in exc.value.error_dict
    failed = record(platform_user, workload, outcome=Rehearsal.Outcome.FAILED, recovery_minutes=None)
    assert not failed.met_rto


def test_rehearsals_cannot_be_recorded_in_advance(platform_user):
    with pytest.raises(ValidationError) as exc:
        record(platform_user, WorkloadFactory(), performed_on=timezone.localdate() + timedelta(days=1))
    assert "performed_on" in exc.value.error_dict


def test_a_custom_scenario_needs_a_name_and_only_it_takes_one(platform_user):
    workload = WorkloadFactory()
    with pytest.raises(ValidationError, match="Name the custom scenario"):
        record(platform_user, workload, scenario=RehearsalScenario.CUSTOM, custom_scenario="  ")
    with pytest.raises(ValidationError, match="Only a custom scenario"):
        record(platform_user, workload, custom_scenario="Something")
    custom = record(platform_user, workload, scenario=RehearsalScenario.CUSTOM, custom_scenario="DNS hijack")
    assert custom.scenario_label == "DNS hijack"
    assert Rehearsal.objects.count() == 1


def test_correcting_a_rehearsal_is_audited_and_keeps_its_targets(platform_user):
    workload = WorkloadFactory(rto_minutes=30)
    rehearsal = record(platform_user, workload)
    services.workload_update(actor=platform_user, workload=workload, rto_minutes=10)

    services.rehearsal_update(
        actor=platform_user, rehearsal=rehearsal, recovery_minutes=25, participants=[platform_user]
    )

    (event,) = events("rehearsal.update")
    assert event.changes == {"recovery_minutes": [20, 25], "participants": [[], [platform_user.pk]]}
    rehearsal.refresh_from_db()
    assert rehearsal.rto_target_minutes == 30 and rehearsal.met_rto


def test_rehearsal_targets_cannot_be_edited(platform_user):
    rehearsal = record(platform_user, WorkloadFactory())
    with pytest.raises(TypeError):
        services.rehearsal_update(actor=platform_user, rehearsal=rehearsal, rto_target_minutes=999)


# Due dates ---------------------------------------------------------------------------------


def test_next_rehearsal_is_due_the_configured_interval_after_the_last(settings):
    last = timezone.localdate() - timedelta(days=10)
    assert services.next_rehearsal_due(last) == last + timedelta(days=90)
    settings.REHEARSAL_INTERVAL_DAYS = 30
    assert services.next_rehearsal_due(last) == last + timedelta(days=30)
    assert services.next_rehearsal_due(None) is None
