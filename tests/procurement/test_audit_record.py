"""Writing the chain: what one event holds, how events link, and that nothing rewrites them."""

import hashlib
import hmac
import itertools
import json

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse

from procurement import audit
from procurement.models import AppendOnlyError, AuditEvent

pytestmark = pytest.mark.django_db


def test_first_event_links_to_the_genesis_hash_and_hashes_its_stored_canonical_text(procurement_user):
    event = audit.record(
        actor=procurement_user,
        action="vendor.update",
        object_type="vendors.vendor",
        object_id=7,
        object_label="Northwind GPU Cloud",
        before={"name": "Northwind", "status": "active"},
        after={"name": "Northwind GPU Cloud", "status": "active"},
    )
    assert event.sequence == 1
    assert event.prev_hash == AuditEvent.GENESIS_HASH
    assert event.hash == hashlib.sha256(event.canonical.encode()).hexdigest()
    hashed = json.loads(event.canonical)
    assert tuple(hashed) == audit.CHAINED_FIELDS  # sorted keys, nothing else
    assert hashed["changes"] == {"name": ["Northwind", "Northwind GPU Cloud"]}
    assert hashed["actor_id"] == procurement_user.pk
    assert event.canonical == audit.canonical_json(hashed)  # compact, sorted: one spelling only


def test_each_event_stores_the_previous_events_hash(procurement_user):
    events = [audit.record(actor=procurement_user, action="test.step", object_label=str(i)) for i in range(4)]
    assert [e.sequence for e in events] == [1, 2, 3, 4]
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.hash


def test_event_keeps_the_actors_name_after_the_account_is_deleted(procurement_user):
    procurement_user.first_name, procurement_user.last_name = "Pat", "Doyle"
    event = audit.record(actor=procurement_user, action="vendor.create", object_label="Acme")
    User.objects.filter(pk=procurement_user.pk).delete()
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor_name == "Pat Doyle (pat.procurement)"
    assert audit.verify_chain().ok


def test_event_times_are_utc_to_the_millisecond(procurement_user):
    event = audit.record(actor=procurement_user, action="test.time")
    assert event.occurred_at.utcoffset().total_seconds() == 0
    assert event.occurred_at.microsecond % 1000 == 0
    assert json.loads(event.canonical)["occurred_at"].endswith("+00:00")


def test_requests_give_events_their_request_id_and_client_address(client, legal_user, password):
    response = client.post(
        reverse("account_login"),
        {"login": legal_user.username, "password": password},
        headers={"X-Request-ID": "req-42"},
        REMOTE_ADDR="203.0.113.9",
    )
    event = AuditEvent.objects.get(action="auth.login")
    # The server's own id, the one the response names; never the one the client sent.
    assert (event.request_id, event.client_ip) == (response["X-Request-ID"], "203.0.113.9")
    assert event.request_id != "req-42"
    assert event.actor_name.endswith(f"({legal_user.username})")


def test_events_outside_a_request_carry_no_request_id_or_address():
    event = audit.record(actor=None, action="system.task")
    assert (event.request_id, event.client_ip, event.actor_id, event.actor_name) == ("", None, None, "")


def test_an_event_is_rolled_back_with_the_change_that_failed(procurement_user):
    audit.record(actor=procurement_user, action="test.kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=procurement_user, action="test.lost")
        raise RuntimeError("the service failed after writing its event")
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.kept"]
    assert audit.record(actor=procurement_user, action="test.next").sequence == 2
    assert audit.verify_chain().ok


def test_an_hmac_key_turns_the_hash_into_an_hmac(settings):
    settings.AUDIT_HMAC_KEY = "k3y-from-the-environment"
    event = audit.record(actor=None, action="test.keyed")
    expected = hmac.new(b"k3y-from-the-environment", event.canonical.encode(), hashlib.sha256).hexdigest()
    assert event.hash == expected != hashlib.sha256(event.canonical.encode()).hexdigest()
    assert audit.verify_chain().ok
    settings.AUDIT_HMAC_KEY = "another-key"
    result = audit.verify_chain()
    assert not result.ok and result.first_bad_sequence == 1 and "AUDIT_HMAC_KEY" in result.problem


def test_a_second_event_claiming_the_same_predecessor_cannot_be_committed():
    first = audit.record(actor=None, action="test.first")
    audit.record(actor=None, action="test.second")
    # A forked writer that read the head before #2 was written would reuse #1's hash.
    fork = {
        "sequence": 3,
        "occurred_at": first.occurred_at,
        "actor_id": None,
        "actor_name": "",
        "action": "test.fork",
        "object_type": "",
        "object_id": "",
        "object_label": "",
        "changes": {},
        "request_id": "",
        "client_ip": None,
        "prev_hash": first.hash,
    }
    canonical = audit.canonical_json(fork)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.create(**fork, canonical=canonical, hash=audit.compute_hash(canonical))
    assert AuditEvent.objects.count() == 2


def test_the_orm_refuses_to_update_or_delete_events():
    event = audit.record(actor=None, action="test.immutable", object_label="before")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(object_label="after")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        event.delete()
    event.object_label = "after"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["object_label"])
    assert AuditEvent.objects.get().object_label == "before"


def test_the_admin_shows_events_read_only(client, admin):
    event = audit.record(actor=admin, action="test.admin", object_label="Shown, never edited")
    client.force_login(admin)
    changelist = client.get(reverse("admin:procurement_auditevent_changelist"))
    assert changelist.status_code == 200
    assert b"Shown, never edited" in changelist.content
    assert b'name="action"' not in changelist.content  # no bulk actions, no "delete selected"
    change = client.get(reverse("admin:procurement_auditevent_change", args=[event.pk]))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert client.get(reverse("admin:procurement_auditevent_add")).status_code == 403
    delete_url = reverse("admin:procurement_auditevent_delete", args=[event.pk])
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    post = client.post(reverse("admin:procurement_auditevent_change", args=[event.pk]), {"object_label": "x"})
    assert post.status_code == 403
    assert AuditEvent.objects.get().object_label == "Shown, never edited"


def test_sign_in_and_sign_out_each_write_one_event_and_a_failed_sign_in_none(client, legal_user, password):
    client.post(reverse("account_login"), {"login": legal_user.username, "password": "wrong-password-1"})
    client.post(reverse("account_login"), {"login": legal_user.username, "password": password})
    client.post(reverse("account_logout"))
    assert list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True)) == [
        "auth.login",
        "auth.logout",
    ]
    assert audit.verify_chain().ok


def test_an_event_built_over_other_fields_than_the_chained_ones_is_refused(monkeypatch):
    # A real exception, not an assert that `python -O` would drop.
    monkeypatch.setattr(audit, "CHAINED_FIELDS", (*audit.CHAINED_FIELDS, "extra"))
    with pytest.raises(audit.ChainedFieldsMismatch):
        audit.record(actor=None, action="test.fields")
    assert not AuditEvent.objects.exists()
