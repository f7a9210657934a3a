"""Screens of workloads, dependencies (inline htmx editing), rehearsals, concentration and loss."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from procurement.models import AuditEvent
from resilience import services as workloads
from resilience.models import Criticality, Dependency, Rehearsal, Workload
from vendors.models import CapacityBand

from .factories import (
    DependencyFactory,
    RehearsalFactory,
    VendorFactory,
    WorkloadFactory,
    compute,
    layer,
    portfolio,
    uses,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"resilience:{name}", args=args)


# Access ------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in(client):
    workload = WorkloadFactory()
    for path in (url("workload-list"), url("workload-detail", workload.pk), url("concentration")):
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_users_without_a_role_see_nothing(client, no_role_user):
    workload = WorkloadFactory()
    client.force_login(no_role_user)
    assert client.get(url("workload-list")).status_code == 403
    assert client.get(url("workload-detail", workload.pk)).status_code == 404
    assert client.get(url("concentration")).status_code == 403
    assert client.get(url("loss-scenario")).status_code == 403


def test_auditors_read_every_page_but_get_no_edit_controls(client, auditor_user):
    dep = DependencyFactory()
    rehearsal = RehearsalFactory(workload=dep.workload)
    client.force_login(auditor_user)
    for path in (
        url("workload-list"),
        url("workload-detail", dep.workload_id),
        url("rehearsal-detail", dep.workload_id, rehearsal.pk),
        url("concentration"),
        url("loss-scenario") + f"?vendor={dep.vendor_id}",
        url("vendor-exposure", dep.vendor_id),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"Add dependency" not in response.content and b"Record a rehearsal" not in response.content


@pytest.mark.parametrize("who", ["auditor_user", "legal_user", "finance_user"])
def test_readers_cannot_change_anything(client, who, request):
    dep = DependencyFactory()
    rehearsal = RehearsalFactory(workload=dep.workload)
    client.force_login(request.getfixturevalue(who))
    pk = dep.workload_id
    assert client.get(url("workload-create")).status_code == 403
    assert client.get(url("workload-edit", pk)).status_code == 403
    assert client.post(url("dependency-add", pk), {"layer": layer("storage").pk}).status_code == 403
    assert client.get(url("dependency-edit", pk, dep.pk)).status_code == 403
    assert client.post(url("dependency-remove", pk, dep.pk)).status_code == 403
    assert client.get(url("rehearsal-create", pk)).status_code == 403
    assert client.get(url("rehearsal-edit", pk, rehearsal.pk)).status_code == 403
    assert Dependency.objects.count() == 1


def test_post_only_urls_refuse_get(client, platform_user):
    dep = DependencyFactory()
    client.force_login(platform_user)
    assert client.get(url("dependency-remove", dep.workload_id, dep.pk)).status_code == 405


def test_the_add_form_loads_on_request_as_a_fragment_or_a_page(client, platform_user):
    workload = WorkloadFactory()
    VendorFactory(name="Nimbus <Scale>")
    client.force_login(platform_user)
    detail = client.get(url("workload-detail", workload.pk)).content.decode()
    assert 'name="vendor"' not in detail and "Add a dependency" in detail  # not every vendor on every view

    fragment = client.get(url("dependency-add", workload.pk), **HTMX).content.decode()
    assert fragment.lstrip().startswith("<h3") and "<html" not in fragment
    assert "Nimbus &lt;Scale&gt;" in fragment and 'name="vendor"' in fragment
    page = client.get(url("dependency-add", workload.pk)).content.decode()
    assert "<html" in page and 'name="vendor"' in page


def test_the_region_input_suggests_every_known_region_as_soon_as_it_is_recorded(client, platform_user):
    workload = WorkloadFactory()
    VendorFactory(processing_regions=["eu-west", "<Oslo>"])
    client.force_login(platform_user)
    page = client.get(url("dependency-add", workload.pk)).content.decode()
    assert 'name="region"' in page and 'list="known-regions"' in page
    assert (
        '<datalist id="known-regions"><option value="&lt;Oslo&gt;"></option>'
        '<option value="eu-west"></option></datalist>'
    ) in page

    DependencyFactory(region="ap-south")
    page = client.get(url("dependency-add", workload.pk)).content.decode()
    assert '<option value="ap-south"></option>' in page


def test_a_dependency_of_another_workload_answers_404(client, platform_user):
    dep = DependencyFactory()
    other = WorkloadFactory()
    client.force_login(platform_user)
    assert client.get(url("dependency-edit", other.pk, dep.pk), **HTMX).status_code == 404
    assert client.post(url("dependency-remove", other.pk, dep.pk)).status_code == 404
    assert Dependency.objects.filter(pk=dep.pk).exists()


# Workloads ---------------------------------------------------------------------------------


def test_platform_engineer_registers_a_workload(client, platform_user):
    client.force_login(platform_user)
    response = client.post(
        url("workload-create"),
        {
            "name": "Fraud scoring",
            "tier": "hot_inference",
            "criticality": "critical",
            "rpo_minutes": "1",
            "rto_minutes": "15",
            "latency_sensitivity": "interactive",
            "owner": platform_user.pk,
        },
    )
    workload = Workload.objects.get()
    assert response.status_code == 302 and response["Location"] == url("workload-detail", workload.pk)
    assert workload.owner == platform_user
    assert AuditEvent.objects.filter(action="workload.create", actor=platform_user).count() == 1


def test_a_duplicate_workload_name_is_a_form_error_not_a_500(client, procurement_user):
    WorkloadFactory(name="Chat")
    client.force_login(procurement_user)
    response = client.post(
        url("workload-create"),
        {"name": "chat", "tier": "hot_inference", "criticality": "high", "rpo_minutes": 1, "rto_minutes": 2,
         "latency_sensitivity": "batch"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_a_service_refusing_a_field_marks_that_field_like_a_validation_error(
    client, procurement_user, monkeypatch
):
    def refuse(**fields):
        raise ValidationError({"rto_minutes": "Critical workloads recover within an hour."})

    monkeypatch.setattr(workloads, "workload_create", refuse)
    client.force_login(procurement_user)
    response = client.post(
        url("workload-create"),
        {"name": "Chat", "tier": "hot_inference", "criticality": "critical", "rpo_minutes": 1,
         "rto_minutes": 600, "latency_sensitivity": "batch"},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<input type="number" name="rto_minutes"[^>]*class="form-control is-invalid"', html)
    assert re.search(r'name="rto_minutes"[^>]*aria-invalid="true"', html)
    assert (
        '<div class="invalid-feedback d-block" id="id_rto_minutes_error">'
        "Critical workloads recover within an hour.</div>"
    ) in html
    assert not re.search(r'name="name"[^>]*is-invalid', html)
    assert "Please correct the fields marked below." in html


def test_editing_a_workload_saves_only_what_changed(client, platform_user):
    workload = WorkloadFactory(rto_minutes=60)
    client.force_login(platform_user)
    data = {
        "name": workload.name,
        "tier": workload.tier,
        "criticality": workload.criticality,
        "rpo_minutes": workload.rpo_minutes,
        "rto_minutes": 20,
        "latency_sensitivity": workload.latency_sensitivity,
    }
    response = client.post(url("workload-edit", workload.pk), data)
    assert response.status_code == 302
    (event,) = AuditEvent.objects.filter(action="workload.update")
    assert event.changes == {"rto_minutes": [60, 20]}


def test_workload_list_filters_by_vendor_and_due_status(client, auditor_user):
    nimbus = VendorFactory(name="Nimbus")
    on_nimbus = WorkloadFactory(name="On Nimbus")
    compute(on_nimbus, nimbus, CapacityBand.COMMITTED, 8)
    stale = WorkloadFactory(name="Stale")
    RehearsalFactory(workload=stale, performed_on=timezone.localdate() - timedelta(days=91))
    fresh = WorkloadFactory(name="Fresh")
    RehearsalFactory(workload=fresh, performed_on=timezone.localdate() - timedelta(days=1))
    client.force_login(auditor_user)

    def names(query):
        return [w.name for w in client.get(url("workload-list") + query).context["page_obj"]]

    assert names(f"?vendor={nimbus.pk}") == ["On Nimbus"]
    assert names("?due=overdue") == ["Stale"]
    assert names("?due=never") == ["On Nimbus"]
    assert names("?due=current") == ["Fresh"]
    assert names("?sort=-name") == ["Stale", "On Nimbus", "Fresh"]


def test_workload_list_htmx_request_gets_only_the_results(client, auditor_user):
    WorkloadFactory(name="Chat")
    client.force_login(auditor_user)
    response = client.get(url("workload-list") + "?q=chat", **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="workload-results">') and "<html" not in body and "Chat" in body


@pytest.mark.parametrize("size", [10, 500])
def test_workload_list_query_count_holds_as_the_portfolio_grows(
    size, client, auditor_user, django_assert_max_num_queries
):
    portfolio(size)
    client.force_login(auditor_user)
    with django_assert_max_num_queries(12):
        response = client.get(url("workload-list"))
    assert response.status_code == 200


# Dependencies, inline ----------------------------------------------------------------------


def dependency_data(prefix="", **overrides):
    data = {"layer": layer("compute").pk, "band": "burst", "amount": "32", "region": "eu-west", "notes": ""}
    data |= overrides
    return {f"{prefix}-{k}" if prefix else k: v for k, v in data.items()}


def test_adding_a_dependency_with_htmx_returns_the_refreshed_panel(client, platform_user):
    workload = WorkloadFactory()
    vendor = VendorFactory(name="Helix")
    client.force_login(platform_user)

    response = client.post(url("dependency-add", workload.pk), dependency_data(vendor=vendor.pk), **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="dependency-panel">') and "<html" not in body
    dep = Dependency.objects.get()
    assert f'id="dependency-{dep.pk}"' in body and "Helix" in body
    assert AuditEvent.objects.filter(action="dependency.create", object_id=str(workload.pk)).count() == 1


def test_adding_a_dependency_without_javascript_redirects_back_to_the_workload(client, platform_user):
    workload, vendor = WorkloadFactory(), VendorFactory()
    client.force_login(platform_user)
    response = client.post(url("dependency-add", workload.pk), dependency_data(vendor=vendor.pk))
    assert response.status_code == 302
    assert response["Location"] == url("workload-detail", workload.pk) + "#dependencies"


def test_an_invalid_new_dependency_shows_its_errors_in_the_panel(client, platform_user):
    workload, vendor = WorkloadFactory(), VendorFactory()
    client.force_login(platform_user)
    response = client.post(
        url("dependency-add", workload.pk), dependency_data(vendor=vendor.pk, band=""), **HTMX
    )
    assert response.status_code == 200
    assert "Compute needs a capacity band" in response.content.decode()
    assert not Dependency.objects.exists()


def test_a_duplicate_dependency_is_a_form_error(client, platform_user):
    dep = DependencyFactory(band="burst", amount=Decimal(8), region="eu-west")
    client.force_login(platform_user)
    response = client.post(
        url("dependency-add", dep.workload_id), dependency_data(vendor=dep.vendor_id), **HTMX
    )
    assert "change that row&#x27;s amount" in response.content.decode()
    assert Dependency.objects.count() == 1


def test_editing_a_dependency_inline_swaps_the_row_for_a_form_and_back(client, platform_user):
    dep = DependencyFactory(amount=Decimal(8))
    client.force_login(platform_user)
    pk = dep.workload_id

    form = client.get(url("dependency-edit", pk, dep.pk), **HTMX).content.decode()
    assert form.lstrip().startswith(f'<tr id="dependency-{dep.pk}"') and f'name="dep{dep.pk}-amount"' in form

    row = client.get(url("dependency-row", pk, dep.pk), **HTMX).content.decode()
    assert row.lstrip().startswith(f'<tr id="dependency-{dep.pk}">') and "<form" in row  # the remove button

    data = dependency_data(f"dep{dep.pk}", vendor=dep.vendor_id, band="committed", amount="24", region="")
    saved = client.post(url("dependency-edit", pk, dep.pk), data, **HTMX)
    assert saved.content.decode().lstrip().startswith('<div id="dependency-panel">')
    dep.refresh_from_db()
    assert dep.amount == 24
    (event,) = AuditEvent.objects.filter(action="dependency.update")
    assert event.changes["amount"] == ["8.00", "24"]


def test_an_invalid_inline_edit_replaces_only_its_row(client, platform_user):
    dep = DependencyFactory(amount=Decimal(8))
    client.force_login(platform_user)
    data = dependency_data(f"dep{dep.pk}", vendor=dep.vendor_id, band="", amount="8")
    response = client.post(url("dependency-edit", dep.workload_id, dep.pk), data, **HTMX)
    assert response["HX-Retarget"] == f"#dependency-{dep.pk}"
    assert response["HX-Reswap"] == "outerHTML"
    assert "Compute needs a capacity band" in response.content.decode()
    assert not AuditEvent.objects.filter(action="dependency.update").exists()


def test_editing_a_dependency_works_without_javascript(client, platform_user):
    dep = DependencyFactory(amount=Decimal(8))
    client.force_login(platform_user)
    page = client.get(url("dependency-edit", dep.workload_id, dep.pk))
    assert "<html" in page.content.decode() and "Edit dependency" in page.content.decode()
    data = dependency_data(f"dep{dep.pk}", vendor=dep.vendor_id, band="committed", amount="12", region="")
    response = client.post(url("dependency-edit", dep.workload_id, dep.pk), data)
    assert response.status_code == 302
    dep.refresh_from_db()
    assert dep.amount == 12


def test_removing_a_dependency_with_htmx_returns_the_panel_without_it(client, platform_user):
    dep = DependencyFactory()
    client.force_login(platform_user)
    response = client.post(url("dependency-remove", dep.workload_id, dep.pk), **HTMX)
    assert f'id="dependency-{dep.pk}"' not in response.content.decode()
    assert not Dependency.objects.exists()
    assert AuditEvent.objects.filter(action="dependency.delete").count() == 1


def test_workload_page_shows_its_findings_and_matrix(client, auditor_user):
    nimbus = VendorFactory(name="Nimbus")
    workload = WorkloadFactory(name="Chat", criticality=Criticality.CRITICAL)
    for band in ("committed", "burst", "emergency"):
        compute(workload, nimbus, band, 8)
    client.force_login(auditor_user)
    body = client.get(url("workload-detail", workload.pk)).content.decode()
    assert "one point of failure at three prices" in body
    assert "Single vendor" in body and "Never rehearsed" in body


# Rehearsals --------------------------------------------------------------------------------


def test_recording_a_rehearsal_through_the_form(client, platform_user, procurement_user):
    workload = WorkloadFactory(rto_minutes=30, rpo_minutes=5)
    vendor = VendorFactory()
    client.force_login(platform_user)
    response = client.post(
        url("rehearsal-create", workload.pk),
        {
            "scenario": "provider_exit",
            "vendor": vendor.pk,
            "performed_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "outcome": "partial",
            "recovery_minutes": "45",
            "data_loss_minutes": "2",
            "participants": [platform_user.pk, procurement_user.pk],
            "other_participants": "Vendor SRE",
            "follow_up_actions": "Pre-warm the standby pool.",
        },
    )
    rehearsal = Rehearsal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("rehearsal-detail", workload.pk, rehearsal.pk)
    assert rehearsal.rto_target_minutes == 30 and set(rehearsal.participants.all()) == {
        platform_user,
        procurement_user,
    }
    detail = client.get(response["Location"]).content.decode()
    assert "45 min" in detail and "over target" in detail and "Vendor SRE" in detail


def test_a_pass_over_its_rto_is_refused_in_the_form(client, platform_user):
    workload = WorkloadFactory(rto_minutes=30)
    client.force_login(platform_user)
    response = client.post(
        url("rehearsal-create", workload.pk),
        {"scenario": "gpu_shortage", "performed_on": timezone.localdate().isoformat(), "outcome": "passed",
         "recovery_minutes": "45", "data_loss_minutes": "0"},
    )  # fmt: skip
    assert response.status_code == 200 and "longer than the RTO target" in response.content.decode()
    assert not Rehearsal.objects.exists()


def test_correcting_a_rehearsal(client, platform_user):
    rehearsal = RehearsalFactory(recovery_minutes=30, outcome="partial")
    client.force_login(platform_user)
    data = {
        "scenario": rehearsal.scenario,
        "performed_on": rehearsal.performed_on.isoformat(),
        "outcome": "partial",
        "recovery_minutes": "35",
        "data_loss_minutes": "5",
    }
    response = client.post(url("rehearsal-edit", rehearsal.workload_id, rehearsal.pk), data)
    assert response.status_code == 302, response.context["form"].errors
    (event,) = AuditEvent.objects.filter(action="rehearsal.update")
    assert event.changes == {"recovery_minutes": [30, 35]}


# Concentration and loss --------------------------------------------------------------------


def test_concentration_page_lists_findings_and_filters_them_by_kind(client, auditor_user):
    a = VendorFactory(name="Omni")
    w = WorkloadFactory(name="Everything on Omni", criticality=Criticality.CRITICAL)
    compute(w, a, "committed", 8)
    compute(w, a, "burst", 8)
    uses(w, a, "storage")
    uses(w, a, "identity")
    client.force_login(auditor_user)

    page = client.get(url("concentration"))
    assert page.context["findings_total"] == 3
    body = page.content.decode()
    assert "Omni supplies compute, storage and identity" in body and "Single vendor" in body

    fragment = client.get(url("concentration") + "?kind=shared_fate", **HTMX).content.decode()
    assert fragment.lstrip().startswith('<div id="findings">') and "No findings of this kind" in fragment


def test_concentration_page_for_one_workload(client, auditor_user):
    a, b = VendorFactory(name="Alpha"), VendorFactory(name="Beta")
    w1, w2 = WorkloadFactory(name="One"), WorkloadFactory(name="Two")
    compute(w1, a, "committed", 8)
    compute(w2, b, "committed", 8)
    client.force_login(auditor_user)
    response = client.get(url("concentration") + f"?workload={w1.pk}")
    assert [r.name for r in response.context["matrix"].rows] == ["Alpha"]


def test_loss_scenario_page_shows_stranded_workloads(client, auditor_user):
    nimbus = VendorFactory(name="Nimbus")
    w = WorkloadFactory(name="Chat")
    compute(w, nimbus, "committed", 64, region="us-east")
    client.force_login(auditor_user)

    response = client.get(url("loss-scenario") + f"?vendor={nimbus.pk}&region=us-east")
    body = response.content.decode()
    assert "Stranded" in body and "Breaks its RTO" in body and "Chat" in body

    fragment = client.get(url("loss-scenario") + f"?vendor={nimbus.pk}", **HTMX).content.decode()
    assert fragment.lstrip().startswith('<div id="loss-results"')


def test_loss_scenario_without_a_vendor_explains_itself(client, auditor_user):
    client.force_login(auditor_user)
    assert "Choose a vendor" in client.get(url("loss-scenario")).content.decode()
    assert client.get(url("loss-scenario") + "?vendor=999999").context["scenario"] is None


def test_vendor_exposure_page_and_unknown_vendor(client, auditor_user):
    dep = DependencyFactory()
    client.force_login(auditor_user)
    assert dep.workload.name in client.get(url("vendor-exposure", dep.vendor_id)).content.decode()
    assert client.get(url("vendor-exposure", 999999)).status_code == 404


@pytest.mark.parametrize("size", [10, 500])
def test_concentration_pages_hold_their_query_count(
    size, client, auditor_user, django_assert_max_num_queries
):
    workloads = portfolio(size)
    vendor = workloads[0].dependencies.first().vendor
    client.force_login(auditor_user)
    # Cold: computed (the cache is emptied before each test); warm: read back.
    for _ in range(2):
        with django_assert_max_num_queries(22):
            assert client.get(url("concentration")).status_code == 200
        with django_assert_max_num_queries(20):
            assert client.get(url("loss-scenario") + f"?vendor={vendor.pk}").status_code == 200
        with django_assert_max_num_queries(26):
            assert client.get(url("vendor-exposure", vendor.pk)).status_code == 200


def test_the_portfolio_view_follows_every_change_of_the_data(client, platform_user):
    nimbus, other = VendorFactory(name="Nimbus"), VendorFactory(name="Other")
    w = WorkloadFactory(name="Chat")
    compute(w, nimbus, "committed", 8)
    burst = compute(w, nimbus, "burst", 8)
    client.force_login(platform_user)
    assert client.get(url("concentration")).context["findings_total"] == 1

    workloads.dependency_update(actor=platform_user, dependency=burst, vendor=other)
    assert client.get(url("concentration")).context["findings_total"] == 0

    workloads.dependency_remove(actor=platform_user, dependency=burst)
    workloads.dependency_add(
        actor=platform_user, workload=w, vendor=nimbus, layer=layer("compute"), band="emergency", amount=4
    )
    page = client.get(url("concentration"))
    assert page.context["findings_total"] == 1
    assert page.context["matrix"].columns[0].total == 12


# Dashboard ---------------------------------------------------------------------------------


def test_dashboard_lists_critical_workloads_never_rehearsed_or_overdue(client, auditor_user, settings):
    settings.REHEARSAL_INTERVAL_DAYS = 30
    today = timezone.localdate()
    WorkloadFactory(name="Never", criticality=Criticality.CRITICAL)
    overdue = WorkloadFactory(name="Overdue", criticality=Criticality.CRITICAL)
    RehearsalFactory(workload=overdue, performed_on=today - timedelta(days=31))
    fresh = WorkloadFactory(name="Fresh", criticality=Criticality.CRITICAL)
    RehearsalFactory(workload=fresh, performed_on=today - timedelta(days=29))
    RehearsalFactory(workload=fresh, performed_on=today - timedelta(days=200))
    WorkloadFactory(name="Not critical", criticality=Criticality.HIGH)
    client.force_login(auditor_user)

    panels = client.get(reverse("home")).context["panels"]

    (panel,) = [p for p in panels if p["template"] == "resilience/_panel_rehearsals.html"]
    assert [w.name for w in panel["rows"]] == ["Never", "Overdue"]
    assert panel["count"] == 2 and panel["more"] == 0


def test_dashboard_panel_is_absent_for_users_without_a_role(client, no_role_user):
    client.force_login(no_role_user)
    panels = client.get(reverse("home")).context["panels"]
    assert not [p for p in panels if p["template"] == "resilience/_panel_rehearsals.html"]


@pytest.mark.parametrize("size", [10, 500])
def test_dashboard_panel_query_count_holds(size, auditor_user, django_assert_max_num_queries):
    from resilience.dashboard import critical_rehearsals_due

    portfolio(size)
    with django_assert_max_num_queries(3):
        (panel,) = critical_rehearsals_due(auditor_user)
    assert panel["count"] >= 1


def test_concentration_page_shows_the_largest_vendors_and_can_show_all(client, auditor_user):
    w = WorkloadFactory()
    for n in range(25):
        compute(w, VendorFactory(name=f"V{n:02d}"), "committed", n + 1)
    client.force_login(auditor_user)

    page = client.get(url("concentration"))
    assert len(page.context["matrix"].rows) == 20 and "5 other vendors" in page.content.decode()
    assert len(client.get(url("concentration") + "?all=1").context["matrix"].rows) == 25


def test_concentration_page_finds_a_workload_by_name(client, auditor_user):
    w = WorkloadFactory(name="Customer chat")
    compute(w, VendorFactory(), "committed", 8)
    WorkloadFactory(name="Other")
    client.force_login(auditor_user)

    assert client.get(url("concentration") + "?workload=customer+chat").context["workload"] == w
    missing = client.get(url("concentration") + "?workload=nothing+like+it")
    assert missing.context["workload"] is None and "No workload has that name." in missing.content.decode()
    assert '<option value="Customer chat">' in missing.content.decode()


def test_workload_list_filters_by_vendor_name(client, auditor_user):
    w = WorkloadFactory(name="On Nimbus")
    compute(w, VendorFactory(name="Nimbus Scale"), "committed", 8)
    WorkloadFactory(name="Elsewhere")
    client.force_login(auditor_user)
    assert [x.name for x in client.get(url("workload-list") + "?vendor=nimbus").context["page_obj"]] == [
        "On Nimbus"
    ]


def test_loss_scenario_offers_depended_on_vendors_and_their_hosts_and_escapes_names(client, auditor_user):
    host = VendorFactory(name="Host <Cloud>")
    hosted = VendorFactory(name="Hosted", runs_on=host)
    idle = VendorFactory(name="Idle")
    compute(WorkloadFactory(), hosted, "committed", 8)
    client.force_login(auditor_user)

    body = client.get(url("loss-scenario") + f"?vendor={hosted.pk}").content.decode()

    assert f'<option value="{hosted.pk}" selected>Hosted</option>' in body
    assert f'<option value="{host.pk}">Host &lt;Cloud&gt;</option>' in body
    assert "Idle" not in body
    # A vendor nobody depends on can still be asked about (e.g. from its exposure page).
    assert client.get(url("loss-scenario") + f"?vendor={idle.pk}").context["scenario"].workloads == []
