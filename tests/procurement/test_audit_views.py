"""The audit log page, its CSV export, the verify button and the per-object history panel."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from procurement import audit
from procurement.models import AuditEvent, AuditVerification

pytestmark = pytest.mark.django_db

LIST = reverse("audit:event-list")
EXPORT = reverse("audit:event-export")
VERIFY = reverse("audit:verify")


def history_url(object_type: str, object_id) -> str:
    return reverse("audit:object-history", args=[object_type, object_id])


def record_events(count: int, actor=None, **fields) -> None:
    for i in range(count):
        audit.record(
            actor=actor,
            action=fields.get("action", "vendor.update"),
            object_type=fields.get("object_type", "vendors.vendor"),
            object_id=fields.get("object_id", i + 1),
            object_label=fields.get("object_label", f"Vendor {i + 1}"),
            before={"status": "draft"},
            after={"status": "active"},
        )


def rows_of(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def mixed_events(procurement_user, legal_user):
    audit.record(
        actor=procurement_user,
        action="vendor.create",
        obj=procurement_user,
        object_type="vendors.vendor",
        object_id=1,
        object_label="Northwind GPU Cloud",
    )
    audit.record(
        actor=legal_user,
        action="clause.update",
        object_type="vendors.exitrightclause",
        object_id=5,
        object_label="Exit clause 5",
        before={"status": "missing"},
        after={"status": "negotiated"},
    )
    audit.record(
        actor=procurement_user,
        action="contract.create",
        object_type="vendors.contract",
        object_id=3,
        object_label="MSA 2026",
    )


# Access -----------------------------------------------------------------------------------


def test_the_audit_log_asks_anonymous_visitors_to_sign_in(client):
    for url in (LIST, EXPORT):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "role",
    ["procurement_user", "legal_user", "finance_user", "security_user", "platform_user", "no_role_user"],
)
def test_the_audit_log_is_not_found_for_other_roles(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(LIST).status_code == 404
    assert client.get(EXPORT).status_code == 404
    assert client.post(VERIFY).status_code == 404
    assert not AuditVerification.objects.exists()


@pytest.mark.parametrize("role", ["auditor_user", "admin"])
def test_auditors_and_admins_read_the_audit_log(client, request, role, mixed_events):
    client.force_login(request.getfixturevalue(role))
    response = client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Northwind GPU Cloud" in html and "MSA 2026" in html and "Exit clause 5" in html
    assert "negotiated" in html  # field-level before/after
    assert 'href="/audit/"' in client.get(reverse("home")).content.decode()  # the nav link shows


def test_the_nav_link_is_hidden_from_other_roles(client, legal_user):
    client.force_login(legal_user)
    assert 'href="/audit/"' not in client.get(reverse("home")).content.decode()


def test_export_and_verify_refuse_the_wrong_method(client, auditor_user):
    client.force_login(auditor_user)
    assert client.get(VERIFY).status_code == 405
    assert client.post(EXPORT).status_code == 405
    assert client.post(LIST).status_code == 405


# Filters and pagination -------------------------------------------------------------------


def listed_labels(response) -> list[str]:
    return [event.object_label for event in response.context["events"]]


def test_filter_by_actor_name(client, auditor_user, mixed_events, legal_user):
    client.force_login(auditor_user)
    response = client.get(LIST, {"actor": legal_user.username})
    assert listed_labels(response) == ["Exit clause 5"]


def test_filter_by_action_and_by_object_type(client, auditor_user, mixed_events):
    client.force_login(auditor_user)
    assert listed_labels(client.get(LIST, {"action": "contract.create"})) == ["MSA 2026"]
    assert listed_labels(client.get(LIST, {"object_type": "vendors.vendor"})) == ["Northwind GPU Cloud"]
    both = client.get(LIST, {"object_type": "vendors.contract", "action": "vendor.create"})
    assert listed_labels(both) == []
    assert "No events match" in both.content.decode()


def test_filter_by_one_object(client, auditor_user, mixed_events):
    client.force_login(auditor_user)
    response = client.get(LIST, {"object_type": "vendors.exitrightclause", "object_id": "5"})
    assert listed_labels(response) == ["Exit clause 5"]


def test_filter_by_date_range_includes_whole_days(client, auditor_user, mixed_events):
    client.force_login(auditor_user)
    today = timezone.now().date()
    yesterday, tomorrow = today - dt.timedelta(days=1), today + dt.timedelta(days=1)
    assert len(listed_labels(client.get(LIST, {"date_from": today, "date_to": today}))) == 3
    assert listed_labels(client.get(LIST, {"date_to": yesterday})) == []
    assert listed_labels(client.get(LIST, {"date_from": tomorrow})) == []


def test_an_unknown_choice_is_reported_not_a_crash(client, auditor_user, mixed_events):
    client.force_login(auditor_user)
    response = client.get(LIST, {"action": "no.such.action", "date_from": "not-a-date"})
    assert response.status_code == 200
    assert "Some filters are not valid" in response.content.decode()


def test_the_log_is_paged_newest_first_by_sequence(client, auditor_user):
    record_events(60)
    client.force_login(auditor_user)
    first = client.get(LIST)
    assert [e.sequence for e in first.context["events"]] == list(range(60, 10, -1))
    html = first.content.decode()
    assert "?before=11" in html and 'rel="prev"' not in html
    second = client.get(LIST, {"before": 11})
    assert [e.sequence for e in second.context["events"]] == list(range(10, 0, -1))
    html = second.content.decode()
    assert "?after=10" in html and 'rel="next"' not in html
    back = client.get(LIST, {"after": 10})
    assert [e.sequence for e in back.context["events"]] == list(range(60, 10, -1))
    assert not back.context["page"]["has_newer"] and back.context["page"]["has_older"]


def test_older_pages_do_not_shift_when_events_are_appended(client, auditor_user):
    record_events(60)
    client.force_login(auditor_user)
    record_events(5)
    older = client.get(LIST, {"before": 11})
    assert [e.sequence for e in older.context["events"]] == list(range(10, 0, -1))


def test_a_page_in_the_middle_links_both_ways(client, auditor_user):
    record_events(120)
    client.force_login(auditor_user)
    middle = client.get(LIST, {"before": 71})
    assert [e.sequence for e in middle.context["events"]] == list(range(70, 20, -1))
    assert middle.context["page"]["has_newer"] and middle.context["page"]["has_older"]
    newer = client.get(LIST, {"after": 70})
    assert [e.sequence for e in newer.context["events"]] == list(range(120, 70, -1))


def test_a_malformed_page_cursor_shows_the_newest_events(client, auditor_user):
    record_events(3)
    client.force_login(auditor_user)
    for bad in ("abc", "-4", "0"):
        response = client.get(LIST, {"before": bad})
        assert response.status_code == 200
        assert [e.sequence for e in response.context["events"]] == [3, 2, 1]


def test_pagination_keeps_the_filters(client, auditor_user):
    record_events(55, action="vendor.update")
    record_events(3, action="vendor.create")
    client.force_login(auditor_user)
    html = client.get(LIST, {"action": "vendor.update"}).content.decode()
    assert "action=vendor.update&amp;before=6" in html
    second = client.get(LIST, {"action": "vendor.update", "before": 6})
    assert [e.sequence for e in second.context["events"]] == [5, 4, 3, 2, 1]
    assert not second.context["page"]["has_older"]


def test_the_filter_choices_list_each_recorded_action_and_type_once(client, auditor_user, mixed_events):
    client.force_login(auditor_user)
    form = client.get(LIST).context["filter"].form
    actions = [value for value, _ in form.fields["action"].choices if value]
    assert actions == sorted(AuditEvent.objects.values_list("action", flat=True).distinct())
    types = [value for value, _ in form.fields["object_type"].choices if value]
    assert types == sorted(
        set(AuditEvent.objects.exclude(object_type="").values_list("object_type", flat=True))
    )


def test_an_htmx_filter_request_gets_only_the_events_fragment(client, auditor_user, mixed_events):
    client.force_login(auditor_user)
    response = client.get(LIST, {"action": "contract.create"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="audit-events"')
    assert "<html" not in html and "MSA 2026" in html and "Northwind" not in html


@pytest.mark.parametrize("count", [10, 500])
def test_the_audit_log_query_count_does_not_grow_with_events(
    client, auditor_user, django_assert_max_num_queries, count
):
    record_events(count)
    audit.record_verification(audit.verify_chain(), source="command")
    client.force_login(auditor_user)
    # session, user, roles, choices x2, page, newer-exists, head, last verification, session save x3,
    # and what the nav's context processors read: constant, whatever the number of events.
    with django_assert_max_num_queries(14):
        response = client.get(LIST, {"action": "vendor.update", "before": count // 2 + 1})
    assert response.status_code == 200
    assert len(response.context["events"]) == min(count // 2, 50)


# The chain head and the last verification -------------------------------------------------


def test_the_page_shows_the_head_hash_and_that_it_was_never_verified(client, auditor_user, mixed_events):
    client.force_login(auditor_user)
    html = client.get(LIST).content.decode()
    assert audit.head().hash in html and "Event <strong>#3</strong>" in html
    assert "Never verified yet" in html


def test_the_page_shows_the_last_verification_and_events_it_does_not_cover(
    client, auditor_user, mixed_events
):
    audit.record_verification(audit.verify_chain(), source="command")
    audit.record(actor=None, action="test.later")
    client.force_login(auditor_user)
    html = client.get(LIST).content.decode()
    assert "Intact" in html and "3 events recomputed, up to #3" in html and "verify_audit" in html
    assert "The head is now #4" in html


def test_verify_now_records_the_outcome_and_redirects_with_a_message(client, auditor_user, mixed_events):
    client.force_login(auditor_user)
    response = client.post(VERIFY, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert "Audit chain verified: 3 events intact" in response.content.decode()
    verification = AuditVerification.objects.get()
    assert verification.ok and verification.source == "web"
    assert verification.requested_by.endswith(f"({auditor_user.username})")
    assert AuditEvent.objects.count() == 3  # verifying does not add to the chain


def test_verify_now_over_htmx_swaps_the_integrity_panel(client, admin, mixed_events):
    client.force_login(admin)
    response = client.post(VERIFY, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="audit-integrity"')
    assert "Intact" in html and audit.head().hash in html


def test_a_broken_chain_shows_its_first_bad_event(client, admin, mixed_events):
    from tests.procurement.test_audit_verify import TABLE, tamper

    tamper(f"UPDATE {TABLE} SET object_label = 'Rewritten' WHERE sequence = 2")
    client.force_login(admin)
    response = client.post(VERIFY, follow=True)
    html = response.content.decode()
    assert "Audit chain broken at sequence 2" in html
    assert "Broken" in html and "First bad event: #2" in html


# CSV export -------------------------------------------------------------------------------


def test_export_streams_the_filtered_events_oldest_first(client, auditor_user, mixed_events):
    client.force_login(auditor_user)
    response = client.get(EXPORT, {"actor": "pat.procurement"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    header, *rows = rows_of(response)
    assert header[:5] == ["sequence", "occurred_at", "actor_id", "actor_name", "action"]
    assert [(r[0], r[4]) for r in rows] == [("1", "vendor.create"), ("3", "contract.create")]
    event = AuditEvent.objects.get(sequence=3)
    exported = dict(zip(header, rows[1], strict=True))
    assert exported["hash"] == event.hash and exported["canonical"] == event.canonical
    assert audit.compute_hash(exported["canonical"]) == exported["hash"]  # checkable offline


@pytest.mark.parametrize(
    "label",
    ['=HYPERLINK("http://evil.test","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"],
)
def test_export_escapes_spreadsheet_formulas(client, auditor_user, label):
    audit.record(
        actor=None,
        action="vendor.create",
        object_type="vendors.vendor",
        object_id=1,
        object_label=label,
        after={"notes": label},
    )
    client.force_login(auditor_user)
    header, row = rows_of(client.get(EXPORT))
    exported = dict(zip(header, row, strict=True))
    assert exported["object_label"] == "'" + label


def test_export_leaves_ordinary_cells_alone(client, auditor_user, mixed_events):
    client.force_login(auditor_user)
    header, *rows = rows_of(client.get(EXPORT))
    assert [r[header.index("object_label")] for r in rows] == [
        "Northwind GPU Cloud",
        "Exit clause 5",
        "MSA 2026",
    ]


@pytest.mark.parametrize("count", [10, 500])
def test_export_query_count_does_not_grow_with_events(
    client, auditor_user, django_assert_max_num_queries, count
):
    record_events(count)
    client.force_login(auditor_user)
    # session, user, roles, filter choices x2, one streamed query, session save x3
    with django_assert_max_num_queries(9):
        rows = rows_of(client.get(EXPORT))
    assert len(rows) == count + 1


# The history panel of one object ----------------------------------------------------------


def test_history_shows_who_changed_what_with_before_and_after(client, legal_user, procurement_user):
    audit.record(
        actor=procurement_user,
        action="vendor.update",
        object_type="vendors.vendor",
        object_id=8,
        object_label="Acme",
        before={"status": "draft", "layers": ["compute"]},
        after={"status": "active", "layers": ["compute", "storage"]},
    )
    audit.record(
        actor=procurement_user,
        action="vendor.update",
        object_type="vendors.vendor",
        object_id=9,
        object_label="Other",
    )
    client.force_login(legal_user)
    response = client.get(history_url("vendors.vendor", 8), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="history-events"')
    assert "Pat" in html or "pat.procurement" in html
    assert "draft" in html and "active" in html
    assert "[&quot;compute&quot;, &quot;storage&quot;]" in html  # lists read as JSON, not Python
    assert "Other" not in html
    assert "in the audit log" not in html  # legal cannot open the audit log


def test_history_links_auditors_to_the_full_log_of_the_object(client, auditor_user):
    record_events(1)
    client.force_login(auditor_user)
    html = client.get(history_url("vendors.vendor", 1)).content.decode()
    assert "?object_type=vendors.vendor&amp;object_id=1" in html


def test_history_without_htmx_is_a_whole_page(client, legal_user):
    client.force_login(legal_user)
    html = client.get(history_url("vendors.vendor", 1)).content.decode()
    assert "<html" in html and "No recorded changes yet" in html


def test_history_of_people_is_for_audit_log_readers_only(client, legal_user, auditor_user, password):
    client.post(
        reverse("account_login"),
        {"login": legal_user.username, "password": password},
        REMOTE_ADDR="203.0.113.5",
    )
    url = history_url("auth.user", legal_user.pk)
    assert client.get(url).status_code == 404  # legal, now signed in, cannot read sign-in records
    client.force_login(auditor_user)
    assert "auth.login" in client.get(url).content.decode()


def test_history_is_not_found_for_users_without_a_role(client, no_role_user):
    client.force_login(no_role_user)
    assert client.get(history_url("vendors.vendor", 1)).status_code == 404


def test_history_shows_the_latest_fifty_events(client, auditor_user):
    record_events(55, object_id=4)
    client.force_login(auditor_user)
    response = client.get(history_url("vendors.vendor", 4))
    assert [e.sequence for e in response.context["events"]] == list(range(55, 5, -1))
    assert "Showing the latest 50 events" in response.content.decode()


@pytest.mark.parametrize("count", [10, 500])
def test_history_query_count_does_not_grow_with_events(
    client, legal_user, django_assert_max_num_queries, count
):
    record_events(count, object_id=4)
    client.force_login(legal_user)
    # session, user, roles, the events, session save x3, and what the nav's context
    # processors read (a sign-off count): constant, whatever the number of events.
    with django_assert_max_num_queries(9):
        assert client.get(history_url("vendors.vendor", 4)).status_code == 200


# The dashboard panel ----------------------------------------------------------------------


def test_the_dashboard_tells_auditors_whether_the_chain_is_intact(client, auditor_user, mixed_events):
    client.force_login(auditor_user)
    assert "The chain has not been verified yet" in client.get(reverse("home")).content.decode()
    audit.record_verification(audit.verify_chain(), source="command")
    html = client.get(reverse("home")).content.decode()
    assert "Intact" in html and "3 events recomputed" in html and audit.head().hash in html


def test_the_dashboard_shows_a_broken_chain_loudly(client, admin, mixed_events):
    from tests.procurement.test_audit_verify import TABLE, tamper

    tamper(f"DELETE FROM {TABLE} WHERE sequence = 2")
    audit.record_verification(audit.verify_chain(), source="command")
    client.force_login(admin)
    html = client.get(reverse("home")).content.decode()
    assert "Broken" in html and "at event #2" in html


def test_other_roles_see_no_audit_trail_panel(client, legal_user, mixed_events):
    client.force_login(legal_user)
    assert "Audit trail" not in client.get(reverse("home")).content.decode()
