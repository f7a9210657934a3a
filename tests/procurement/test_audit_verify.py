"""`verify_audit`: every kind of tampering is caught, named by its first bad sequence.

Tampering goes through raw SQL, past the ORM guard and, on PostgreSQL, past the triggers
(the table owner can disable them): what a database administrator could do.
"""

import io
import json
import tracemalloc

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from procurement import audit
from procurement.models import AuditEvent, AuditVerification

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table


def tamper(sql: str, params=()) -> None:
    """Run raw SQL on the event table as its owner would, with the append-only triggers off."""
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if postgres:
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")


def forged_event(sequence: int, prev_hash: str, **overrides) -> dict:
    """A self-consistent row (canonical text, columns and hash agree) written by a forger."""
    fields = {
        "sequence": sequence,
        "occurred_at": "2026-11-24T10:00:00+00:00",
        "actor_id": None,
        "actor_name": "Mallory",
        "action": "evaluation.approve",
        "object_type": "scorecards.evaluation",
        "object_id": "9",
        "object_label": "Forged approval",
        "changes": {"status": ["submitted", "approved"]},
        "request_id": "",
        "client_ip": None,
        "prev_hash": prev_hash,
        **overrides,
    }
    canonical = audit.canonical_json(fields)
    return {**fields, "canonical": canonical, "hash": audit.compute_hash(canonical)}


def insert_raw(row: dict) -> None:
    columns = list(row)
    values = [json.dumps(v) if k == "changes" else v for k, v in row.items()]
    tamper(
        f"INSERT INTO {TABLE} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
        values,
    )


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def chain(procurement_user):
    """Six events by a signed-in user, with field-level changes and a request context."""
    events = []
    for i in range(1, 7):
        events.append(
            audit.record(
                actor=procurement_user,
                action="vendor.update",
                object_type="vendors.vendor",
                object_id=i,
                object_label=f"Vendor {i}",
                # jsonb stores keys by length, then bytes; the canonical text keeps its own order.
                before={"zz_status": "draft", "a": i, "region_list": ["eu-west", "us-east"]},
                after={"zz_status": "active", "a": i + 1, "region_list": ["eu-west"]},
            )
        )
    return events


def test_an_intact_chain_verifies_and_prints_its_count_and_head(chain):
    code, out, err = run()
    assert code == 0, err
    assert "6 events" in out
    assert f"Head: sequence 6, hash {chain[-1].hash}" in out
    assert f'Checkpoint: {{"hash": "{chain[-1].hash}", "sequence": 6}}' in out


def test_an_empty_trail_verifies_with_the_genesis_head(db):
    code, out, _ = run()
    assert code == 0
    assert "0 events" in out and AuditEvent.GENESIS_HASH in out


def test_verification_crosses_chunk_boundaries(chain):
    assert audit.verify_chain(chunk_size=4).ok
    assert audit.verify_chain(chunk_size=1).event_count == 6
    code, _, _ = run("--chunk-size", "5")
    assert code == 0


def test_jsonb_key_order_does_not_matter_but_the_hashed_text_does(chain):
    stored = AuditEvent.objects.get(sequence=1)
    assert stored.canonical == chain[0].canonical
    assert list(json.loads(stored.canonical)["changes"]) == ["a", "region_list", "zz_status"]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("object_label", "Someone Else Entirely"),
        ("actor_name", "An Innocent Bystander"),
        ("action", "vendor.delete"),
        ("object_id", "99"),
        ("object_type", "vendors.contract"),
        ("request_id", "forged-request"),
        ("client_ip", "198.51.100.7"),
        ("occurred_at", "2025-01-01 00:00:00+00:00"),
        ("actor_id", 4242),
    ],
)
def test_an_edited_column_is_caught_even_with_the_canonical_text_untouched(chain, column, value):
    tamper(f"UPDATE {TABLE} SET {column} = %s WHERE sequence = 3", [value])
    code, _, err = run()
    assert code == 1
    assert "FAILED at sequence 3" in err
    assert f"its {column} column disagrees" in err


def test_edited_changes_are_caught_even_when_only_a_value_type_differs(chain):
    changes = json.loads(AuditEvent.objects.get(sequence=4).canonical)["changes"]
    changes["a"] = [4, 5.0]  # was [4, 5]: equal in Python, a different value on the record
    tamper(f"UPDATE {TABLE} SET changes = %s WHERE sequence = 4", [json.dumps(changes)])
    result = audit.verify_chain()
    assert (result.ok, result.first_bad_sequence) == (False, 4)
    assert "changes column" in result.problem


def test_an_edited_canonical_text_no_longer_matches_its_hash(chain):
    canonical = AuditEvent.objects.get(sequence=2).canonical.replace("Vendor 2", "Vendor X")
    tamper(f"UPDATE {TABLE} SET canonical = %s, object_label = 'Vendor X' WHERE sequence = 2", [canonical])
    code, _, err = run()
    assert code == 1 and "FAILED at sequence 2" in err and "hash does not match" in err


