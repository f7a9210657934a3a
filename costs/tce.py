"""The total cost of execution (TCE) of offers for one workload: pure arithmetic.

Dataclasses in, a `Result` out; `Decimal` only, no ORM, no settings, so the figures can be checked
by hand and by property tests. `costs.comparing` and `costs.services` read the database, build the
inputs and store `Result.as_snapshot()`; nothing else computes a cost.

The rules (see also /README.md, "Total cost of execution"):
- One month is 730 hours. Demand is D GPU-hours a month over a horizon of H months.
- A committed line is paid in full (quantity x 730 x effective price) but only `utilisation` of its
  hours can really be used. Demand is served from committed lines cheapest first, each up to its
  usable hours; what is paid and not used is the *unused commitment*.
- Remaining demand goes to burst lines (cheapest first, up to quantity x 730 each), then to
  emergency lines. What is left after every line is the shortfall: such an offer does not cover
  the demand and is never the cheapest by TCE.
- Storage and egress are monthly; exit egress, queue wait, switching and concentration risk are
  one-off over the horizon.
- Every component is converted to the reporting currency, then rounded to the cent (half even);
  the TCE is the sum of the rounded component totals, so a table of them adds up exactly.
"""

import decimal
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

HOURS_PER_MONTH = Decimal(730)
WEEKS_PER_MONTH = Decimal(12) / Decimal(52)  # x 12 / 52: a month's run-rate per week
HOURS_PER_DAY = Decimal(24)
MAX_HORIZON_MONTHS = 120
# Beyond these the input is a typing mistake, not a plan (a billion GPU-hours a month is about
# 1.4 million GPUs day and night; a zettabyte of storage does not exist in one workload).
MAX_GPU_HOURS_PER_MONTH = Decimal(1_000_000_000)
MAX_GB = Decimal(1_000_000_000_000)
MAX_GPUS_PER_LINE = 1_000_000
SNAPSHOT_VERSION = 1

CENT = Decimal("0.01")
UNIT_PRICE_PLACES = Decimal("0.0001")

COMMITTED, BURST, EMERGENCY = "committed", "burst", "emergency"
BANDS = (COMMITTED, BURST, EMERGENCY)


@dataclass(frozen=True)
class Component:
    code: str
    label: str
    one_off: bool


COMPONENTS = (
    Component("committed_compute", "Committed compute", False),
    Component("unused_commitment", "Unused commitment", False),
    Component("burst_compute", "Burst and emergency compute", False),
    Component("storage", "Storage", False),
    Component("egress", "Egress", False),
    Component("exit_egress", "Exit egress", True),
    Component("queue_wait", "Queue wait", True),
    Component("switching", "Switching", True),
    Component("risk", "Concentration risk", True),
)
COMPONENT_CODES = tuple(c.code for c in COMPONENTS)
MONTHLY_CODES = tuple(c.code for c in COMPONENTS if not c.one_off)


class TCEInputError(ValueError):
    """Inputs the arithmetic refuses; the message says which and why, for the page."""


@dataclass(frozen=True)
class Rate:
    """1 `from_currency` = `rate` `to_currency`, as published `on` by `source`."""

    from_currency: str
    to_currency: str
    rate: Decimal
    on: date | None = None
    source: str = ""

    def as_snapshot(self) -> dict:
        return {
            "from": self.from_currency,
            "to": self.to_currency,
            "rate": plain(self.rate),
            "on": self.on.isoformat() if self.on else None,
            "source": self.source,
        }


@dataclass(frozen=True)
class LineInput:
    """One capacity line of an offer (FOCUS: PricingUnit is the GPU-hour)."""

    band: str
    quantity: int  # GPUs; FOCUS CommitmentDiscountQuantity for committed lines
    effective_unit_price: Decimal  # per GPU-hour actually paid, in the offer's billing currency
    expected_utilisation_percent: Decimal = Decimal(100)  # committed lines only
    accelerator_class: str = ""
    region: str = ""


