"""Demo figures for the total cost of execution: exchange rates into euros, a cost of delay for
every tier, and three competing offers for the foundation-model pre-training workload
(experimental training) where the cheapest GPU-hour is not the cheapest decision:

- Nimbus Scale quotes the lowest GPU-hour (1.85 USD on a three-year block), but the block is far
  larger than the team can keep busy (55% utilisation), the queue is three weeks, egress is dear
  and moving off again means running two providers for a month.
- Stratoverse Cloud is the dearest GPU-hour (2.30 EUR) with little idle commitment and a burst line.
- Pilotwire Managed AI sits in between (1.70 GBP) and, at 92% utilisation, a week's queue and
  cheap egress, runs the work for the least.

`training_request()` is the comparison the demo means (its demand and data volumes). Written
through the services as procurement, so the audit trail shows it. Idempotent: what exists is
left alone. All fictional.
"""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from resilience.models import Workload
from vendors.models import CapacityBand, Vendor, WorkloadTier

from . import comparing, services
from .models import CostOfDelay, ExchangeRate, Offer

T = WorkloadTier
C, B = CapacityBand.COMMITTED, CapacityBand.BURST
TRAINING_WORKLOAD = "Foundation model pre-training"

RATES = [("USD", "EUR", "0.92"), ("GBP", "EUR", "1.16")]

COSTS_OF_DELAY = {
    T.HOT_INFERENCE: ("60000", "Lost revenue and support load while chat and search degrade."),
    T.NEARLINE_BATCH: ("8000", "Stale embeddings and late evaluation reports."),
    T.EXPERIMENTAL_TRAINING: ("25000", "A research team of forty idle, and the release window slipping."),
    T.RESERVE: ("3000", "Headroom missing while an incident needs it."),
}


def _line(
    band, quantity, list_price, contracted, effective, term=None, utilisation=None, accelerator="H100 80GB"
):
    return {
        "band": band,
        "accelerator_class": accelerator,
        "region": "",
        "quantity": quantity,
        "list_unit_price": Decimal(list_price) if list_price else None,
        "contracted_unit_price": Decimal(contracted),
        "effective_unit_price": Decimal(effective),
        "commitment_term_months": term,
        "expected_utilisation_percent": Decimal(utilisation) if utilisation is not None else None,
    }


# vendor, name, billing currency, offer terms, lines
OFFERS = [
    (
        "Nimbus Scale",
        "Three-year reserved H100 block",
        "USD",
        {
            "storage_rate_per_gb_month": Decimal("0.02"),
            "egress_rate_per_gb": Decimal("0.09"),
            "exit_egress_rate_per_gb": Decimal("0.09"),
            "queue_wait_hours": Decimal(504),
            "switching_engineer_days": Decimal(60),
            "engineer_day_rate": Decimal(1100),
            "parallel_run_weeks": Decimal(4),
            "loss_probability": Decimal(5),
            "notes": "The lowest GPU-hour on the table, for 800 GPUs on three years: more than the runs keep busy.",
        },
        [_line(C, 800, "3.20", "1.95", "1.85", term=36, utilisation=55)],
    ),
    (
        "Stratoverse Cloud",
        "EU H100 capacity with burst",
        "EUR",
        {
            "storage_rate_per_gb_month": Decimal("0.025"),
            "egress_rate_per_gb": Decimal("0.01"),
            "exit_egress_rate_per_gb": Decimal("0.01"),
            "queue_wait_hours": Decimal(48),
            "switching_engineer_days": Decimal(25),
            "engineer_day_rate": Decimal(950),
            "parallel_run_weeks": Decimal(1),
            "loss_probability": Decimal(8),
            "notes": "Right-sized commitment and a burst line; the dearest GPU-hour.",
        },
        [
            _line(C, 380, "2.90", "2.40", "2.30", term=12, utilisation=90),
            _line(B, 100, "3.40", "2.90", "2.90"),
        ],
    ),
    (
        "Pilotwire Managed AI",
        "Managed H200 training cluster",
        "GBP",
        {
            "storage_rate_per_gb_month": Decimal("0.018"),
            "egress_rate_per_gb": Decimal("0.05"),
            "exit_egress_rate_per_gb": Decimal("0.05"),
            "queue_wait_hours": Decimal(168),
            "switching_engineer_days": Decimal(40),
            "engineer_day_rate": Decimal(800),
            "parallel_run_weeks": Decimal(2),
            "loss_probability": Decimal(6),
            "notes": "Sized to the runs (92% busy), a week's queue, cheap exit.",
        },
        [_line(C, 460, "2.10", "1.75", "1.70", term=18, utilisation=92, accelerator="H200 141GB")],
    ),
]


def training_request(today=None) -> comparing.Request:
    """The comparison the demo's offers are for: the pre-training runs over the next year."""
    return comparing.Request(
        name="Pre-training capacity, next 12 months",
        tier=T.EXPERIMENTAL_TRAINING,
        workload=Workload.objects.filter(name=TRAINING_WORKLOAD).first(),
        gpu_hours_per_month=Decimal(300_000),
        storage_gb=Decimal(500_000),
        egress_gb_per_month=Decimal(200_000),
        exit_data_gb=Decimal(2_000_000),
        horizon_months=12,
        reporting_currency="EUR",
        as_of=today or timezone.localdate(),
    )


def training_offers() -> list[Offer]:
    """The three demo offers, in the order above (those that exist)."""
    wanted = [(vendor, name) for vendor, name, *_ in OFFERS]
    found = {
        (o.vendor.name, o.name): o
        for o in comparing.offers_with_lines().filter(name__in=[n for _, n in wanted])
    }
    return [found[key] for key in wanted if key in found]


def seed() -> None:
    today = timezone.localdate()
    procurement = User.objects.get(username="priya")
    for base, quote, rate in RATES:
        if not ExchangeRate.objects.filter(base_currency=base, quote_currency=quote).exists():
            services.exchange_rate_create(
                actor=procurement,
                base_currency=base,
                quote_currency=quote,
                rate=Decimal(rate),
                on=today - timedelta(days=2),
                source="ECB reference rate (demo figure)",
            )
    for tier, (per_day, note) in COSTS_OF_DELAY.items():
        if not CostOfDelay.objects.filter(tier=tier).exists():
            services.cost_of_delay_set(
                actor=procurement, tier=tier, per_day=Decimal(per_day), currency="EUR", note=note
            )
    for vendor_name, name, currency, terms, lines in OFFERS:
        vendor = Vendor.objects.filter(name=vendor_name).first()
        if vendor is None or Offer.objects.filter(vendor=vendor, name=name).exists():
            continue
        services.offer_create(
            actor=procurement,
            vendor=vendor,
            name=name,
            billing_currency=currency,
            valid_until=today + timedelta(days=45),
            lines=lines,
            **terms,
        )
