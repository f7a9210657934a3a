"""The side-by-side comparison of offers: the live page with its sensitivity partial, saving a
comparison (freezing its snapshot), and the saved comparisons.

Thin: check the policy, bind the form, compute through `costs.comparing` (or save through
`costs.services`), render. Refusals (a missing rate or cost of delay) are listed in the page.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from procurement import policies
from procurement.web import is_htmx_fragment, require, save_form
from vendors.models import WorkloadTier

from . import comparing, sensitivity, services, tce
from .comparison_forms import ComparisonForm, ComparisonSaveForm
from .comparison_selectors import evaluations_of, offers_to_compare, workloads_to_compare
from .selectors import comparison_for_user, comparisons_for


def _bind(form_class, request, data, **kwargs):
    return form_class(
        data, workloads=workloads_to_compare(request.user), offers=offers_to_compare(request.user), **kwargs
    )


def _unsaved(request, form):
    """The save form for the inputs just compared: hidden copies of them and a suggested name."""
    data = form.cleaned_data
    name = f"{WorkloadTier(data['tier']).label} — {data['as_of'].isoformat()}"
    return _bind(ComparisonSaveForm, request, None, initial={**data, "name": name})


def _figures(form) -> dict:
    """The live figures for a valid form: the snapshot at the chosen values and the ranking grid,
    or the refusals."""
    data = form.cleaned_data
    outcome = comparing.compare(
        comparing.Request(**form.request_kwargs()),
        comparing.offers_with_lines([o.pk for o in data["offers"]]).order_by("vendor__name", "name", "pk"),
    )
    if not outcome.ok:
        return {"refusals": outcome.refusals}
    overrides = form.overrides()
    try:
        return {
            "snapshot": sensitivity.snapshot(outcome.result, overrides),
            "grid": sensitivity.grid(outcome.result, overrides, form.varied()),
            "vary_label": dict(sensitivity.VARY_CHOICES)[form.varied()],
            "overridden": overrides.any,
        }
    except tce.TCEInputError as exc:
        return {"refusals": [str(exc)]}


def _page(request, form, save_form_=None):
    context = {"form": form, "can_save": policies.can_save_comparisons(request.user)}
    if form.is_bound and form.is_valid():
        context.update(_figures(form))
        if context["can_save"] and "snapshot" in context:
            context["save_form"] = save_form_ or _unsaved(request, form)
    if is_htmx_fragment(request):
        return render(request, "costs/compare.html#ranking", context)
    return render(request, "costs/compare.html", context)


@require_GET
def compare(request):
    require(policies.can_read(request.user))
    return _page(request, _bind(ComparisonForm, request, request.GET or None))


@require_POST
def comparison_save(request):
    require(policies.can_save_comparisons(request.user))
    form = _bind(ComparisonSaveForm, request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        comparison = save_form(
            form,
            lambda: services.comparison_save(
                actor=request.user, name=data["name"], offers=data["offers"], **form.request_kwargs()
            ),
        )
        if comparison:
            messages.success(request, f"Comparison “{comparison.name}” saved with its figures frozen.")
            return redirect("costs:comparison-detail", pk=comparison.pk)
    # Show the page again for the inputs posted, the save form carrying its errors.
    return _page(request, _bind(ComparisonForm, request, request.POST), save_form_=form)


@require_GET
def comparison_list(request):
    require(policies.can_read(request.user))
    comparisons = comparisons_for(request.user).order_by("-created_at", "-pk")
    return render(request, "costs/comparison_list.html", {"comparisons": comparisons})


@require_GET
def comparison_detail(request, pk: int):
    require(policies.can_read(request.user))
    comparison = comparison_for_user(request.user, pk)
    context = {
        "comparison": comparison,
        "snapshot": comparison.snapshot,
        "evaluations": evaluations_of(comparison),
        "sha256_matches": tce.snapshot_sha256(comparison.snapshot) == comparison.sha256,
    }
    return render(request, "costs/comparison_detail.html", context)