@dataclass(frozen=True)
class OfferInput:
    """An offer, every price in its billing currency; `rate` converts that to the reporting
    currency (None when they are the same)."""

    id: int
    name: str
    vendor: str
    billing_currency: str
    lines: tuple[LineInput, ...]
    storage_rate_per_gb_month: Decimal = Decimal(0)
    egress_rate_per_gb: Decimal = Decimal(0)
    exit_egress_rate_per_gb: Decimal = Decimal(0)
    queue_wait_hours: Decimal = Decimal(0)
    switching_engineer_days: Decimal = Decimal(0)
    engineer_day_rate: Decimal = Decimal(0)
    parallel_run_weeks: Decimal = Decimal(0)
    loss_probability_percent: Decimal = Decimal(5)
    # Compute GPUs of the tier's workloads already on this offer's vendor (resilience dependencies).
    tier_gpus_on_vendor: Decimal = Decimal(0)
    rate: Rate | None = None


@dataclass(frozen=True)
class Inputs:
    """The workload the offers are compared for. The cost of delay is per day of the tier, in its
    own currency, converted by `cost_of_delay_rate` (None when it is the reporting currency)."""

    gpu_hours_per_month: Decimal
    horizon_months: int
    reporting_currency: str
    as_of: date
    cost_of_delay_per_day: Decimal
    cost_of_delay_currency: str
    name: str = ""
    tier: str = ""
    tier_label: str = ""
    workload_id: int | None = None
    workload_name: str = ""
    storage_gb: Decimal = Decimal(0)
    egress_gb_per_month: Decimal = Decimal(0)
    exit_data_gb: Decimal = Decimal(0)
    rehome_days: int = 30
    # Compute GPUs of the tier's workloads on every vendor (resilience dependencies).
    tier_gpus: Decimal = Decimal(0)
    cost_of_delay_rate: Rate | None = None


@dataclass(frozen=True)
class Allocation:
    """How many GPU-hours a month one line serves, and what it costs (billing currency)."""

    line: LineInput
    paid_hours: Decimal
    used_hours: Decimal


@dataclass(frozen=True)
class OfferResult:
    offer: OfferInput
    allocations: tuple[Allocation, ...]
    shortfall_gpu_hours_per_month: Decimal
    stranded_share: Decimal
    monthly_billing: dict  # code -> exact Decimal, billing currency, monthly components
    monthly: dict  # code -> Decimal rounded to the cent, reporting currency
    totals: dict  # code -> Decimal rounded to the cent, reporting currency, every component
    tce: Decimal
    tce_per_gpu_hour: Decimal
    unit_price: Decimal  # reporting currency, per GPU-hour, rounded to 0.0001

    @property
    def covers_demand(self) -> bool:
        return self.shortfall_gpu_hours_per_month == 0

    def as_snapshot(self) -> dict:
        return {
            "id": self.offer.id,
            "name": self.offer.name,
            "vendor": self.offer.vendor,
            "billing_currency": self.offer.billing_currency,
            "unit_price": fixed(self.unit_price, UNIT_PRICE_PLACES),
            "covers_demand": self.covers_demand,
            "shortfall_gpu_hours_per_month": plain(self.shortfall_gpu_hours_per_month),
            "monthly": {code: fixed(self.monthly[code]) for code in MONTHLY_CODES},
            "totals": {code: fixed(self.totals[code]) for code in COMPONENT_CODES},
            "tce": fixed(self.tce),
            "tce_per_gpu_hour": fixed(self.tce_per_gpu_hour, UNIT_PRICE_PLACES),
            "rate": self.offer.rate.as_snapshot() if self.offer.rate else None,
        }


