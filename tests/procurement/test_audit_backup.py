"""Backup and restore keep the proof: events survive a dump into a fresh database and still
verify by full recomputation (not just a matching head hash)."""

import os
import shutil
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from procurement import audit
from procurement.models import AuditEvent
from tests.procurement.test_audit_verify import TABLE, tamper

MANAGE = str(settings.BASE_DIR / "manage.py")


def manage(database_url: str, *args) -> subprocess.CompletedProcess:
    """Run manage.py in a separate process against another database, as an operator would."""
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, MANAGE, *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )


def record_history(procurement_user, legal_user) -> None:
    for i in range(1, 13):
        audit.record(
            actor=procurement_user if i % 2 else legal_user,
            action="vendor.update",
            object_type="vendors.vendor",
            object_id=i,
            object_label=f"Vendor {i} – Ünïcode ✓",
            before={"status": "draft", "spend": "1200000.00", "regions": ["eu-west"]},
            after={"status": "active", "spend": "1250000.50", "regions": ["eu-west", "ap-south"]},
        )
    # An event from a request: request id and an IPv6 address must round-trip too.
    from procurement.middleware import RequestContext, _current

    token = _current.set(RequestContext(request_id="req-backup", client_ip="2001:db8::7"))
    try:
        audit.record(actor=legal_user, action="auth.login", obj=legal_user)
    finally:
        _current.reset(token)


def restore_into_fresh_sqlite(tmp_path) -> tuple[str, subprocess.CompletedProcess]:
    dump = tmp_path / "audit-events.json"
    call_command("dumpdata", "procurement.AuditEvent", output=str(dump), verbosity=0)
    fresh = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    migrated = manage(fresh, "migrate", "--noinput", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    loaded = manage(fresh, "loaddata", str(dump))
    assert loaded.returncode == 0, loaded.stderr
    return fresh, manage(fresh, "verify_audit")


@pytest.mark.django_db
def test_dumped_events_load_into_a_fresh_database_and_verify_by_recomputation(
    procurement_user, legal_user, tmp_path
):
    record_history(procurement_user, legal_user)
    head = audit.head()
    _, verified = restore_into_fresh_sqlite(tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert "13 events" in verified.stdout
    assert f"Head: sequence {head.sequence}, hash {head.hash}" in verified.stdout


@pytest.mark.django_db
def test_a_row_tampered_before_the_dump_fails_after_restore_though_the_head_matches(
    procurement_user, legal_user, tmp_path
):
    record_history(procurement_user, legal_user)
    head = audit.head()
    tamper(f"UPDATE {TABLE} SET object_label = 'Quietly renamed' WHERE sequence = 5")
    assert audit.head() == head  # the head alone would vouch for this dump
    _, verified = restore_into_fresh_sqlite(tmp_path)
    assert verified.returncode == 1
    assert "FAILED at sequence 5" in verified.stderr
    assert "object_label column disagrees" in verified.stderr


@pytest.mark.skipif(
    connection.vendor != "postgresql" or not (shutil.which("pg_dump") and shutil.which("pg_restore")),
    reason="PostgreSQL with pg_dump/pg_restore only (run with DATABASE_URL=postgres://...; CI does)",
)
@pytest.mark.django_db(transaction=True)
def test_pg_dump_and_pg_restore_keep_the_chain_and_its_triggers(procurement_user, legal_user, tmp_path):
    record_history(procurement_user, legal_user)
    head = audit.head()
    params = connection.settings_dict
    target = f"{params['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    base = ["-h", params["HOST"] or "localhost", "-p", str(params["PORT"] or 5432), "-U", params["USER"]]
    env = {**os.environ, "PGPASSWORD": params["PASSWORD"] or ""}
    dump = tmp_path / "procurement.dump"
    subprocess.run(
        ["pg_dump", *base, "--format=custom", f"--file={dump}", params["NAME"]], env=env, check=True
    )
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{target}"')
    try:
        subprocess.run(
            ["pg_restore", *base, "--no-owner", f"--dbname={target}", str(dump)], env=env, check=True
        )
        password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
        url = f"postgres://{params['USER']}{password}@{base[1]}:{base[3]}/{target}"
        verified = manage(url, "verify_audit")
        assert verified.returncode == 0, verified.stderr
        assert f"Head: sequence {head.sequence}, hash {head.hash}" in verified.stdout
        with (
            psycopg.connect(
                dbname=target, host=base[1], port=base[3], user=params["USER"], password=params["PASSWORD"]
            ) as restored,
            restored.cursor() as cursor,
            pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"),
        ):
            cursor.execute(f"UPDATE {TABLE} SET object_label = 'x'")  # the triggers came back too
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    assert AuditEvent.objects.count() == 13
