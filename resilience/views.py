"""Screens for workloads, their dependencies (edited inline with htmx), failover rehearsals,
the concentration view and the loss scenario.

Thin: check the policy, bind the form, call one service, redirect. htmx requests get the
partial they swap; the same URLs work as full pages without JavaScript.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from procurement import policies
from procurement.web import is_htmx_fragment, require, save_form
from vendors.selectors import vendor_for_user

from . import concentration, selectors, services
from .forms import (
    REGION_DATALIST,
    ConcentrationForm,
    DependencyForm,
    LossScenarioForm,
    RehearsalForm,
    WorkloadFilter,
    WorkloadForm,
)
from .models import Dependency, Rehearsal

PAGE_SIZE = 25
FINDINGS_PAGE_SIZE = 50
LOSS_PAGE_SIZE = 10
MATRIX_ROWS = 20


def _datalist(element_id: str, values) -> dict:
    """What resilience/_datalist.html lists: the id the inputs' `list` names, and the values."""
    return {"id": element_id, "values": values}


def _regions_datalist() -> dict:
    return _datalist(REGION_DATALIST, selectors.known_regions())


def _page(request, items, size=PAGE_SIZE):
    return Paginator(items, size).get_page(request.GET.get("page"))


# Workloads --------------------------------------------------------------------------------


@require_GET
def workload_list(request):
    require(policies.can_read(request.user))
    filterset = WorkloadFilter(request.GET, queryset=selectors.workload_list(request.user))
    page_obj = _page(request, filterset.qs)
    for workload in page_obj:
        workload.due = selectors.due_status(workload.last_rehearsed_on)
        workload.next_due = services.next_rehearsal_due(workload.last_rehearsed_on)
    context = {
        "filter": filterset,
        "page_obj": page_obj,
        "due_labels": selectors.DUE_LABELS,
        "can_edit": policies.can_edit_workloads(request.user),
    }
    template = "resilience/workload_list.html"
    return render(request, template + "#workload-results" if is_htmx_fragment(request) else template, context)


@require_http_methods(["GET", "POST"])
def workload_create(request):
    require(policies.can_edit_workloads(request.user))
    form = WorkloadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        workload = save_form(form, lambda: services.workload_create(actor=request.user, **form.cleaned_data))
        if workload:
            messages.success(request, f"Workload “{workload}” registered. Add what it depends on.")
            return redirect("resilience:workload-detail", pk=workload.pk)
    return render(request, "resilience/workload_form.html", {"form": form})


def _detail_context(request, workload, dependency_form=None) -> dict:
    deps = selectors.dependencies_of(workload)
    can_edit = policies.can_edit_dependencies(request.user)
    graph = concentration.HostingGraph.load()
    return {
        "workload": workload,
        "dependencies": deps,
        "matrix": concentration.matrix(Dependency.objects.filter(workload=workload), graph=graph),
        "findings": concentration.findings(type(workload).objects.filter(pk=workload.pk), graph),
        "can_edit": can_edit,
        # Only a form with errors to show; an empty one loads on request (it lists every vendor).
        "dependency_form": dependency_form,
        "regions_datalist": _regions_datalist() if can_edit else None,
    }


@require_GET
def workload_detail(request, pk: int):
    workload = selectors.workload_detail(request.user, pk)
    context = _detail_context(request, workload)
    context.update(
        {
            "rehearsals": selectors.rehearsals_of(workload),
            "due": selectors.due_status(workload.last_rehearsed_on),
            "due_labels": selectors.DUE_LABELS,
            "next_due": services.next_rehearsal_due(workload.last_rehearsed_on),
            "interval_days": services.rehearsal_interval().days,
            "can_edit_workload": policies.can_edit_workloads(request.user),
            "can_record": policies.can_record_rehearsals(request.user),
        }
    )
    return render(request, "resilience/workload_detail.html", context)


@require_http_methods(["GET", "POST"])
def workload_edit(request, pk: int):
    workload = selectors.workload_for_user(request.user, pk)
    require(policies.can_edit_workloads(request.user))
    form = WorkloadForm(request.POST or None, instance=workload)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        original = selectors.workload_for_user(request.user, pk)
        if save_form(
            form, lambda: services.workload_update(actor=request.user, workload=original, **changes)
        ):
            messages.success(request, "Workload saved.")
            return redirect("resilience:workload-detail", pk=pk)
    return render(request, "resilience/workload_form.html", {"form": form, "workload": workload})


# Dependencies: edited inline --------------------------------------------------------------


