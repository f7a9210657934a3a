"""Capacity pages, CSV import and export, the API, the dashboard panel and the reminders."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from capacity import reminders
from capacity.models import CapacityAllocation, DemandForecast, DemandVisibility
from procurement import api_tokens
from procurement.models import AuditEvent
from tests.vendors.factories import CapacityLineFactory, VendorFactory

from .factories import allocated_line, forecast, visibility

pytestmark = pytest.mark.django_db

PLAN = reverse("capacity:plan")


def _form(**fields):
    data = {
        "tier": "experimental_training",
        "quarter": "2027-Q1",
        "p50_gpu_hours": "1000",
        "p90_gpu_hours": "2000",
    }
    return {**data, "note": "", **fields}


@time_machine.travel(dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC), tick=False)
def test_plan_shows_shortfall_three_prices_and_date_to_act(client, auditor_user, procurement_user):
    vendor = VendorFactory(name="Only Cloud")
    for band in ("committed", "burst", "emergency"):
        allocated_line(procurement_user, vendor=vendor, band=band, count=10)
    visibility(procurement_user, vendor, lead=45)
    forecast(procurement_user, p50=100_000, p90=200_000)
    client.force_login(auditor_user)
    response = client.get(PLAN)
    html = response.content.decode()
    assert response.status_code == 200
    assert "One point of failure with three prices" in html
    assert "135,200" in html  # 200,000 − 30 GPUs × 24 × 90
    assert "17 Nov 2026" in html and "Only Cloud, 45 days" in html
    assert "Add forecast" not in html  # auditors only read


def test_malformed_window_is_a_message_not_a_500(client, auditor_user):
    client.force_login(auditor_user)
    response = client.get(PLAN, {"start": "2027-Q9", "quarters": "99"})
    assert response.status_code == 200
    assert "is not a quarter" in response.content.decode()


@pytest.mark.parametrize("size", [2, 40])
def test_plan_query_count_does_not_grow(client, procurement_user, django_assert_max_num_queries, size):
    for n in range(size):
        vendor = VendorFactory()
        allocated_line(
            procurement_user, vendor=vendor, region=f"r{n}", tier=["reserve", "hot_inference"][n % 2]
        )
        CapacityLineFactory(contract=vendor.contracts.first())
        visibility(procurement_user, vendor, lead=30 + n)
    for tier in ("reserve", "hot_inference", "experimental_training"):
        for quarter in ("2027-Q1", "2027-Q2", "2027-Q3"):
            forecast(procurement_user, tier=tier, quarter=quarter, p50=10**6, p90=2 * 10**6)
    client.force_login(procurement_user)
    with django_assert_max_num_queries(12):
        response = client.get(PLAN, {"start": "2027-Q1"})
    assert response.status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("home")).status_code == 200


def test_adding_a_forecast_changes_the_plan_and_is_audited(client, platform_user):
    client.force_login(platform_user)
    response = client.post(reverse("capacity:forecast-create"), _form(quarter="2027-q1"))
    assert (
        response.status_code == 302 and "start=2027-Q1" in response["Location"]
    ) or response.status_code == 302
    forecast_row = DemandForecast.objects.get()
    assert forecast_row.quarter == "2027-Q1"
    event = AuditEvent.objects.get(action="demand_forecast.create")
    assert event.actor_id == platform_user.pk
    page = client.get(PLAN, {"start": "2027-Q1"}).content.decode()
    assert "2,000" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"p50_gpu_hours": "-5"}, "greater than or equal to 0"),
        ({"p50_gpu_hours": "3000", "p90_gpu_hours": "2000"}, "The P90 must be at least the P50"),
        ({"tier": "quantum"}, "Select a valid choice"),
        ({"quarter": "Q1-2027"}, "is not a quarter"),
        ({"p90_gpu_hours": "99999999999999"}, "less than or equal to 1000000000"),
    ],
)
def test_bad_forecasts_are_refused_with_a_message(client, procurement_user, fields, message):
    client.force_login(procurement_user)
    response = client.post(reverse("capacity:forecast-create"), _form(**fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (
        not DemandForecast.objects.exists()
        and not AuditEvent.objects.filter(action__startswith="demand").exists()
    )


def test_a_second_forecast_for_the_same_tier_and_quarter_is_refused(client, procurement_user):
    forecast(procurement_user)
    client.force_login(procurement_user)
    response = client.post(reverse("capacity:forecast-create"), _form())
    assert response.status_code == 200 and "already has a forecast" in response.content.decode()


def test_edit_and_delete_forecast(client, procurement_user):
    row = forecast(procurement_user)
    client.force_login(procurement_user)
    assert (
        client.post(reverse("capacity:forecast-edit", args=[row.pk]), _form(p90_gpu_hours="5000")).status_code
        == 302
    )
    row.refresh_from_db()
    assert row.p90_gpu_hours == 5000
    assert client.post(reverse("capacity:forecast-delete", args=[row.pk])).status_code == 302
    assert not DemandForecast.objects.exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="demand_forecast")
        .order_by("sequence")
        .values_list("action", flat=True)
    ) == [
        "demand_forecast.create",
        "demand_forecast.update",
        "demand_forecast.delete",
    ]


def test_allocations_cannot_exceed_the_whole_line(client, procurement_user):
    line = allocated_line(procurement_user, share="70")
    client.force_login(procurement_user)
    response = client.post(
        reverse("capacity:allocation-create"),
        {"line": line.pk, "tier": "reserve", "share_percent": "40", "note": ""},
    )
    assert response.status_code == 200 and "at most 30% is left" in response.content.decode()
    response = client.post(
        reverse("capacity:allocation-create"),
        {"line": line.pk, "tier": "reserve", "share_percent": "30", "note": ""},
    )
    assert response.status_code == 302 and CapacityAllocation.objects.count() == 2
    page = client.get(reverse("capacity:allocation-list")).content.decode()
    assert "30% reserve" in page


def test_visibility_is_procurements_and_shows_on_the_vendor_page(client, procurement_user, platform_user):
    vendor = VendorFactory()
    data = {
        "vendor": vendor.pk,
        "recorded_on": "2026-01-05",
        "lead_time_days": "75",
        "utilisation_shared": "on",
        "utilisation_percent": "80",
        "reservation_options": "",
        "hardware_refreshes": "",
        "notes": "",
    }
    client.force_login(platform_user)
    assert client.post(reverse("capacity:visibility-create"), data).status_code == 403
    client.force_login(procurement_user)
    assert (
        client.post(reverse("capacity:visibility-create"), {**data, "lead_time_days": "-1"}).status_code
        == 200
    )
    assert client.post(reverse("capacity:visibility-create"), data).status_code == 302
    assert DemandVisibility.objects.get().lead_time_days == 75
    page = client.get(vendor.get_absolute_url()).content.decode()
    assert "lead time 75 days" in page


def test_forecast_csv_round_trip_with_dry_run(client, procurement_user):
    forecast(procurement_user, p50=1000, p90=2000)
    client.force_login(procurement_user)
    exported = b"".join(client.get(reverse("capacity:forecast-export")).streaming_content).decode("utf-8-sig")
    assert exported.splitlines()[1] == "experimental_training,2027-Q1,1000,2000,"
    text = exported + "Reserve,2027-q2,10,20,=cmd\n"
    upload = SimpleUploadedFile("f.csv", text.encode(), content_type="text/csv")
    preview = client.post(reverse("capacity:forecast-import"), {"file": upload})
    assert "2 rows ready" in preview.content.decode()
    assert DemandForecast.objects.count() == 1  # the dry run wrote nothing
    payload = preview.context["payload"]
    assert client.post(reverse("capacity:forecast-import"), {"payload": payload}).status_code == 302
    assert DemandForecast.objects.get(tier="reserve").quarter == "2027-Q2"


def test_forecast_csv_with_bad_rows_imports_nothing(client, procurement_user):
    client.force_login(procurement_user)
    text = "tier,quarter,p50_gpu_hours,p90_gpu_hours\nunknown,2027-Q1,1,2\nreserve,2027-Q5,1,2\nreserve,2027-Q1,5,2\n"
    response = client.post(
        reverse("capacity:forecast-import"), {"file": SimpleUploadedFile("f.csv", text.encode())}
    )
    html = response.content.decode()
    assert "3 rows with errors" in html and "P90 must be at least the P50" in html
    assert not DemandForecast.objects.exists()


def test_api_validates_like_the_form(client, procurement_user, auditor_user):
    secret = api_tokens.api_token_create(actor=procurement_user, name="t", read_only=False).secret
    headers = {"Authorization": f"Bearer {secret}"}
    url = reverse("api-v1:capacity_forecast_create")
    body = {"tier": "reserve", "quarter": "2027-Q1", "p50_gpu_hours": 10, "p90_gpu_hours": 5}
    response = client.post(url, json.dumps(body), content_type="application/json", headers=headers)
    assert response.status_code == 422 and "p90_gpu_hours" in response.json()["errors"]
    response = client.post(
        url, json.dumps({**body, "quarter": "2027-13"}), content_type="application/json", headers=headers
    )
    assert response.status_code == 422 and "quarter" in response.json()["errors"]
    response = client.post(
        url, json.dumps({**body, "p50_gpu_hours": -1}), content_type="application/json", headers=headers
    )
    assert response.status_code == 422
    response = client.post(
        url, json.dumps({**body, "p90_gpu_hours": 50}), content_type="application/json", headers=headers
    )
    assert response.status_code == 201 and response.json()["quarter"] == "2027-Q1"
    plan = client.get(
        reverse("api-v1:capacity_plan"), {"start": "2027-Q1", "quarters": 1}, headers=headers
    ).json()
    [cell] = [c for c in plan["cells"] if c["tier"] == "reserve"]
    assert cell["shortfall_p90_gpu_hours"] == "50" and cell["act_by"]["date"]


@time_machine.travel(dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC), tick=False)
def test_dashboard_panel_lists_the_date_to_act(client, procurement_user):
    visibility(procurement_user, VendorFactory(name="Fast Cloud"), lead=45)
    forecast(procurement_user, p50=100, p90=200)
    client.force_login(procurement_user)
    html = client.get(reverse("home")).content.decode()
    assert "Capacity shortfalls: dates to act" in html and "17 Nov 2026" in html


@pytest.mark.parametrize(
    ("days_left", "threshold"), [(31, None), (30, 30), (8, 30), (7, 7), (1, 7), (0, 0), (-1, None)]
)
def test_act_by_thresholds(days_left, threshold):
    assert reminders.act_by_threshold(days_left) == threshold


def test_reminders_go_to_procurement_at_30_and_7_days_and_on_the_date(procurement_user, platform_user):
    visibility(procurement_user, VendorFactory(name="Fast Cloud"), lead=45)
    forecast(procurement_user, p50=100, p90=200)  # act by 17 November 2026
    due = {}
    for day in (dt.date(2026, 10, 17), dt.date(2026, 10, 18), dt.date(2026, 11, 10), dt.date(2026, 11, 17)):
        due[day] = reminders.act_by_reminders(day)
    assert [len(due[d]) for d in due] == [0, 1, 1, 1]
    first = due[dt.date(2026, 10, 18)][0]
    assert first.user == procurement_user and first.subject_key.endswith(":30")
    assert "must start by 17 November 2026" in first.text and "Fast Cloud" in first.text
    assert due[dt.date(2026, 11, 10)][0].subject_key.endswith(":7")
    assert due[dt.date(2026, 11, 17)][0].subject_key.endswith(":0")
    assert reminders.act_by_reminders(dt.date(2026, 11, 18)) == []
