"""JSON API of the total cost of execution: offers with their lines, exchange rates and saved
comparisons (their frozen snapshot and its SHA-256).

Each write does what the page does: the same policy, then the same service, whose `full_clean`
refuses what the page's form would (a 422 with the field's message); nothing is half written.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Prefetch
from ninja import Field, Path, Query, Router, Schema, Status

from procurement import policies
from procurement.api_support import (
    ERROR_RESPONSES,
    WRITE_RESPONSES,
    ApiError,
    InputSchema,
    IsoDate,
    Page,
    PageQuery,
    invalid,
    paginate,
    require_read,
    require_write,
)
from resilience.models import Workload
from vendors.api.fields import Band, BodyId, Id, Tier, VendorRef
from vendors.models import Contract, Vendor

from . import selectors, services
from .models import Offer, OfferLine

router = Router(tags=["Total cost of execution"])

OFFER_REFUSAL = "Recording offers needs the procurement role."
RATE_REFUSAL = "Recording exchange rates needs the procurement role."
COMPARISON_REFUSAL = "Saving comparisons needs the procurement role."

# Bounds past any real figure keep absurd numbers out of the Decimal arithmetic; the models'
# validators give the precise limits and their messages.
Amount = Annotated[Decimal, Field(ge=-(10**15), le=10**15, max_digits=24, decimal_places=6)]
Currency = Annotated[str, Field(min_length=1, max_length=10)]
Text = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=20_000)]


def _offers(request):
    return selectors.offers_for(request.user).prefetch_related(
        Prefetch("lines", queryset=OfferLine.objects.order_by("pk"))
    )


def _found(queryset, pk: int, field: str, what: str):
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise invalid({field: [f"No {what} with the id {pk}."]})
    return found


def _missing(what: str):
    raise ApiError(404, "not_found", f"No such {what}, or not visible to you.")


# Offers -----------------------------------------------------------------------------------


class LineOut(Schema):
    id: int
    band: Band
    accelerator_class: str
    region: str
    quantity: int = Field(..., description="GPUs (FOCUS CommitmentDiscountQuantity on a committed line).")
    list_unit_price: Decimal | None = Field(None, description="FOCUS ListUnitPrice, per GPU-hour.")
    contracted_unit_price: Decimal = Field(..., description="FOCUS ContractedUnitPrice, per GPU-hour.")
    effective_unit_price: Decimal
    commitment_term_months: int | None
    expected_utilisation_percent: Decimal | None


class OfferOut(Schema):
    id: int
    vendor: VendorRef
    name: str
    contract: str | None = Field(None, description="The reference of the contract it prices, if any.")
    billing_currency: str = Field(..., description="FOCUS BillingCurrency.")
    valid_until: date | None
    storage_rate_per_gb_month: Decimal
    egress_rate_per_gb: Decimal
    exit_egress_rate_per_gb: Decimal
    queue_wait_hours: Decimal
    switching_engineer_days: Decimal
    engineer_day_rate: Decimal
    parallel_run_weeks: Decimal
    loss_probability: Decimal
    notes: str
    lines: list[LineOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_vendor(obj):
        return {"id": obj.vendor_id, "name": obj.vendor.name}

    @staticmethod
    def resolve_contract(obj):
        return obj.contract.reference if obj.contract_id else None

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class LineIn(InputSchema):
    band: Band
    accelerator_class: Text
    region: Text | None = None
    quantity: int = Field(..., ge=-(2**31), le=2**31)
    list_unit_price: Amount | None = None
    contracted_unit_price: Amount
    effective_unit_price: Amount
    commitment_term_months: int | None = Field(None, ge=-(2**15), le=2**15)
    expected_utilisation_percent: Amount | None = None

    def service_data(self) -> dict:
        data = self.model_dump()
        data["region"] = data["region"] or ""
        return data


class OfferFields(InputSchema):
    name: Text | None = None
    contract: BodyId | None = None
    billing_currency: Currency | None = None
    valid_until: IsoDate | None = None
    storage_rate_per_gb_month: Amount | None = None
    egress_rate_per_gb: Amount | None = None
    exit_egress_rate_per_gb: Amount | None = None
    queue_wait_hours: Amount | None = None
    switching_engineer_days: Amount | None = None
    engineer_day_rate: Amount | None = None
    parallel_run_weeks: Amount | None = None
    loss_probability: Amount | None = None
    notes: LongText | None = None
    lines: list[LineIn] | None = Field(None, max_length=services.MAX_LINES + 1)


class OfferIn(OfferFields):
    vendor: BodyId
    name: Text
    billing_currency: Currency
    lines: list[LineIn] = Field(..., max_length=services.MAX_LINES + 1)


class OfferQuery(PageQuery):
    vendor: Id | None = None


def _offer_changes(payload: OfferFields, fields: dict, vendor_id: int) -> tuple[dict, list | None]:
    """The service's keyword arguments from what the client sent (`fields`)."""
    lines = fields.pop("lines", None)
    if "contract" in fields and fields["contract"] is not None:
        fields["contract"] = _found(
            Contract.objects.filter(vendor_id=vendor_id),
            fields["contract"],
            "contract",
            "contract of this vendor",
        )
    if "notes" in fields and fields["notes"] is None:
        fields["notes"] = ""
    if lines is not None:
        lines = [line.service_data() for line in payload.lines]
    return fields, lines