def test_an_event_rewritten_with_a_fresh_hash_breaks_the_next_link(chain):
    original = AuditEvent.objects.get(sequence=3)
    row = forged_event(3, original.prev_hash)
    tamper(
        f"UPDATE {TABLE} SET canonical = %s, hash = %s, object_label = %s, actor_name = %s, action = %s,"
        " object_type = %s, object_id = %s, changes = %s, occurred_at = %s, actor_id = NULL,"
        " request_id = '', client_ip = NULL WHERE sequence = 3",
        [
            row["canonical"],
            row["hash"],
            row["object_label"],
            row["actor_name"],
            row["action"],
            row["object_type"],
            row["object_id"],
            json.dumps(row["changes"]),
            row["occurred_at"],
        ],
    )
    result = audit.verify_chain()
    assert (result.ok, result.first_bad_sequence) == (False, 4)
    assert "previous-hash link" in result.problem and "#3" in result.problem


def test_a_deleted_event_is_caught_as_a_gap(chain):
    tamper(f"DELETE FROM {TABLE} WHERE sequence = 4")
    code, _, err = run()
    assert code == 1
    assert "FAILED at sequence 4" in err
    assert "event #4 is missing" in err


def test_several_deleted_events_are_named_as_a_range(chain):
    tamper(f"DELETE FROM {TABLE} WHERE sequence IN (2, 3)")
    result = audit.verify_chain()
    assert result.first_bad_sequence == 2 and "#2–#3 is missing" in result.problem


def test_a_deleted_first_event_is_caught(chain):
    tamper(f"DELETE FROM {TABLE} WHERE sequence = 1")
    assert audit.verify_chain().first_bad_sequence == 1


def test_an_event_inserted_into_the_middle_is_caught(chain):
    # Make room after #3 by renumbering the later events, then slip a forged #4 in.
    tamper(f"UPDATE {TABLE} SET sequence = sequence + 1000 WHERE sequence > 3")
    tamper(f"UPDATE {TABLE} SET sequence = sequence - 999 WHERE sequence > 1000")
    insert_raw(forged_event(4, "f" * 64))  # #3's hash is taken: prev_hash is unique
    code, _, err = run()
    assert code == 1 and "FAILED at sequence 4" in err and "previous-hash link" in err


def test_a_renumbered_event_is_caught_even_without_an_insert(chain):
    tamper(f"UPDATE {TABLE} SET sequence = 7 WHERE sequence = 6")
    tamper(f"UPDATE {TABLE} SET sequence = 6 WHERE sequence = 5")
    result = audit.verify_chain()
    assert result.first_bad_sequence == 5 and "missing" in result.problem


def test_swapped_events_are_caught(chain):
    tamper(f"UPDATE {TABLE} SET sequence = 1000 WHERE sequence = 2")
    tamper(f"UPDATE {TABLE} SET sequence = 2 WHERE sequence = 3")
    tamper(f"UPDATE {TABLE} SET sequence = 3 WHERE sequence = 1000")
    code, _, err = run()
    assert code == 1
    assert "FAILED at sequence 2" in err
    assert "stored as #2 but was hashed as #3" in err


def test_an_appended_forgery_is_caught_when_hashes_are_keyed(settings, db):
    settings.AUDIT_HMAC_KEY = "only-the-app-knows-this"
    last = None
    for i in range(3):
        last = audit.record(actor=None, action="test.keyed", object_label=str(i))
    # Without the key, a forger can only compute plain SHA-256 for its event.
    settings.AUDIT_HMAC_KEY = ""
    insert_raw(forged_event(4, last.hash))
    settings.AUDIT_HMAC_KEY = "only-the-app-knows-this"
    result = audit.verify_chain()
    assert (result.ok, result.first_bad_sequence) == (False, 4)
    assert "hash does not match" in result.problem


# Checkpoints: the head anchored outside the table ------------------------------------------


def test_write_checkpoint_saves_the_head_for_an_external_store(chain, tmp_path):
    path = tmp_path / "head.json"
    code, out, _ = run("--write-checkpoint", str(path))
    assert code == 0
    assert json.loads(path.read_text()) == {"sequence": 6, "hash": chain[-1].hash}
    assert "Wrote checkpoint #6" in out


def test_write_checkpoint_to_stdout(chain):
    code, out, _ = run("--write-checkpoint", "-")
    assert code == 0
    assert out.strip().splitlines()[-1] == json.dumps({"hash": chain[-1].hash, "sequence": 6})


def test_a_broken_chain_writes_no_checkpoint(chain, tmp_path):
    tamper(f"DELETE FROM {TABLE} WHERE sequence = 2")
    path = tmp_path / "head.json"
    code, _, _ = run("--write-checkpoint", str(path))
    assert code == 1 and not path.exists()


