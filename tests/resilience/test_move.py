"""The resilience models moved from the vendors app without the database noticing: an existing
database migrates in place (rows, tables, content types kept), and the audit trail's events from
before the move still belong to their objects."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from procurement import audit
from procurement.models import AuditEvent
from resilience.models import Dependency, Rehearsal, Workload

from .factories import WorkloadFactory

BEFORE = [("vendors", "0006_contract_exit_rights_missing"), ("resilience", None)]
CONTENT_TYPES = ("contenttypes", "0002_remove_content_type_name")


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def _apps_before():
    return MigrationExecutor(connection).loader.project_state([BEFORE[0], CONTENT_TYPES]).apps


@pytest.mark.django_db(transaction=True)
def test_an_existing_database_migrates_in_place():
    _migrate(BEFORE)
    old = _apps_before()
    OldWorkload = old.get_model("vendors", "Workload")
    OldContentType = old.get_model("contenttypes", "ContentType")
    workload = OldWorkload.objects.create(
        name="Chat inference", tier="hot_inference", rpo_minutes=5, rto_minutes=30
    )
    # A database from before the move knows these models' content types as the vendors app's.
    OldContentType.objects.filter(model__in=["workload", "dependency", "rehearsal"]).delete()
    content_type = OldContentType.objects.create(app_label="vendors", model="workload")

    _migrate(_latest())

    assert Workload._meta.db_table == "vendors_workload"
    assert Workload.objects.get(pk=workload.pk).name == "Chat inference"
    moved = ContentType.objects.get(pk=content_type.pk)
    assert (moved.app_label, moved.model) == ("resilience", "workload")
    assert {Dependency._meta.db_table, Rehearsal._meta.db_table} == {
        "vendors_dependency",
        "vendors_rehearsal",
    }


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db
def test_events_recorded_before_the_move_stay_in_the_objects_history(client, auditor_user, platform_user):
    workload = WorkloadFactory(name="Chat inference")
    audit.record(
        actor=platform_user,
        action="workload.update",
        object_type="vendors.workload",  # as events were labelled before the move
        object_id=workload.pk,
        object_label=workload.name,
        changes={"team": ["", "Assistant"]},
    )
    audit.record(actor=platform_user, action="workload.update", obj=workload, changes={"notes": ["", "x"]})
    client.force_login(auditor_user)

    page = client.get(reverse("audit:object-history", args=["resilience.workload", workload.pk]))

    assert [e.object_type for e in page.context["events"]] == ["resilience.workload", "vendors.workload"]
    assert audit.model_for_type("vendors.workload") is Workload
    assert AuditEvent.objects.filter(object_type="vendors.workload").count() == 1