def _dependency_panel(request, workload, dependency_form=None):
    return render(
        request,
        "resilience/workload_detail.html#dependency-panel",
        _detail_context(request, workload, dependency_form),
    )


def _to_dependencies(workload):
    return redirect(reverse("resilience:workload-detail", args=[workload.pk]) + "#dependencies")


@require_http_methods(["GET", "POST"])
def dependency_add(request, pk: int):
    workload = selectors.workload_for_user(request.user, pk)
    require(policies.can_edit_dependencies(request.user))
    form = DependencyForm(request.POST or None, instance=Dependency(workload=workload))
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        if save_form(form, lambda: services.dependency_add(actor=request.user, workload=workload, **fields)):
            if is_htmx_fragment(request):
                return _dependency_panel(request, workload)
            messages.success(request, "Dependency added.")
            return _to_dependencies(workload)
    context = {"form": form, "workload": workload, "regions_datalist": _regions_datalist()}
    if is_htmx_fragment(request):
        if request.method == "GET":
            context["dependency_form"] = form
            return render(request, "resilience/workload_detail.html#dependency-add-form", context)
        return _dependency_panel(request, workload, form)
    return render(request, "resilience/dependency_form.html", context)


@require_GET
def dependency_row(request, pk: int, dependency_pk: int):
    workload = selectors.workload_for_user(request.user, pk)
    dependency = selectors.dependency_for_user(request.user, workload, dependency_pk)
    if not is_htmx_fragment(request):
        return _to_dependencies(workload)
    context = {
        "dep": dependency,
        "workload": workload,
        "can_edit": policies.can_edit_dependencies(request.user),
    }
    return render(request, "resilience/workload_detail.html#dependency-row", context)


@require_http_methods(["GET", "POST"])
def dependency_edit(request, pk: int, dependency_pk: int):
    workload = selectors.workload_for_user(request.user, pk)
    dependency = selectors.dependency_for_user(request.user, workload, dependency_pk)
    require(policies.can_edit_dependencies(request.user))
    form = DependencyForm(request.POST or None, instance=dependency, prefix=f"dep{dependency.pk}")
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        original = selectors.dependency_for_user(request.user, workload, dependency_pk)
        if save_form(
            form, lambda: services.dependency_update(actor=request.user, dependency=original, **changes)
        ):
            if is_htmx_fragment(request):
                return _dependency_panel(request, workload)
            messages.success(request, "Dependency saved.")
            return _to_dependencies(workload)
    if is_htmx_fragment(request):
        context = {
            "dep": dependency,
            "form": form,
            "workload": workload,
        }
        response = render(request, "resilience/workload_detail.html#dependency-edit-row", context)
        if request.method == "POST":
            # The form targets the whole panel on success; errors replace only this row.
            response = reswap(retarget(response, f"#dependency-{dependency.pk}"), "outerHTML")
        return response
    return render(
        request,
        "resilience/dependency_form.html",
        {
            "form": form,
            "workload": workload,
            "dependency": dependency,
            "regions_datalist": _regions_datalist(),
        },
    )


@require_POST
def dependency_remove(request, pk: int, dependency_pk: int):
    workload = selectors.workload_for_user(request.user, pk)
    dependency = selectors.dependency_for_user(request.user, workload, dependency_pk)
    require(policies.can_edit_dependencies(request.user))
    services.dependency_remove(actor=request.user, dependency=dependency)
    if is_htmx_fragment(request):
        return _dependency_panel(request, workload)
    messages.success(request, "Dependency removed.")
    return _to_dependencies(workload)


# Rehearsals -------------------------------------------------------------------------------


def _rehearsal_fields(form) -> dict:
    return {name: form.cleaned_data[name] for name in form.Meta.fields}


@require_http_methods(["GET", "POST"])
def rehearsal_create(request, pk: int):
    workload = selectors.workload_for_user(request.user, pk)
    require(policies.can_record_rehearsals(request.user))
    draft = Rehearsal(
        workload=workload, rto_target_minutes=workload.rto_minutes, rpo_target_minutes=workload.rpo_minutes
    )
    form = RehearsalForm(request.POST or None, instance=draft)
    if request.method == "POST" and form.is_valid():
        fields = _rehearsal_fields(form)
        rehearsal = save_form(
            form, lambda: services.rehearsal_record(actor=request.user, workload=workload, **fields)
        )
        if rehearsal:
            messages.success(request, "Rehearsal recorded.")
            return redirect("resilience:rehearsal-detail", pk=workload.pk, rehearsal_pk=rehearsal.pk)
    return render(request, "resilience/rehearsal_form.html", {"form": form, "workload": workload})