@dataclass(frozen=True)
class Result:
    inputs: Inputs
    offers: tuple[OfferResult, ...]
    assumptions: tuple[str, ...] = field(default=())

    @property
    def cheapest_by_unit_price(self) -> OfferResult | None:
        # min() keeps the first of equals: ties go to the offer listed first.
        return min(self.offers, key=lambda o: o.unit_price, default=None)

    @property
    def cheapest_by_tce(self) -> OfferResult | None:
        covering = [o for o in self.offers if o.covers_demand]
        return min(covering, key=lambda o: o.tce, default=None)

    def as_snapshot(self) -> dict:
        """The frozen figures (snapshot version 1): amounts as strings, no floats, so the canonical
        JSON of a stored snapshot read back from any database gives the same SHA-256."""
        inputs = self.inputs
        by_unit, by_tce = self.cheapest_by_unit_price, self.cheapest_by_tce
        workload = (
            {"id": inputs.workload_id, "name": inputs.workload_name}
            if inputs.workload_id is not None
            else None
        )
        return {
            "version": SNAPSHOT_VERSION,
            "name": inputs.name,
            "tier": inputs.tier,
            "tier_label": inputs.tier_label,
            "workload": workload,
            "inputs": {
                "gpu_hours_per_month": plain(inputs.gpu_hours_per_month),
                "storage_gb": plain(inputs.storage_gb),
                "egress_gb_per_month": plain(inputs.egress_gb_per_month),
                "exit_data_gb": plain(inputs.exit_data_gb),
                "horizon_months": inputs.horizon_months,
                "rehome_days": inputs.rehome_days,
            },
            "reporting_currency": inputs.reporting_currency,
            "as_of": inputs.as_of.isoformat(),
            "cost_of_delay": {
                "per_day": fixed(inputs.cost_of_delay_per_day),
                "currency": inputs.cost_of_delay_currency,
                "rate": inputs.cost_of_delay_rate.as_snapshot() if inputs.cost_of_delay_rate else None,
            },
            "components": [{"code": c.code, "label": c.label, "one_off": c.one_off} for c in COMPONENTS],
            "offers": [o.as_snapshot() for o in self.offers],
            "cheapest_by_unit_price": by_unit.offer.id if by_unit else None,
            "cheapest_by_tce": by_tce.offer.id if by_tce else None,
            "assumptions": list(self.assumptions),
        }


# Formatting -------------------------------------------------------------------------------