def test_a_chain_that_still_reaches_its_checkpoint_verifies(chain, tmp_path):
    path = tmp_path / "head.json"
    run("--write-checkpoint", str(path))
    audit.record(actor=None, action="test.later")
    code, out, _ = run("--checkpoint", str(path))
    assert code == 0 and "Checkpoint #6 matches" in out and "7 events" in out


def test_a_deleted_tail_is_caught_by_the_checkpoint(chain, tmp_path):
    path = tmp_path / "head.json"
    run("--write-checkpoint", str(path))
    tamper(f"DELETE FROM {TABLE} WHERE sequence >= 5")
    assert run()[0] == 0  # the chain alone cannot see it
    code, _, err = run("--checkpoint", str(path))
    assert code == 1
    assert "FAILED at sequence 5" in err
    assert "ends at #4 but the checkpoint anchors #6" in err


def test_a_whole_chain_rewritten_consistently_is_caught_by_the_checkpoint(chain, tmp_path):
    path = tmp_path / "head.json"
    run("--write-checkpoint", str(path))
    # The database owner rebuilds the chain from #2 on: every hash and link recomputed.
    rows = list(AuditEvent.objects.order_by("sequence").values_list("sequence", "prev_hash"))
    tamper(f"DELETE FROM {TABLE} WHERE sequence >= 2")
    previous = AuditEvent.objects.get(sequence=1).hash
    for sequence, _ in rows[1:]:
        row = forged_event(sequence, previous, object_label=f"Rewritten {sequence}")
        insert_raw(row)
        previous = row["hash"]
    assert run()[0] == 0  # self-consistent without a key
    code, _, err = run("--checkpoint", str(path))
    assert code == 1
    assert "FAILED at sequence 2" not in err  # the first difference shows at the anchor itself
    assert "FAILED at sequence 6" in err and "differs from the checkpoint" in err


def test_a_checkpoint_can_be_read_from_stdin(chain, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps({"sequence": 6, "hash": chain[-1].hash})))
    assert run("--checkpoint", "-")[0] == 0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        '{"sequence": 3}',
        '{"sequence": -1, "hash": "' + "a" * 64 + '"}',
        '{"sequence": 1, "hash": "xyz"}',
    ],
)
def test_an_unreadable_checkpoint_is_refused(chain, tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(CommandError, match="not valid"):
        call_command("verify_audit", "--checkpoint", str(path), stdout=io.StringIO())


def test_a_missing_checkpoint_file_is_refused(chain, tmp_path):
    with pytest.raises(CommandError, match="Cannot read checkpoint"):
        call_command("verify_audit", "--checkpoint", str(tmp_path / "absent.json"), stdout=io.StringIO())


# The outcome is kept for the audit log page -----------------------------------------------


def test_each_run_records_its_outcome(chain):
    run()
    tamper(f"DELETE FROM {TABLE} WHERE sequence = 5")
    run()
    good, bad = AuditVerification.objects.order_by("pk")
    assert (good.ok, good.event_count, good.head_sequence, good.head_hash) == (True, 6, 6, chain[-1].hash)
    assert good.source == "command" and good.first_bad_sequence is None
    assert (bad.ok, bad.first_bad_sequence, bad.event_count) == (False, 5, 4)
    assert "missing" in bad.problem and bad.head_sequence == 6


# Memory stays flat: the walk streams ------------------------------------------------------


def extend_chain(count: int) -> None:
    """Valid events appended in bulk (the same canonical form record() writes), for size tests."""
    head = audit.head()
    previous, batch = head.hash, []
    for sequence in range(head.sequence + 1, head.sequence + count + 1):
        row = forged_event(sequence, previous, object_label=f"Event {sequence}", actor_name="Bulk")
        previous = row["hash"]
        batch.append(AuditEvent(**row))
    AuditEvent.objects.bulk_create(batch, batch_size=500)


def peak_memory_of_verification(chunk_size: int) -> int:
    tracemalloc.start()
    try:
        result = audit.verify_chain(chunk_size=chunk_size)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.ok
    return peak


def test_verification_memory_does_not_grow_with_the_chain(db):
    extend_chain(1000)
    small = peak_memory_of_verification(chunk_size=200)
    extend_chain(4000)
    large = peak_memory_of_verification(chunk_size=200)
    assert audit.verify_chain().event_count == 5000
    # Five times the events, about the same peak: rows are never all held at once.
    assert large < small * 1.5, (small, large)


def test_a_chunk_size_below_one_is_refused(chain):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("verify_audit", "--chunk-size", "0", stdout=io.StringIO())


def test_each_outcome_is_logged_for_an_external_store_and_alerts(chain, caplog):
    with caplog.at_level("INFO", logger="procurement.audit"):
        run()
        tamper(f"DELETE FROM {TABLE} WHERE sequence = 2")
        run()
    intact, broken = caplog.records
    assert intact.levelname == "INFO" and f"head #6 {chain[-1].hash}" in intact.getMessage()
    assert broken.levelname == "ERROR" and "broken at sequence 2" in broken.getMessage()
