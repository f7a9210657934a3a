"""Comparing offers for a workload without saving anything: read the offers, the exchange rates,
the tier's cost of delay and its compute on each vendor (resilience dependencies), and run
`costs.tce`. The live comparison page calls `compare`; `costs.services.comparison_save` calls the
same function and freezes its result.

What cannot be computed (a missing rate or cost of delay, an offer without lines, a bad input) is
returned as refusals in words, all of them at once, so the page can list what to fix.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Sum

from resilience.models import Dependency, Workload
from vendors.models import COMPUTE_LAYER, WorkloadTier

from . import tce
from .models import CostOfDelay, ExchangeRate, Offer, OfferLine

# Inverse rates keep ten decimals: 1 / 0.92 = 1.0869565217..., enough for cents on a billion.
INVERSE_PLACES = Decimal("0.0000000001")


@dataclass(frozen=True)
class Request:
    """What a person asks to compare: the workload's needs, the horizon and the currency."""

    tier: str
    gpu_hours_per_month: Decimal
    horizon_months: int
    reporting_currency: str
    as_of: date
    name: str = ""
    workload: Workload | None = None
    storage_gb: Decimal = Decimal(0)
    egress_gb_per_month: Decimal = Decimal(0)
    exit_data_gb: Decimal = Decimal(0)
    rehome_days: int = 30


@dataclass(frozen=True)
class Outcome:
    """Either a result or the reasons there is none."""

    result: tce.Result | None = None
    refusals: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.result is not None


def offers_with_lines(ids: Iterable[int] | None = None):
    """Offers with their vendor and lines in one round trip each, in the order of the list."""
    offers = Offer.objects.select_related("vendor").prefetch_related(
        Prefetch("lines", queryset=OfferLine.objects.order_by("pk"))
    )
    return offers.filter(pk__in=list(ids)) if ids is not None else offers


def rate_for(from_currency: str, to_currency: str, on: date) -> tce.Rate | None:
    """The latest rate on or before `on`: the direct pair, or else the inverse of the opposite
    pair. None when the currencies are the same (nothing to convert) or no rate is known."""
    if from_currency == to_currency:
        return None
    direct = (
        ExchangeRate.objects.filter(base_currency=from_currency, quote_currency=to_currency, on__lte=on)
        .order_by("-on")
        .first()
    )
    if direct:
        return tce.Rate(from_currency, to_currency, direct.rate, direct.on, direct.source)
    opposite = (
        ExchangeRate.objects.filter(base_currency=to_currency, quote_currency=from_currency, on__lte=on)
        .order_by("-on")
        .first()
    )
    if opposite:
        source = f"inverse of 1 {to_currency} = {tce.plain(opposite.rate)} {from_currency}"
        if opposite.source:
            source += f" ({opposite.source})"
        inverse = (Decimal(1) / opposite.rate).quantize(INVERSE_PLACES)
        return tce.Rate(from_currency, to_currency, inverse, opposite.on, source)
    return None


def _missing_rate(from_currency: str, to_currency: str, on: date) -> str:
    return (
        f"No exchange rate from {from_currency} to {to_currency} on or before {on.isoformat()}: "
        f"add one on the exchange rates page."
    )


def tier_compute_gpus(tier: str) -> tuple[Decimal, dict[int, Decimal]]:
    """The tier's compute GPUs in all, and per vendor, from its workloads' dependencies."""
    rows = (
        Dependency.objects.filter(workload__tier=tier, layer__code=COMPUTE_LAYER)
        .values("vendor_id")
        .annotate(gpus=Sum("amount"))
        .order_by()
    )
    per_vendor = {row["vendor_id"]: row["gpus"] for row in rows}
    return sum(per_vendor.values(), Decimal(0)), per_vendor


def _line_input(line: OfferLine) -> tce.LineInput:
    utilisation = line.expected_utilisation_percent
    return tce.LineInput(
        band=line.band,
        quantity=line.quantity,
        effective_unit_price=line.effective_unit_price,
        expected_utilisation_percent=Decimal(100) if utilisation is None else utilisation,
        accelerator_class=line.accelerator_class,
        region=line.region,
    )


