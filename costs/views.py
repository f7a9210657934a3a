"""Screens of the total cost of execution: offers with their lines, exchange rates and the cost
of delay per tier. (The comparison pages build on `costs.comparing`.)

Thin: check the policy, bind the form, call one service, redirect.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from procurement import policies
from procurement.web import require, save_form
from vendors.models import WorkloadTier

from . import currencies, selectors, services
from .forms import CostOfDelayForm, ExchangeRateForm, OfferForm, OfferFromContractForm, line_formset

# Offers -----------------------------------------------------------------------------------


@require_GET
def offer_list(request):
    require(policies.can_read(request.user))
    offers = selectors.offers_for(request.user)
    vendor, currency = request.GET.get("vendor", ""), request.GET.get("currency", "")
    if vendor.isdigit() and len(vendor) < 19:
        offers = offers.filter(vendor_id=int(vendor))
    if currencies.is_active(currency):
        offers = offers.filter(billing_currency=currency)
    context = {
        "offers": offers.order_by("vendor__name", "name", "pk"),
        "vendors": selectors.offers_for(request.user)
        .values_list("vendor_id", "vendor__name")
        .distinct()
        .order_by("vendor__name"),
        "currencies": selectors.offers_for(request.user)
        .values_list("billing_currency", flat=True)
        .distinct()
        .order_by("billing_currency"),
        "chosen_vendor": vendor,
        "chosen_currency": currency,
        "can_edit": policies.can_edit_offers(request.user),
    }
    return render(request, "costs/offer_list.html", context)


def _offer_form_page(request, form, lines, offer=None):
    return render(request, "costs/offer_form.html", {"form": form, "lines": lines, "offer": offer})


@require_http_methods(["GET", "POST"])
def offer_create(request):
    require(policies.can_edit_offers(request.user))
    vendor = request.GET.get("vendor", "")
    form = OfferForm(request.POST or None, initial={"vendor": vendor if vendor.isdigit() else None})
    lines = line_formset(request.POST or None)
    # `&`, not `and`: both are validated, so the offer's and the lines' errors show together.
    if request.method == "POST" and form.is_valid() & lines.is_valid():
        offer = save_form(
            form,
            lambda: services.offer_create(actor=request.user, lines=lines.lines(), **form.service_data()),
        )
        if offer:
            messages.success(request, f"Offer “{offer.name}” recorded.")
            return redirect(offer)
    return _offer_form_page(request, form, lines)


@require_http_methods(["GET", "POST"])
def offer_from_contract(request):
    require(policies.can_edit_offers(request.user))
    form = OfferFromContractForm(
        request.POST or None, contracts=selectors.contracts_with_capacity(request.user)
    )
    if request.method == "POST" and form.is_valid():
        offer = save_form(form, lambda: services.offer_from_contract(actor=request.user, **form.cleaned_data))
        if offer:
            messages.success(request, "Offer drafted from the contract: check its prices and utilisation.")
            return redirect("costs:offer-edit", pk=offer.pk)
    return render(request, "costs/offer_from_contract.html", {"form": form})


@require_GET
def offer_detail(request, pk: int):
    offer = selectors.offer_for_user(request.user, pk)
    context = {
        "offer": offer,
        "comparisons": offer.comparisons.order_by("-created_at")[:20],
        "can_edit": policies.can_edit_offers(request.user),
    }
    return render(request, "costs/offer_detail.html", context)


@require_http_methods(["GET", "POST"])
def offer_edit(request, pk: int):
    offer = selectors.offer_for_user(request.user, pk)
    require(policies.can_edit_offers(request.user))
    form = OfferForm(request.POST or None, instance=offer)
    lines = line_formset(request.POST or None, offer=offer)
    if request.method == "POST" and form.is_valid() & lines.is_valid():
        original = selectors.offer_for_user(request.user, pk)
        saved = save_form(
            form,
            lambda: services.offer_update(
                actor=request.user, offer=original, lines=lines.lines(), **form.service_data()
            ),
        )
        if saved:
            messages.success(request, f"Offer “{saved.name}” saved.")
            return redirect(saved)
    return _offer_form_page(request, form, lines, offer)


@require_http_methods(["GET", "POST"])
def offer_delete(request, pk: int):
    offer = selectors.offer_for_user(request.user, pk)
    require(policies.can_edit_offers(request.user))
    if request.method == "POST":
        try:
            services.offer_delete(actor=request.user, offer=offer)
        except services.OfferInUse as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(offer)
        messages.success(request, f"Offer “{offer.name}” deleted.")
        return redirect("costs:offer-list")
    context = {"object": offer, "what": f"the offer “{offer.name}”", "cancel_url": offer.get_absolute_url()}
    return render(request, "costs/confirm_delete.html", context)


# Exchange rates ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def rate_list(request):
    """The rates kept by date, and (for procurement) the form to add one, on one page."""
    require(policies.can_read(request.user))
    can_edit = policies.can_edit_exchange_rates(request.user)
    if request.method == "POST":
        require(can_edit)
    form = None
    if can_edit:
        form = ExchangeRateForm(
            request.POST or None, initial={"on": timezone.localdate(), "quote_currency": "EUR"}
        )
    if request.method == "POST" and form.is_valid():
        rate = save_form(form, lambda: services.exchange_rate_create(actor=request.user, **form.cleaned_data))
        if rate:
            messages.success(request, f"Rate recorded: {rate}.")
            return redirect("costs:rate-list")
    context = {"rates": selectors.exchange_rates_for(request.user), "form": form, "can_edit": can_edit}
    return render(request, "costs/rate_list.html", context)


@require_POST
def rate_delete(request, pk: int):
    rate = selectors.exchange_rate_for_user(request.user, pk)
    require(policies.can_edit_exchange_rates(request.user))
    services.exchange_rate_delete(actor=request.user, rate=rate)
    messages.success(request, f"Rate deleted: {rate}. Saved comparisons keep the rate they used.")
    return redirect("costs:rate-list")


# Cost of delay ----------------------------------------------------------------------------


@require_GET
def delay_list(request):
    require(policies.can_read(request.user))
    figures = {record.tier: record for record in selectors.costs_of_delay_for(request.user)}
    rows = [(tier, label, figures.get(tier)) for tier, label in WorkloadTier.choices]
    context = {"rows": rows, "can_edit": policies.can_set_cost_of_delay(request.user)}
    return render(request, "costs/delay_list.html", context)


@require_http_methods(["GET", "POST"])
def delay_edit(request, tier: str):
    if tier not in WorkloadTier.values:
        raise Http404("No such workload tier.")
    require(policies.can_set_cost_of_delay(request.user))
    current = selectors.costs_of_delay_for(request.user).filter(tier=tier).first()
    form = CostOfDelayForm(request.POST or None, instance=current, initial={"currency": "EUR"})
    if request.method == "POST" and form.is_valid():
        record = save_form(
            form, lambda: services.cost_of_delay_set(actor=request.user, tier=tier, **form.cleaned_data)
        )
        if record:
            messages.success(request, f"Cost of delay set: {record}.")
            return redirect(reverse("costs:delay-list"))
    context = {"form": form, "tier_label": WorkloadTier(tier).label, "current": current}
    return render(request, "costs/delay_form.html", context)
