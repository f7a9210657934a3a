"""Screens of capacity planning: the plan, demand forecasts (with CSV export and import),
allocations of capacity lines to tiers, and vendors' demand visibility.

Thin: check the policy, bind the form, call one service, redirect.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from procurement import policies
from procurement.web import confirm_delete, require, save_form
from vendors.forms import CsvUploadForm
from vendors.selectors import vendor_for_user

from . import csv_io, planning, selectors, services
from .forms import CapacityAllocationForm, DemandForecastForm, DemandVisibilityForm, PlanForm
from .quarters import Quarter

# What the forecast, allocation and visibility screens share ---------------------------------


def _form_page(request, form, template: str, *, save, saved, then, **context):
    """GET shows the form; a valid POST calls the service through `save(form)` (its refusal lands
    on the form), then says `saved(obj)` and answers `then(obj)`."""
    if request.method == "POST" and form.is_valid():
        obj = save_form(form, lambda: save(form))
        if obj:
            messages.success(request, saved(obj))
            return then(obj)
    return render(request, template, {"form": form, **context})


def _changes(form) -> dict:
    """An edit hands the service only the fields the person changed, with the record read again:
    validating the form has already written the new values onto its instance."""
    return {name: form.cleaned_data[name] for name in form.changed_data}


def _delete(request, obj, *, delete, deleted: str, what: str, list_url: str):
    return confirm_delete(
        request,
        obj,
        delete=delete,
        deleted=deleted,
        what=what,
        consequences="The plan changes at once; the audit trail keeps what it was.",
        done_url=list_url,
        cancel_url=list_url,
    )


# The plan ---------------------------------------------------------------------------------


@require_GET
def plan(request):
    require(policies.can_read(request.user))
    form = PlanForm(request.GET or None)
    start, count = None, planning.DEFAULT_QUARTERS
    if form.is_bound and form.is_valid():
        start = form.cleaned_data["start"]
        count = form.cleaned_data["quarters"] or count
    built = planning.build_plan(start=start, count=count)
    context = {
        "form": form,
        "plan": built,
        "rows": built.rows(),
        "can_edit_forecasts": policies.can_edit_forecasts(request.user),
        "can_edit_allocations": policies.can_edit_allocations(request.user),
        "can_record_visibility": policies.can_record_demand_visibility(request.user),
    }
    return render(request, "capacity/plan.html", context)


def _plan_showing(quarter: str):
    """The plan, from the given quarter when the default window does not show it."""
    url = reverse("capacity:plan")
    shown = planning.default_start().following(planning.DEFAULT_QUARTERS)
    wanted = Quarter.parse(quarter)
    return redirect(url if wanted in shown else f"{url}?start={wanted}")


# Demand forecasts -------------------------------------------------------------------------


@require_GET
def forecast_list(request):
    require(policies.can_read(request.user))
    context = {
        "forecasts": selectors.forecasts_for(request.user),
        "can_edit": policies.can_edit_forecasts(request.user),
    }
    return render(request, "capacity/forecast_list.html", context)


@require_http_methods(["GET", "POST"])
def forecast_create(request):
    require(policies.can_edit_forecasts(request.user))
    initial = {"tier": request.GET.get("tier", ""), "quarter": request.GET.get("quarter", "")}
    return _form_page(
        request,
        DemandForecastForm(request.POST or None, initial=initial),
        "capacity/forecast_form.html",
        save=lambda form: services.demand_forecast_create(actor=request.user, **form.cleaned_data),
        saved=lambda forecast: f"Forecast for {forecast} saved.",
        then=lambda forecast: _plan_showing(forecast.quarter),
    )


@require_http_methods(["GET", "POST"])
def forecast_edit(request, pk: int):
    forecast = selectors.forecast_for_user(request.user, pk)
    require(policies.can_edit_forecasts(request.user))
    return _form_page(
        request,
        DemandForecastForm(request.POST or None, instance=forecast),
        "capacity/forecast_form.html",
        save=lambda form: services.demand_forecast_update(
            actor=request.user, forecast=selectors.forecast_for_user(request.user, pk), **_changes(form)
        ),
        saved=lambda forecast: f"Forecast for {forecast} saved.",
        then=lambda forecast: _plan_showing(forecast.quarter),
        forecast=forecast,
    )


@require_http_methods(["GET", "POST"])
def forecast_delete(request, pk: int):
    forecast = selectors.forecast_for_user(request.user, pk)
    require(policies.can_edit_forecasts(request.user))
    return _delete(
        request,
        forecast,
        delete=lambda: services.demand_forecast_delete(actor=request.user, forecast=forecast),
        deleted=f"Forecast for {forecast} deleted.",
        what=f"the forecast for {forecast}",
        list_url=reverse("capacity:forecast-list"),
    )


@require_GET
def forecast_export(request):
    require(policies.can_read(request.user))
    rows = csv_io.forecast_rows(selectors.forecasts_for(request.user).iterator(chunk_size=1000))
    response = StreamingHttpResponse(
        csv_io.stream_rows(csv_io.FORECAST_COLUMNS, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="forecasts-{timezone.localdate().isoformat()}.csv"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def forecast_import(request):
    """Upload → dry-run preview with each row's errors → confirm. The confirm step re-validates the
    signed copy of the same file and writes every row in one transaction, or none."""
    require(policies.can_edit_forecasts(request.user))
    context = {"form": CsvUploadForm(), "columns": csv_io.FORECAST_COLUMNS}
    if request.method == "POST" and "payload" in request.POST:
        text = csv_io.unsign_payload(request.POST["payload"])
        if text is None:
            messages.error(request, "The preview has expired or was altered. Upload the file again.")
            return redirect(request.path)
        preview = csv_io.preview_forecasts(text)
        if preview.is_valid:
            try:
                saved = services.demand_forecasts_import(
                    actor=request.user, rows=[row.data for row in preview.rows]
                )
            except ValidationError as exc:
                preview.file_errors.append(f"Nothing was imported: {' '.join(exc.messages)}")
            else:
                messages.success(request, f"Imported {len(saved)} forecast{'s' if len(saved) != 1 else ''}.")
                return redirect("capacity:forecast-list")
        context.update(preview=preview, payload=csv_io.sign_payload(text))
    elif request.method == "POST":
        form = CsvUploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            text = form.cleaned_data["file"]
            context.update(preview=csv_io.preview_forecasts(text), payload=csv_io.sign_payload(text))
    return render(request, "capacity/forecast_import.html", context)


# Allocations ------------------------------------------------------------------------------


@require_GET
def allocation_list(request):
    require(policies.can_read(request.user))
    context = {
        "lines": selectors.allocatable_lines(request.user).prefetch_related("allocations"),
        "can_edit": policies.can_edit_allocations(request.user),
    }
    return render(request, "capacity/allocation_list.html", context)


@require_http_methods(["GET", "POST"])
def allocation_create(request):
    require(policies.can_edit_allocations(request.user))
    lines = selectors.allocatable_lines(request.user)
    initial = {"line": request.GET.get("line") or None, "tier": request.GET.get("tier", "")}
    return _form_page(
        request,
        CapacityAllocationForm(request.POST or None, lines=lines, initial=initial),
        "capacity/allocation_form.html",
        save=lambda form: services.capacity_allocation_create(actor=request.user, **form.cleaned_data),
        saved=lambda allocation: f"Allocated {allocation}.",
        then=lambda _: redirect("capacity:allocation-list"),
    )


@require_http_methods(["GET", "POST"])
def allocation_edit(request, pk: int):
    allocation = selectors.allocation_for_user(request.user, pk)
    require(policies.can_edit_allocations(request.user))
    return _form_page(
        request,
        CapacityAllocationForm(request.POST or None, instance=allocation),
        "capacity/allocation_form.html",
        save=lambda form: services.capacity_allocation_update(
            actor=request.user, allocation=selectors.allocation_for_user(request.user, pk), **_changes(form)
        ),
        saved=lambda _: "Allocation saved.",
        then=lambda _: redirect("capacity:allocation-list"),
        allocation=allocation,
    )


@require_http_methods(["GET", "POST"])
def allocation_delete(request, pk: int):
    allocation = selectors.allocation_for_user(request.user, pk)
    require(policies.can_edit_allocations(request.user))
    return _delete(
        request,
        allocation,
        delete=lambda: services.capacity_allocation_delete(actor=request.user, allocation=allocation),
        deleted="Allocation removed: that capacity is unallocated again.",
        what=f"the allocation of {allocation}",
        list_url=reverse("capacity:allocation-list"),
    )


# Demand visibility ------------------------------------------------------------------------


@require_GET
def visibility_list(request):
    require(policies.can_read(request.user))
    records = selectors.visibility_for(request.user)
    vendor = None
    vendor_id = request.GET.get("vendor", "")
    if vendor_id.isdigit() and len(vendor_id) < 19:
        vendor = vendor_for_user(request.user, int(vendor_id))
        records = records.filter(vendor=vendor)
    context = {
        "records": records.order_by("vendor__name", "-recorded_on", "-pk"),
        "latest_ids": set(planning.latest_visibility().values_list("pk", flat=True)),
        "vendor": vendor,
        "can_record": policies.can_record_demand_visibility(request.user),
    }
    return render(request, "capacity/visibility_list.html", context)


def _vendor_visibility(record):
    return redirect(reverse("capacity:visibility-list") + f"?vendor={record.vendor_id}")


@require_http_methods(["GET", "POST"])
def visibility_create(request):
    require(policies.can_record_demand_visibility(request.user))
    vendor_id = request.GET.get("vendor", "")
    initial = {"recorded_on": timezone.localdate(), "vendor": vendor_id if vendor_id.isdigit() else None}
    return _form_page(
        request,
        DemandVisibilityForm(request.POST or None, initial=initial),
        "capacity/visibility_form.html",
        save=lambda form: services.demand_visibility_record(actor=request.user, **form.service_data()),
        saved=lambda record: (
            f"Demand visibility of {record.vendor} as of {record.recorded_on:%-d %b %Y} recorded."
        ),
        then=_vendor_visibility,
    )


@require_http_methods(["GET", "POST"])
def visibility_edit(request, pk: int):
    record = selectors.visibility_for_user(request.user, pk)
    require(policies.can_record_demand_visibility(request.user))
    return _form_page(
        request,
        DemandVisibilityForm(request.POST or None, instance=record),
        "capacity/visibility_form.html",
        save=lambda form: services.demand_visibility_update(
            actor=request.user, record=selectors.visibility_for_user(request.user, pk), **_changes(form)
        ),
        saved=lambda _: "Record corrected.",
        then=_vendor_visibility,
        record=record,
    )