def offer_input(offer: Offer, *, rate: tce.Rate | None, tier_gpus_on_vendor: Decimal) -> tce.OfferInput:
    return tce.OfferInput(
        id=offer.pk,
        name=offer.name,
        vendor=offer.vendor.name,
        billing_currency=offer.billing_currency,
        lines=tuple(_line_input(line) for line in offer.lines.all()),
        storage_rate_per_gb_month=offer.storage_rate_per_gb_month,
        egress_rate_per_gb=offer.egress_rate_per_gb,
        exit_egress_rate_per_gb=offer.exit_egress_rate_per_gb,
        queue_wait_hours=offer.queue_wait_hours,
        switching_engineer_days=offer.switching_engineer_days,
        engineer_day_rate=offer.engineer_day_rate,
        parallel_run_weeks=offer.parallel_run_weeks,
        loss_probability_percent=offer.loss_probability,
        tier_gpus_on_vendor=tier_gpus_on_vendor,
        rate=rate,
    )


def compare(request: Request, offers: Iterable[Offer]) -> Outcome:
    """The TCE of each offer (in the order given) for the request, or every reason it cannot be
    computed. Reads only; pass offers from `offers_with_lines` to keep the queries few."""
    offers = list(offers)
    refusals = []
    if request.tier not in WorkloadTier.values:
        refusals.append(f"Unknown workload tier “{request.tier}”.")
    if request.workload is not None and request.workload.tier != request.tier:
        refusals.append(f"The workload “{request.workload}” is not of the tier compared.")
    delay = CostOfDelay.objects.filter(tier=request.tier).first()
    delay_rate = None
    if delay is None:
        label = WorkloadTier(request.tier).label if request.tier in WorkloadTier.values else request.tier
        refusals.append(f"No cost of delay is set for the {label} tier: set it on the cost of delay page.")
    else:
        delay_rate = rate_for(delay.currency, request.reporting_currency, request.as_of)
        if delay_rate is None and delay.currency != request.reporting_currency:
            refusals.append(_missing_rate(delay.currency, request.reporting_currency, request.as_of))
    tier_gpus, per_vendor = tier_compute_gpus(request.tier)
    # One lookup per billing currency, not per offer: the queries stay as few as the currencies.
    rates = {
        currency: rate_for(currency, request.reporting_currency, request.as_of)
        for currency in {offer.billing_currency for offer in offers}
    }
    inputs_of_offers = []
    for offer in offers:
        rate = rates[offer.billing_currency]
        if rate is None and offer.billing_currency != request.reporting_currency:
            refusals.append(
                f"Offer “{offer.name}”: "
                + _missing_rate(offer.billing_currency, request.reporting_currency, request.as_of)
            )
        inputs_of_offers.append(
            offer_input(offer, rate=rate, tier_gpus_on_vendor=per_vendor.get(offer.vendor_id, Decimal(0)))
        )
    if refusals:
        return Outcome(refusals=list(dict.fromkeys(refusals)))
    inputs = tce.Inputs(
        name=request.name,
        tier=request.tier,
        tier_label=WorkloadTier(request.tier).label,
        workload_id=request.workload.pk if request.workload else None,
        workload_name=request.workload.name if request.workload else "",
        gpu_hours_per_month=request.gpu_hours_per_month,
        horizon_months=request.horizon_months,
        reporting_currency=request.reporting_currency,
        as_of=request.as_of,
        cost_of_delay_per_day=delay.per_day,
        cost_of_delay_currency=delay.currency,
        cost_of_delay_rate=delay_rate,
        storage_gb=request.storage_gb,
        egress_gb_per_month=request.egress_gb_per_month,
        exit_data_gb=request.exit_data_gb,
        rehome_days=request.rehome_days,
        tier_gpus=tier_gpus,
    )
    try:
        return Outcome(result=tce.compute(inputs, inputs_of_offers))
    except tce.TCEInputError as exc:
        return Outcome(refusals=[str(exc)])