def plain(value: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: Decimal("1E+3") -> "1000", "2.50" -> "2.5"."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def fixed(value: Decimal, places: Decimal = CENT) -> str:
    return format(value.quantize(places, rounding=ROUND_HALF_EVEN), "f")


def canonical_json(snapshot: dict) -> str:
    """The text a snapshot's SHA-256 is taken of: sorted keys, compact, UTF-8 as is."""
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def snapshot_sha256(snapshot: dict) -> str:
    return hashlib.sha256(canonical_json(snapshot).encode("utf-8")).hexdigest()


# Validation -------------------------------------------------------------------------------


def _check_range(label: str, value, *, low=Decimal(0), high=None) -> None:
    if value is None:
        raise TCEInputError(f"{label} is missing.")
    if not isinstance(value, (Decimal, int)) or isinstance(value, bool):
        raise TCEInputError(f"{label} must be a Decimal, not {type(value).__name__}.")
    if isinstance(value, Decimal) and not value.is_finite():
        raise TCEInputError(f"{label} must be a number.")
    if value < low:
        raise TCEInputError(f"{label} cannot be below {low} (it is {value}).")
    if high is not None and value > high:
        raise TCEInputError(f"{label} cannot be above {high} (it is {value}).")


def _check_rate(rate: Rate | None, from_currency: str, to_currency: str, what: str) -> None:
    if from_currency == to_currency:
        if rate is not None and rate.rate != 1:
            raise TCEInputError(f"{what}: a rate from {from_currency} to itself must be 1.")
        return
    if rate is None:
        raise TCEInputError(f"{what}: no exchange rate from {from_currency} to {to_currency}.")
    if (rate.from_currency, rate.to_currency) != (from_currency, to_currency):
        raise TCEInputError(
            f"{what}: the rate given converts {rate.from_currency} to {rate.to_currency}, "
            f"not {from_currency} to {to_currency}."
        )
    _check_range(f"{what}: the rate {from_currency}→{to_currency}", rate.rate, low=Decimal("0.000001"))


def validate(inputs: Inputs, offers: tuple[OfferInput, ...] | list[OfferInput]) -> None:
    """Raise TCEInputError on the first input the arithmetic cannot honestly compute with."""
    _check_range(
        "GPU-hours per month", inputs.gpu_hours_per_month, low=Decimal("0.01"), high=MAX_GPU_HOURS_PER_MONTH
    )
    if not isinstance(inputs.horizon_months, int) or not 1 <= inputs.horizon_months <= MAX_HORIZON_MONTHS:
        raise TCEInputError(
            f"The horizon must be 1 to {MAX_HORIZON_MONTHS} months (it is {inputs.horizon_months})."
        )
    for label, value in (
        ("Storage (GB)", inputs.storage_gb),
        ("Egress (GB per month)", inputs.egress_gb_per_month),
        ("Exit data (GB)", inputs.exit_data_gb),
    ):
        _check_range(label, value, high=MAX_GB)
    _check_range("Re-homing days", inputs.rehome_days, high=3650)
    _check_range("The tier's compute GPUs", inputs.tier_gpus)
    _check_range("The cost of delay per day", inputs.cost_of_delay_per_day)
    _check_rate(
        inputs.cost_of_delay_rate, inputs.cost_of_delay_currency, inputs.reporting_currency, "Cost of delay"
    )
    if not offers:
        raise TCEInputError("Choose at least one offer to compare.")
    ids = [o.id for o in offers]
    if len(set(ids)) != len(ids):
        raise TCEInputError("The same offer is listed twice.")
    for offer in offers:
        what = f"Offer “{offer.name}”"
        if not offer.lines:
            raise TCEInputError(f"{what} has no capacity lines: add at least one.")
        for line in offer.lines:
            if line.band not in BANDS:
                raise TCEInputError(f"{what}: unknown capacity band “{line.band}”.")
            if not isinstance(line.quantity, int) or not 1 <= line.quantity <= MAX_GPUS_PER_LINE:
                raise TCEInputError(f"{what}: a line's quantity must be 1 to {MAX_GPUS_PER_LINE:,} GPUs.")
            _check_range(f"{what}: a line's effective price", line.effective_unit_price)
            _check_range(
                f"{what}: a committed line's utilisation (%)",
                line.expected_utilisation_percent,
                high=Decimal(100),
            )
        for label, value, high in (
            ("storage rate", offer.storage_rate_per_gb_month, None),
            ("egress rate", offer.egress_rate_per_gb, None),
            ("exit egress rate", offer.exit_egress_rate_per_gb, None),
            ("queue wait (hours)", offer.queue_wait_hours, None),
            ("switching engineer-days", offer.switching_engineer_days, None),
            ("engineer day rate", offer.engineer_day_rate, None),
            ("parallel run weeks", offer.parallel_run_weeks, None),
            ("loss probability (%)", offer.loss_probability_percent, Decimal(100)),
            ("the tier's GPUs on this vendor", offer.tier_gpus_on_vendor, inputs.tier_gpus),
        ):
            _check_range(f"{what}: {label}", value, high=high)
        _check_rate(offer.rate, offer.billing_currency, inputs.reporting_currency, what)


# Arithmetic -------------------------------------------------------------------------------


def _cheapest_first(lines, band: str) -> list[LineInput]:
    # sorted() is stable: lines at the same price are used in the order the offer lists them.
    return sorted((line for line in lines if line.band == band), key=lambda line: line.effective_unit_price)


def allocate(lines: tuple[LineInput, ...], demand: Decimal) -> tuple[tuple[Allocation, ...], Decimal]:
    """Serve `demand` GPU-hours a month from the lines; returns the allocations and the shortfall."""
    remaining = demand
    allocations = []
    for line in _cheapest_first(lines, COMMITTED):
        paid = line.quantity * HOURS_PER_MONTH
        usable = paid * line.expected_utilisation_percent / 100
        used = min(remaining, usable)
        remaining -= used
        allocations.append(Allocation(line, paid_hours=paid, used_hours=used))
    for band in (BURST, EMERGENCY):
        for line in _cheapest_first(lines, band):
            # Burst and emergency capacity is paid as used: nothing idle to pay for.
            used = min(remaining, line.quantity * HOURS_PER_MONTH)
            remaining -= used
            allocations.append(Allocation(line, paid_hours=used, used_hours=used))
    return tuple(allocations), remaining


def _convert(amount: Decimal, rate: Rate | None) -> Decimal:
    return amount * rate.rate if rate else amount


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


def _offer_gpus(offer: OfferInput) -> int:
    return sum(line.quantity for line in offer.lines)


def stranded_share(inputs: Inputs, offer: OfferInput) -> Decimal:
    """The share of the tier's compute that would be stranded if this vendor were lost, once this
    offer is taken: (GPUs already on the vendor + the offer's) / (all the tier's GPUs + the offer's)."""
    gpus = Decimal(_offer_gpus(offer))
    return (offer.tier_gpus_on_vendor + gpus) / (inputs.tier_gpus + gpus)


def unit_price(offer: OfferInput) -> Decimal:
    """The offer's price per GPU-hour as a buyer would quote it: its cheapest committed line, or,
    without committed lines, its cheapest line; in the reporting currency."""
    committed = [line.effective_unit_price for line in offer.lines if line.band == COMMITTED]
    prices = committed or [line.effective_unit_price for line in offer.lines]
    return _convert(min(prices), offer.rate).quantize(UNIT_PRICE_PLACES, rounding=ROUND_HALF_EVEN)


def _offer_result(inputs: Inputs, offer: OfferInput) -> OfferResult:
    demand, horizon = inputs.gpu_hours_per_month, Decimal(inputs.horizon_months)
    allocations, shortfall = allocate(offer.lines, demand)
    committed_paid = sum(
        (a.paid_hours * a.line.effective_unit_price for a in allocations if a.line.band == COMMITTED),
        Decimal(0),
    )
    committed_used = sum(
        (a.used_hours * a.line.effective_unit_price for a in allocations if a.line.band == COMMITTED),
        Decimal(0),
    )
    burst = sum(
        (a.used_hours * a.line.effective_unit_price for a in allocations if a.line.band != COMMITTED),
        Decimal(0),
    )
    monthly_billing = {
        "committed_compute": committed_used,
        "unused_commitment": committed_paid - committed_used,
        "burst_compute": burst,
        "storage": inputs.storage_gb * offer.storage_rate_per_gb_month,
        "egress": inputs.egress_gb_per_month * offer.egress_rate_per_gb,
    }
    run_rate = committed_paid + burst  # = committed + unused + burst compute
    share = stranded_share(inputs, offer)
    delay_per_day = _convert(inputs.cost_of_delay_per_day, inputs.cost_of_delay_rate)
    one_off_reporting = {
        "exit_egress": _convert(inputs.exit_data_gb * offer.exit_egress_rate_per_gb, offer.rate),
        "queue_wait": offer.queue_wait_hours / HOURS_PER_DAY * delay_per_day,
        "switching": _convert(
            offer.switching_engineer_days * offer.engineer_day_rate
            + offer.parallel_run_weeks * run_rate * WEEKS_PER_MONTH,
            offer.rate,
        ),
        "risk": offer.loss_probability_percent / 100 * inputs.rehome_days * delay_per_day * share,
    }
    monthly = {code: _cents(_convert(value, offer.rate)) for code, value in monthly_billing.items()}
    totals = {code: _cents(_convert(value * horizon, offer.rate)) for code, value in monthly_billing.items()}
    totals.update({code: _cents(value) for code, value in one_off_reporting.items()})
    totals = {code: totals[code] for code in COMPONENT_CODES}
    tce = sum(totals.values(), Decimal(0))
    return OfferResult(
        offer=offer,
        allocations=allocations,
        shortfall_gpu_hours_per_month=shortfall,
        stranded_share=share,
        monthly_billing=monthly_billing,
        monthly=monthly,
        totals=totals,
        tce=tce,
        tce_per_gpu_hour=(tce / (demand * horizon)).quantize(UNIT_PRICE_PLACES, rounding=ROUND_HALF_EVEN),
        unit_price=unit_price(offer),
    )


def assumptions(inputs: Inputs, results: tuple[OfferResult, ...]) -> tuple[str, ...]:
    """Every assumption behind the figures, in words, for the page, the signature and the PDF."""
    delay = f"{fixed(inputs.cost_of_delay_per_day)} {inputs.cost_of_delay_currency}"
    if inputs.cost_of_delay_rate:
        r = inputs.cost_of_delay_rate
        delay += f" (converted at 1 {r.from_currency} = {plain(r.rate)} {r.to_currency})"
    lines = [
        "730 hours a month; a week is 12/52 of a month.",
        f"Demand of {plain(inputs.gpu_hours_per_month)} GPU-hours a month over {inputs.horizon_months} months.",
        "Committed capacity is paid in full; only its expected utilisation serves demand, "
        "and the rest is counted as unused commitment.",
        "Demand is served from committed lines cheapest first, then burst, then emergency lines "
        "(each up to quantity × 730 GPU-hours a month); burst and emergency are paid as used.",
        "An offer that cannot serve the whole demand shows its shortfall and is never the cheapest by TCE.",
        "Storage and egress are monthly; exit egress, queue wait, switching and concentration risk are one-off.",
        f"A day without usable capacity costs the {inputs.tier_label or inputs.tier} tier {delay}.",
        "Queue wait = expected hours until capacity is usable ÷ 24 × the cost of delay per day.",
        "Switching = engineer-days × day rate + weeks of running two providers × the monthly compute "
        "run-rate × 12/52 (the old provider is paid as long again).",
        f"Concentration risk = probability of losing the vendor × {inputs.rehome_days} days to re-home × "
        "the cost of delay per day × the share of the tier's compute on that vendor once the offer is taken.",
        f"Amounts in {inputs.reporting_currency}, converted with the latest rate on or before "
        f"{inputs.as_of.isoformat()}; each component total is rounded to the cent and the TCE is their sum.",
    ]
    for r in results:
        o = r.offer
        committed = [a.line for a in r.allocations if a.line.band == COMMITTED]
        utilisation = (
            ", ".join(f"{plain(line.expected_utilisation_percent)}%" for line in committed) or "none"
        )
        rate = (
            f"1 {o.rate.from_currency} = {plain(o.rate.rate)} {o.rate.to_currency}"
            f"{f' on {o.rate.on.isoformat()}' if o.rate.on else ''}{f' ({o.rate.source})' if o.rate.source else ''}"
            if o.rate
            else f"billed in {o.billing_currency}"
        )
        lines.append(
            f"{o.name} ({o.vendor}): committed utilisation {utilisation}; queue wait {plain(o.queue_wait_hours)} h; "
            f"loss probability {plain(o.loss_probability_percent)}%; stranded share "
            f"{plain((r.stranded_share * 100).quantize(Decimal('0.1')))}%; {rate}."
        )
    return tuple(lines)


def compute(inputs: Inputs, offers) -> Result:
    """The TCE of each offer for the workload, in the order given. Raises TCEInputError."""
    offers = tuple(offers)
    validate(inputs, offers)
    # Enough digits for a billion GPU-hours x 120 months x a large unit price with its six decimals:
    # the default 28 would round silently before the cents are taken.
    with decimal.localcontext(prec=60):
        results = tuple(_offer_result(inputs, offer) for offer in offers)
        return Result(inputs=inputs, offers=results, assumptions=assumptions(inputs, results))
