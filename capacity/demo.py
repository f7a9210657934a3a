"""Demo capacity plan: forecasts for the next four quarters, contracts' capacity lines allocated to
tiers, and what the vendors told us about their capacity.

Experimental training outgrows its supply (Helix's burst contract ends early next quarter and
the forecast climbs), so the plan shows a shortfall and a date to act; nearline batch takes every
band from Forgeline (one point of failure with three prices); some capacity stays unallocated.
Written through the services (procurement and platform engineering), so the audit trail shows
it. Idempotent: what exists is left alone. All fictional.
"""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from vendors.models import CapacityBand, CapacityLine, Vendor, WorkloadTier

from . import planning, services
from .models import CapacityAllocation, DemandForecast, DemandVisibility

T = WorkloadTier
C, B, E = CapacityBand.COMMITTED, CapacityBand.BURST, CapacityBand.EMERGENCY

# tier: (P50, P90) GPU-hours for each of the next four quarters, and a note
FORECASTS = {
    T.HOT_INFERENCE: (
        [(1_200_000, 1_450_000), (1_250_000, 1_480_000), (1_280_000, 1_500_000), (1_300_000, 1_510_000)],
        "Chat and search traffic, +3% a quarter; P90 covers a launch spike.",
    ),
    T.NEARLINE_BATCH: (
        [(900_000, 1_150_000), (920_000, 1_180_000), (950_000, 1_200_000), (980_000, 1_250_000)],
        "Nightly embedding refreshes and evaluation sweeps.",
    ),
    T.EXPERIMENTAL_TRAINING: (
        [(1_300_000, 1_800_000), (1_600_000, 2_200_000), (1_900_000, 2_600_000), (2_200_000, 3_000_000)],
        "The next model family: two pre-training runs and the ablations around them; P90 if both runs restart.",
    ),
    T.RESERVE: (
        [(200_000, 500_000), (200_000, 500_000), (220_000, 520_000), (220_000, 520_000)],
        "Headroom held for incidents and failover.",
    ),
}

# (contract reference, accelerator model, region, band) -> [(tier, share %)]
ALLOCATIONS = [
    (("NS-2025-017", "NVIDIA H100 80GB", "us-east", C), [(T.HOT_INFERENCE, "50"), (T.RESERVE, "25")]),
    (("NS-2025-017", "NVIDIA H200 141GB", "us-west", C), [(T.EXPERIMENTAL_TRAINING, "100")]),
    (("NS-2025-017", "NVIDIA H100 80GB", "us-east", B), [(T.HOT_INFERENCE, "50")]),
    (("SV-EU-2026-02", "NVIDIA L40S", "eu-west", C), [(T.HOT_INFERENCE, "100")]),
    (("SV-EU-2026-02", "NVIDIA H100 80GB", "eu-north", E), [(T.HOT_INFERENCE, "100")]),
    (("HX-0042", "NVIDIA H100 80GB", "us-east", B), [(T.EXPERIMENTAL_TRAINING, "100")]),
    (
        ("FT-MSA-2026", "NVIDIA H200 141GB", "us-central", C),
        [(T.NEARLINE_BATCH, "40"), (T.EXPERIMENTAL_TRAINING, "30"), (T.RESERVE, "20")],
    ),
    (("FT-MSA-2026", "NVIDIA H200 141GB", "us-south", B), [(T.NEARLINE_BATCH, "50")]),
    (("FT-MSA-2026", "NVIDIA B200", "us-central", E), [(T.NEARLINE_BATCH, "100")]),
]

# vendor: [(days ago, lead time, utilisation shared, percent, reservation options, refreshes)], oldest first
VISIBILITY = {
    "Nimbus Scale": [
        (400, 60, True, 71, "1-year reservations.", ""),
        (
            35,
            90,
            True,
            84,
            "1- and 3-year reservations; quarterly capacity blocks on request.",
            "GB200 racks in us-east announced for the second half of next year.",
        ),
    ],
    "Forgeline Tensor": [
        (
            20,
            120,
            False,
            None,
            "H200 blocks reserved per quarter, 90 days ahead.",
            "B200 in us-central from next spring.",
        )
    ],
    "Helix GPU Cloud": [(50, 45, True, 91, "On-demand and 6-month burst commitments.", "")],
    "Stratoverse Cloud": [(60, 150, False, None, "EU-resident reservations, 1 year minimum.", "")],
    "Nordlys Bare Metal": [
        (90, 60, True, 66, "Dedicated nodes per month.", "H200 nodes in Oslo, date not given.")
    ],
}


def seed() -> None:
    today = timezone.localdate()
    procurement = User.objects.get(username="priya")
    platform = User.objects.get(username="pavel")
    quarters = planning.default_start(today).following(4)
    for tier, (figures, note) in FORECASTS.items():
        for quarter, (p50, p90) in zip(quarters, figures, strict=True):
            if not DemandForecast.objects.filter(tier=tier, quarter=str(quarter)).exists():
                services.demand_forecast_create(
                    actor=procurement,
                    tier=tier,
                    quarter=str(quarter),
                    p50_gpu_hours=p50,
                    p90_gpu_hours=p90,
                    note=note,
                )
    for (reference, model, region, band), shares in ALLOCATIONS:
        line = CapacityLine.objects.filter(
            contract__reference=reference, accelerator_model=model, region=region, band=band
        ).first()
        if line is None:
            continue
        for tier, share in shares:
            if not CapacityAllocation.objects.filter(line=line, tier=tier).exists():
                services.capacity_allocation_create(
                    actor=platform, line=line, tier=tier, share_percent=Decimal(share)
                )
    for name, records in VISIBILITY.items():
        vendor = Vendor.objects.filter(name=name).first()
        if vendor is None or DemandVisibility.objects.filter(vendor=vendor).exists():
            continue
        for days_ago, lead, shared, percent, reservations, refreshes in records:
            services.demand_visibility_record(
                actor=procurement,
                vendor=vendor,
                recorded_on=today - timedelta(days=days_ago),
                lead_time_days=lead,
                utilisation_shared=shared,
                utilisation_percent=percent,
                reservation_options=reservations,
                hardware_refreshes=refreshes,
            )