@router.get("/costs/offers", response={200: Page[OfferOut], **ERROR_RESPONSES})
def costs_offer_list(request, query: Query[OfferQuery]):
    require_read(request)
    offers = _offers(request)
    if query.vendor is not None:
        offers = offers.filter(vendor_id=query.vendor)
    return paginate(request, offers.order_by("vendor__name", "name", "pk"), query)


@router.get("/costs/offers/{offer_id}", response={200: OfferOut, **ERROR_RESPONSES})
def costs_offer_detail(request, offer_id: Path[Id]):
    require_read(request)
    return _offers(request).filter(pk=offer_id).first() or _missing("offer")


@router.post("/costs/offers", response={201: OfferOut, **WRITE_RESPONSES})
def costs_offer_create(request, payload: OfferIn):
    require_write(request, policies.can_edit_offers(request.user), OFFER_REFUSAL)
    vendor = _found(Vendor.objects.all(), payload.vendor, "vendor", "vendor")
    fields = payload.model_dump(exclude_none=True, exclude={"vendor"})
    fields, lines = _offer_changes(payload, fields, vendor.pk)
    offer = services.offer_create(actor=request.user, vendor=vendor, lines=lines, **fields)
    return Status(201, _offers(request).get(pk=offer.pk))


@router.patch("/costs/offers/{offer_id}", response={200: OfferOut, **WRITE_RESPONSES})
def costs_offer_update(request, offer_id: Path[Id], payload: OfferFields):
    require_read(request)
    offer = _offers(request).filter(pk=offer_id).first() or _missing("offer")
    require_write(request, policies.can_edit_offers(request.user), OFFER_REFUSAL)
    fields, lines = _offer_changes(payload, payload.model_dump(exclude_unset=True), offer.vendor_id)
    services.offer_update(actor=request.user, offer=offer, lines=lines, **fields)
    return _offers(request).get(pk=offer.pk)


@router.delete("/costs/offers/{offer_id}", response={204: None, **WRITE_RESPONSES})
def costs_offer_delete(request, offer_id: Path[Id]):
    require_read(request)
    offer = selectors.offers_for(request.user).filter(pk=offer_id).first() or _missing("offer")
    require_write(request, policies.can_edit_offers(request.user), OFFER_REFUSAL)
    try:
        services.offer_delete(actor=request.user, offer=offer)
    except services.OfferInUse as exc:
        raise ApiError(409, "conflict", " ".join(exc.messages)) from exc
    return Status(204, None)


# Exchange rates ---------------------------------------------------------------------------


class RateOut(Schema):
    id: int
    base_currency: str
    quote_currency: str
    rate: Decimal
    on: date
    source: str


class RateQuery(PageQuery):
    base_currency: Currency | None = None
    quote_currency: Currency | None = None


class RateIn(InputSchema):
    base_currency: Currency
    quote_currency: Currency
    rate: Amount
    on: IsoDate
    source: Text | None = None