@require_GET
def rehearsal_detail(request, pk: int, rehearsal_pk: int):
    workload = selectors.workload_for_user(request.user, pk)
    rehearsal = selectors.rehearsal_for_user(request.user, workload, rehearsal_pk)
    context = {
        "workload": workload,
        "rehearsal": rehearsal,
        "can_record": policies.can_record_rehearsals(request.user),
    }
    return render(request, "resilience/rehearsal_detail.html", context)


@require_http_methods(["GET", "POST"])
def rehearsal_edit(request, pk: int, rehearsal_pk: int):
    workload = selectors.workload_for_user(request.user, pk)
    rehearsal = selectors.rehearsal_for_user(request.user, workload, rehearsal_pk)
    require(policies.can_record_rehearsals(request.user))
    form = RehearsalForm(request.POST or None, instance=rehearsal)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        original = selectors.rehearsal_for_user(request.user, workload, rehearsal_pk)
        if save_form(
            form, lambda: services.rehearsal_update(actor=request.user, rehearsal=original, **changes)
        ):
            messages.success(request, "Rehearsal corrected.")
            return redirect("resilience:rehearsal-detail", pk=workload.pk, rehearsal_pk=rehearsal.pk)
    return render(
        request,
        "resilience/rehearsal_form.html",
        {"form": form, "workload": workload, "rehearsal": rehearsal},
    )


# Concentration and loss scenario ----------------------------------------------------------


@require_GET
def concentration_view(request):
    require(policies.can_read(request.user))
    form = ConcentrationForm(request.GET or None)
    workload = form.cleaned_data.get("workload") if form.is_valid() else None
    limit = None if request.GET.get("all") else MATRIX_ROWS
    if workload:
        graph = concentration.HostingGraph.load()
        found = concentration.findings(type(workload).objects.filter(pk=workload.pk), graph)
        matrix = concentration.matrix(Dependency.objects.filter(workload=workload), limit=limit, graph=graph)
    else:
        found = concentration.findings()
        matrix = concentration.matrix(limit=limit)
    kind = request.GET.get("kind", "")
    shown = [f for f in found if f.kind == kind] if kind in concentration.FindingKind.LABELS else found
    context = {
        "form": form,
        "workload": workload,
        "workload_datalist": _datalist("workload-names", selectors.workload_names(request.user)),
        # The largest vendors get a row each; on request, every vendor does.
        "matrix": matrix,
        "finding_counts": concentration.finding_counts(found),
        "findings_total": len(found),
        "kind": kind,
        "page_obj": _page(request, shown, FINDINGS_PAGE_SIZE),
    }
    template = "resilience/concentration.html"
    return render(request, template + "#findings" if is_htmx_fragment(request) else template, context)


@require_GET
def loss_scenario(request):
    require(policies.can_read(request.user))
    form = LossScenarioForm(request.GET or None, offered=selectors.depended_on_vendors())
    scenario = page_obj = None
    if form.is_valid():
        vendor, region = form.cleaned_data["vendor"], form.cleaned_data["region"]
        scenario = concentration.loss_scenario(vendor=vendor, region=region)
        page_obj = _page(request, scenario.workloads, LOSS_PAGE_SIZE)
    context = {
        "form": form,
        "scenario": scenario,
        "page_obj": page_obj,
        "regions_datalist": _datalist(REGION_DATALIST, scenario.regions if scenario else []),
    }
    template = "resilience/loss_scenario.html"
    return render(request, template + "#loss-results" if is_htmx_fragment(request) else template, context)


# Beside an evaluation's dimensions, htmx loads a brief part of the evidence: the first few
# findings and workloads, with a link here for the rest.
EVIDENCE_PARTS = {
    "concentration": "resilience/concentration_vendor_evidence.html#vendor-concentration",
    "all": "resilience/concentration_vendor_evidence.html",
}
BRIEF_EVIDENCE = {"findings_shown": ":5", "workloads_shown": ":8"}


@require_GET
def vendor_exposure(request, vendor_pk: int):
    vendor = vendor_for_user(request.user, vendor_pk)
    evidence = concentration.vendor_evidence(vendor)
    context = {"vendor": vendor, "evidence": evidence}
    part = request.GET.get("part", "")
    if is_htmx_fragment(request) and part in EVIDENCE_PARTS:
        return render(request, EVIDENCE_PARTS[part], context | BRIEF_EVIDENCE)
    return render(request, "resilience/concentration_vendor.html", context)
