"""Every write of the total cost of execution: offers with their lines, exchange rates, the cost
of delay per tier, and saved comparisons.

Each public service is the outermost transaction (durable), validates with `full_clean`, and
writes exactly one audit event in the same transaction: an offer's lines are part of the offer's
event, so a change of lines and prices is one reviewable step.
"""

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from procurement import audit
from resilience.models import Workload
from vendors.models import CapacityBand, Contract, Vendor

from . import comparing, tce
from .models import Comparison, CostOfDelay, ExchangeRate, Offer, OfferLine

OFFER_FIELDS = [
    "vendor",
    "name",
    "contract",
    "billing_currency",
    "valid_until",
    "storage_rate_per_gb_month",
    "egress_rate_per_gb",
    "exit_egress_rate_per_gb",
    "queue_wait_hours",
    "switching_engineer_days",
    "engineer_day_rate",
    "parallel_run_weeks",
    "loss_probability",
    "notes",
]
LINE_FIELDS = [
    "band",
    "accelerator_class",
    "region",
    "quantity",
    "list_unit_price",
    "contracted_unit_price",
    "effective_unit_price",
    "commitment_term_months",
    "expected_utilisation_percent",
]
RATE_FIELDS = ["base_currency", "quote_currency", "rate", "on", "source"]
DELAY_FIELDS = ["tier", "per_day", "currency", "note"]
COMPARISON_FIELDS = [
    "name",
    "tier",
    "workload",
    "gpu_hours_per_month",
    "storage_gb",
    "egress_gb_per_month",
    "exit_data_gb",
    "horizon_months",
    "rehome_days",
    "reporting_currency",
    "as_of",
    "sha256",
]
DUPLICATE_RATE = {"on": "This pair already has a rate on this day: delete it first to replace it."}
MAX_LINES = 50


class OfferInUse(ValidationError):
    """An offer that a saved comparison compared cannot be deleted: the comparison names it."""


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _reject_unknown(changes: dict, allowed: Iterable[str], label: str) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown {label} fields: {sorted(unknown)}")


def _save(obj, unique_message: dict | None = None) -> None:
    obj.full_clean(validate_constraints=False)
    try:
        # A savepoint: a concurrent insert of the same row must not poison the outer transaction.
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ValidationError(
            unique_message or "This conflicts with a change saved meanwhile: try again."
        ) from exc


def _record_delete(*, actor, action: str, obj, before: dict) -> None:
    label, pk = str(obj), obj.pk
    obj.delete()
    audit.record(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=pk,
        object_label=label,
        before=before,
    )


# Offers -----------------------------------------------------------------------------------


def _offer_snapshot(offer: Offer) -> dict:
    values = audit.snapshot(offer, OFFER_FIELDS)
    values["vendor"] = f"{offer.vendor.name} (#{offer.vendor_id})"
    values["lines"] = [audit.snapshot(line, LINE_FIELDS) for line in offer.lines.order_by("pk")]
    return values


def _replace_lines(offer: Offer, lines: list[dict]) -> None:
    """The offer's lines become exactly `lines`. Validates every line before writing any, and
    reports errors by line number so a formset (or the API) can show them in place."""
    if not lines:
        raise ValidationError("An offer needs at least one capacity line.")
    if len(lines) > MAX_LINES:
        raise ValidationError(f"An offer has at most {MAX_LINES} capacity lines.")
    built, errors = [], []
    for number, values in enumerate(lines, start=1):
        _reject_unknown(values, LINE_FIELDS, "offer line")
        line = OfferLine(offer=offer, **values)
        try:
            line.full_clean(exclude=["offer"])
        except ValidationError as exc:
            errors.extend(f"Line {number}: {message}" for message in exc.messages)
        built.append(line)
    if errors:
        raise ValidationError(errors)
    offer.lines.all().delete()
    OfferLine.objects.bulk_create(built)


@transaction.atomic(durable=True)
def offer_create(*, actor, vendor: Vendor, lines: list[dict], **fields) -> Offer:
    """Record a vendor's priced offer with its capacity lines. Raises ValidationError."""
    _reject_unknown(fields, set(OFFER_FIELDS) - {"vendor"}, "offer")
    offer = Offer(vendor=vendor, created_by=_user(actor), **fields)
    _save(offer)
    _replace_lines(offer, lines)
    audit.record(actor=actor, action="costs.offer.create", obj=offer, after=_offer_snapshot(offer))
    return offer