@router.get("/costs/exchange-rates", response={200: Page[RateOut], **ERROR_RESPONSES})
def costs_exchange_rate_list(request, query: Query[RateQuery]):
    require_read(request)
    rates = selectors.exchange_rates_for(request.user)
    if query.base_currency:
        rates = rates.filter(base_currency=query.base_currency.upper())
    if query.quote_currency:
        rates = rates.filter(quote_currency=query.quote_currency.upper())
    return paginate(request, rates.order_by("base_currency", "quote_currency", "-on", "pk"), query)


@router.post("/costs/exchange-rates", response={201: RateOut, **WRITE_RESPONSES})
def costs_exchange_rate_create(request, payload: RateIn):
    require_write(request, policies.can_edit_exchange_rates(request.user), RATE_REFUSAL)
    rate = services.exchange_rate_create(
        actor=request.user,
        base_currency=payload.base_currency,
        quote_currency=payload.quote_currency,
        rate=payload.rate,
        on=payload.on,
        source=payload.source or "",
    )
    return Status(201, rate)


# Saved comparisons ------------------------------------------------------------------------


class ComparisonOut(Schema):
    id: int
    name: str
    tier: Tier
    workload: int | None
    reporting_currency: str
    as_of: date
    horizon_months: int
    offers: list[int]
    sha256: str = Field(..., description="SHA-256 of the snapshot's canonical JSON: what signers sign.")
    created_at: datetime

    @staticmethod
    def resolve_workload(obj):
        return obj.workload_id

    @staticmethod
    def resolve_offers(obj):
        return sorted(offer.pk for offer in obj.offers.all())


class ComparisonDetailOut(ComparisonOut):
    snapshot: dict[str, Any] = Field(..., description="The figures as computed when saved (version 1).")


class ComparisonQuery(PageQuery):
    tier: Tier | None = None


class ComparisonIn(InputSchema):
    name: Text
    tier: Tier
    offers: list[BodyId] = Field(..., min_length=1, max_length=50)
    gpu_hours_per_month: Amount
    horizon_months: int = Field(..., ge=-(2**15), le=2**15)
    reporting_currency: Currency
    as_of: IsoDate
    workload: BodyId | None = None
    storage_gb: Amount = Decimal(0)
    egress_gb_per_month: Amount = Decimal(0)
    exit_data_gb: Amount = Decimal(0)
    rehome_days: int = Field(30, ge=0, le=2**15)


def _comparisons(request):
    return selectors.comparisons_for(request.user).prefetch_related("offers")


@router.get("/costs/comparisons", response={200: Page[ComparisonOut], **ERROR_RESPONSES})
def costs_comparison_list(request, query: Query[ComparisonQuery]):
    require_read(request)
    comparisons = _comparisons(request).defer("snapshot")
    if query.tier:
        comparisons = comparisons.filter(tier=query.tier)
    return paginate(request, comparisons.order_by("-created_at", "-pk"), query)


@router.get("/costs/comparisons/{comparison_id}", response={200: ComparisonDetailOut, **ERROR_RESPONSES})
def costs_comparison_detail(request, comparison_id: Path[Id]):
    require_read(request)
    return _comparisons(request).filter(pk=comparison_id).first() or _missing("comparison")


@router.post("/costs/comparisons", response={201: ComparisonDetailOut, **WRITE_RESPONSES})
def costs_comparison_create(request, payload: ComparisonIn):
    require_write(request, policies.can_save_comparisons(request.user), COMPARISON_REFUSAL)
    offers = list(Offer.objects.filter(pk__in=payload.offers))
    unknown = sorted(set(payload.offers) - {offer.pk for offer in offers})
    if unknown:
        raise invalid({"offers": [f"No offer with the id {', '.join(map(str, unknown))}."]})
    by_id = {offer.pk: offer for offer in offers}
    workload = None
    if payload.workload is not None:
        workload = _found(Workload.objects.all(), payload.workload, "workload", "workload")
    fields = payload.model_dump(exclude={"offers", "workload"})
    comparison = services.comparison_save(
        actor=request.user,
        offers=[by_id[pk] for pk in dict.fromkeys(payload.offers)],
        workload=workload,
        **fields,
    )
    return Status(201, _comparisons(request).get(pk=comparison.pk))
