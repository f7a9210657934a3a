"""PostgreSQL protects the trail itself: triggers, a SELECT+INSERT-only role, serialised appends.

CI runs the suite on SQLite and on PostgreSQL; on SQLite these tests are skipped (SQLite has no
triggers installed by the migration and no concurrent writers to race).
"""

import threading
import uuid

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction

from procurement import audit
from procurement.models import AuditEvent

TABLE = AuditEvent._meta.db_table

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: the append-only triggers, roles and advisory locks exist there "
    "(run with DATABASE_URL=postgres://...; CI does)",
)


def execute(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def refused(sql: str, params=()) -> str:
    """Run `sql` in a savepoint and return the database's refusal message."""
    with pytest.raises(DatabaseError) as refusal, transaction.atomic():
        execute(sql, params)
    return str(refusal.value)


@pytest.fixture
def events(db):
    return [audit.record(actor=None, action="test.protected", object_label=f"Event {i}") for i in range(3)]


@pytest.fixture
def maintenance_off(db):
    # The test database allows TRUNCATE for Django's flush; production never sets this.
    execute("SET LOCAL procurement.audit_maintenance = 'off'")


def test_the_database_refuses_to_update_an_event(events, maintenance_off):
    message = refused(f"UPDATE {TABLE} SET object_label = 'rewritten' WHERE sequence = 2")
    assert "append-only: UPDATE" in message
    assert AuditEvent.objects.get(sequence=2).object_label == "Event 1"


def test_the_database_refuses_to_update_an_event_even_in_maintenance_mode(events):
    execute("SET LOCAL procurement.audit_maintenance = 'on'")
    assert "append-only: UPDATE" in refused(f"UPDATE {TABLE} SET object_label = 'x'")


def test_the_database_refuses_to_delete_an_event(events, maintenance_off):
    assert "append-only: DELETE" in refused(f"DELETE FROM {TABLE} WHERE sequence = 3")
    assert "append-only: DELETE" in refused(f"DELETE FROM {TABLE}")
    assert AuditEvent.objects.count() == 3


def test_the_database_refuses_to_delete_an_event_even_in_maintenance_mode(events):
    execute("SET LOCAL procurement.audit_maintenance = 'on'")
    assert "append-only: DELETE" in refused(f"DELETE FROM {TABLE}")


def test_the_database_refuses_to_truncate_the_events(events, maintenance_off):
    assert "append-only: TRUNCATE" in refused(f"TRUNCATE {TABLE}")
    assert "append-only: TRUNCATE" in refused(f"TRUNCATE {TABLE} RESTART IDENTITY CASCADE")
    assert AuditEvent.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_truncate_is_refused_by_default_where_the_setting_was_never_set():
    audit.record(actor=None, action="test.kept")
    name = connection.ops.quote_name(connection.settings_dict["NAME"])
    # Only the test database turns the setting on; take it away and open a plain session.
    execute(f"ALTER DATABASE {name} RESET procurement.audit_maintenance")
    try:
        plain = connection.get_new_connection(connection.get_connection_params())
        try:
            with plain.cursor() as cursor:
                cursor.execute("SELECT current_setting('procurement.audit_maintenance', true)")
                assert cursor.fetchone()[0] in (None, "")
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only: TRUNCATE"):
                    cursor.execute(f"TRUNCATE {TABLE}")
        finally:
            plain.close()
    finally:
        execute(f"ALTER DATABASE {name} SET procurement.audit_maintenance = 'on'")
    assert AuditEvent.objects.count() == 1


def test_the_triggers_are_installed_on_the_event_table(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY tgname",
            [TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    assert names == [
        "procurement_auditevent_no_delete",
        "procurement_auditevent_no_truncate",
        "procurement_auditevent_no_update",
    ]


def test_inserts_still_work_under_the_triggers(events):
    audit.record(actor=None, action="test.after")
    assert audit.verify_chain().event_count == 4


def test_a_role_with_only_select_and_insert_appends_but_cannot_change(events):
    # The README's least-privilege setup, proven: this role may add events and read them.
    role = f"audit_app_{uuid.uuid4().hex[:12]}"
    execute(f"CREATE ROLE {role} NOLOGIN")  # rolled back with the test transaction
    execute(f"GRANT SELECT, INSERT ON {TABLE} TO {role}")
    execute(f"SET LOCAL ROLE {role}")
    audit.record(actor=None, action="test.least_privilege")
    assert audit.verify_chain().event_count == 4
    execute("SET LOCAL procurement.audit_maintenance = 'on'")  # even then: no privilege
    for sql in (f"UPDATE {TABLE} SET object_label = 'x'", f"DELETE FROM {TABLE}", f"TRUNCATE {TABLE}"):
        assert "permission denied" in refused(sql)
    execute("RESET ROLE")
    assert AuditEvent.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    writers, each = 8, 12
    barrier = threading.Barrier(writers)
    failures = []

    def write(worker: int) -> None:
        try:
            barrier.wait(timeout=30)  # all threads start appending at the same moment
            for i in range(each):
                with transaction.atomic():
                    audit.record(
                        actor=None,
                        action="test.concurrent",
                        object_type="test.writer",
                        object_id=worker,
                        object_label=f"writer {worker} event {i}",
                    )
        except Exception as exc:  # collected and asserted below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True)) == list(
        range(1, writers * each + 1)
    )
    prev_hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(set(prev_hashes)) == len(prev_hashes)  # no two events share a predecessor
    result = audit.verify_chain()
    assert result.ok and result.event_count == writers * each
    for worker in range(writers):
        labels = AuditEvent.objects.filter(object_id=str(worker)).order_by("sequence")
        assert [e.object_label for e in labels] == [f"writer {worker} event {i}" for i in range(each)]