@transaction.atomic(durable=True)
def offer_update(*, actor, offer: Offer, lines: list[dict] | None = None, **changes) -> Offer:
    """Change an offer's terms and, when `lines` is given, replace its lines. Saved comparisons
    keep the figures they froze; only new comparisons see the change."""
    _reject_unknown(changes, set(OFFER_FIELDS) - {"vendor"}, "offer")
    offer = Offer.objects.select_for_update().select_related("vendor").get(pk=offer.pk)
    before = _offer_snapshot(offer)
    for name, value in changes.items():
        setattr(offer, name, value)
    _save(offer)
    if lines is not None:
        _replace_lines(offer, lines)
    # As stored (2.5 is kept as 2.500000): an unchanged resubmission must not read as a change.
    offer.refresh_from_db()
    after = _offer_snapshot(offer)
    if after != before:
        audit.record(actor=actor, action="costs.offer.update", obj=offer, before=before, after=after)
    return offer


@transaction.atomic(durable=True)
def offer_delete(*, actor, offer: Offer) -> None:
    offer = Offer.objects.select_for_update().select_related("vendor").get(pk=offer.pk)
    used_by = list(offer.comparisons.values_list("name", flat=True)[:3])
    if used_by:
        raise OfferInUse(
            f"“{offer.name}” is compared in saved comparisons ({', '.join(used_by)}): it stays so that "
            "they keep naming it. Record a new offer instead of changing history."
        )
    _record_delete(actor=actor, action="costs.offer.delete", obj=offer, before=_offer_snapshot(offer))


def _contract_months(contract: Contract) -> int:
    months = (contract.end_date.year - contract.start_date.year) * 12 + (
        contract.end_date.month - contract.start_date.month
    )
    return min(max(months, 1), tce.MAX_HORIZON_MONTHS)


@transaction.atomic(durable=True)
def offer_from_contract(*, actor, contract: Contract, name: str = "") -> Offer:
    """An offer pricing an existing contract's capacity lines, to compare staying with moving.

    Committed lines are priced at the contract's committed spend spread over its committed
    GPU-hours for its term (the effective price the buyer already pays); a contract does not say
    what burst and emergency cost, so those lines start at 0 and the notes ask for their prices.
    """
    contract = Contract.objects.select_related("vendor").get(pk=contract.pk)
    # Committed, burst, emergency: the order a buyer reads an offer in.
    capacity = sorted(contract.capacity_lines.order_by("pk"), key=lambda line: tce.BANDS.index(line.band))
    if not capacity:
        raise ValidationError(f"Contract {contract.reference} has no capacity lines to price.")
    term = _contract_months(contract)
    committed_hours = sum(
        line.count * tce.HOURS_PER_MONTH * term for line in capacity if line.band == CapacityBand.COMMITTED
    )
    committed_price = Decimal(0)
    if committed_hours and contract.committed_spend:
        committed_price = (contract.committed_spend / committed_hours).quantize(
            Decimal("0.000001"), rounding=ROUND_HALF_EVEN
        )
    lines = []
    for line in capacity:
        committed = line.band == CapacityBand.COMMITTED
        price = committed_price if committed else Decimal(0)
        lines.append(
            {
                "band": line.band,
                "accelerator_class": line.accelerator_model,
                "region": line.region,
                "quantity": line.count,
                "contracted_unit_price": price,
                "effective_unit_price": price,
                "commitment_term_months": term if committed else None,
                "expected_utilisation_percent": Decimal(100) if committed else None,
            }
        )
    offer = Offer(
        vendor=contract.vendor,
        contract=contract,
        name=(name or f"{contract.reference}: current contract")[:200],
        billing_currency=contract.currency,
        notes=(
            f"From contract {contract.reference}: committed lines priced at its committed spend over "
            f"{term} months. Check the expected utilisation, and enter burst and emergency prices "
            "(not in the contract) before comparing."
        ),
        created_by=_user(actor),
    )
    _save(offer)
    _replace_lines(offer, lines)
    audit.record(actor=actor, action="costs.offer.from_contract", obj=offer, after=_offer_snapshot(offer))
    return offer


# Exchange rates ---------------------------------------------------------------------------


@transaction.atomic(durable=True)
def exchange_rate_create(
    *, actor, base_currency: str, quote_currency: str, rate: Decimal, on: date, source: str = ""
) -> ExchangeRate:
    """Record that 1 base = rate quote on a day. Raises ValidationError."""
    record = ExchangeRate(
        base_currency=base_currency,
        quote_currency=quote_currency,
        rate=rate,
        on=on,
        source=source.strip(),
        created_by=_user(actor),
    )
    if ExchangeRate.objects.filter(
        base_currency=base_currency, quote_currency=quote_currency, on=on
    ).exists():
        raise ValidationError(DUPLICATE_RATE)
    _save(record, DUPLICATE_RATE)
    audit.record(
        actor=actor,
        action="costs.exchange_rate.create",
        obj=record,
        after=audit.snapshot(record, RATE_FIELDS),
    )
    return record


@transaction.atomic(durable=True)
def exchange_rate_delete(*, actor, rate: ExchangeRate) -> None:
    """Remove a mistyped rate. Saved comparisons keep the rate they used in their snapshot."""
    record = ExchangeRate.objects.select_for_update().get(pk=rate.pk)
    _record_delete(
        actor=actor,
        action="costs.exchange_rate.delete",
        obj=record,
        before=audit.snapshot(record, RATE_FIELDS),
    )


# Cost of delay ----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def cost_of_delay_set(*, actor, tier: str, per_day: Decimal, currency: str, note: str = "") -> CostOfDelay:
    """Set what a day without usable capacity costs a tier (creating or replacing its figure)."""
    existing = CostOfDelay.objects.select_for_update().filter(tier=tier).first()
    record = existing or CostOfDelay(tier=tier)
    before = audit.snapshot(record, DELAY_FIELDS) if existing else None
    record.per_day, record.currency, record.note = per_day, currency, note
    record.updated_by = _user(actor)
    _save(record, {"tier": "This tier's cost of delay was set meanwhile: reload and try again."})
    record.refresh_from_db()  # as stored, so that setting the same figure again is no change
    after = audit.snapshot(record, DELAY_FIELDS)
    if after != before:
        audit.record(actor=actor, action="costs.cost_of_delay.set", obj=record, before=before, after=after)
    return record


# Comparisons ------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def comparison_save(
    *,
    actor,
    name: str,
    tier: str,
    offers: Iterable[Offer],
    gpu_hours_per_month: Decimal,
    horizon_months: int,
    reporting_currency: str,
    as_of: date,
    workload: Workload | None = None,
    storage_gb: Decimal = Decimal(0),
    egress_gb_per_month: Decimal = Decimal(0),
    exit_data_gb: Decimal = Decimal(0),
    rehome_days: int = 30,
) -> Comparison:
    """Compute the offers' TCE now and freeze it: the snapshot and its SHA-256 are what an
    evaluation attaches and signers sign. Raises ValidationError with every refusal."""
    comparison = Comparison(
        name=name.strip(),
        tier=tier,
        workload=workload,
        gpu_hours_per_month=gpu_hours_per_month,
        storage_gb=storage_gb,
        egress_gb_per_month=egress_gb_per_month,
        exit_data_gb=exit_data_gb,
        horizon_months=horizon_months,
        rehome_days=rehome_days,
        reporting_currency=reporting_currency,
        as_of=as_of,
        snapshot={},
        sha256="0" * 64,
        created_by=_user(actor),
    )
    # The inputs first: a bad figure gets its field's message before any offer is read.
    comparison.full_clean(exclude=["snapshot", "sha256"], validate_constraints=False)
    ids = list(dict.fromkeys(offer.pk for offer in offers))
    if not ids:
        raise ValidationError({"offers": "Choose at least one offer to compare."})
    by_id = {offer.pk: offer for offer in comparing.offers_with_lines(ids)}
    if len(by_id) != len(ids):
        raise ValidationError({"offers": "An offer chosen was deleted meanwhile: choose the offers again."})
    request = comparing.Request(
        tier=tier,
        gpu_hours_per_month=gpu_hours_per_month,
        horizon_months=horizon_months,
        reporting_currency=reporting_currency,
        as_of=as_of,
        name=comparison.name,
        workload=workload,
        storage_gb=storage_gb,
        egress_gb_per_month=egress_gb_per_month,
        exit_data_gb=exit_data_gb,
        rehome_days=rehome_days,
    )
    outcome = comparing.compare(request, [by_id[pk] for pk in ids])
    if not outcome.ok:
        raise ValidationError(outcome.refusals)
    comparison.snapshot = outcome.result.as_snapshot()
    comparison.sha256 = tce.snapshot_sha256(comparison.snapshot)
    _save(comparison)
    comparison.offers.set(list(by_id.values()))
    after = audit.snapshot(comparison, COMPARISON_FIELDS)
    after["offers"] = [f"{by_id[pk].name} (#{pk})" for pk in ids]
    audit.record(actor=actor, action="costs.comparison.save", obj=comparison, after=after)
    return comparison


# CSV import: all offers or none -----------------------------------------------------------


@transaction.atomic(durable=True)
def offers_import(*, actor, offers: list[dict]) -> list[Offer]:
    """Create or update every offer of a validated import (`offer` set: update it, its lines
    replaced), one audit event each as on the screens; any refusal writes nothing."""
    saved = []
    for values in offers:
        values = dict(values)
        existing = values.pop("offer", None)
        # The bodies of offer_create / offer_update, inside this one transaction: their durable
        # wrapper only refuses to be nested, and an import must not be half written.
        if existing is None:
            saved.append(offer_create.__wrapped__(actor=actor, **values))
        else:
            values.pop("vendor")  # an offer stays with its vendor: the import matched it by vendor
            saved.append(offer_update.__wrapped__(actor=actor, offer=existing, **values))
    return saved
