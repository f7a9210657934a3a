"""Demo vendors, contracts, capacity lines and exit-rights clauses: a register that looks lived in.

Every vendor here is fictional. Written through the services with the demo admin as actor, so the
audit trail shows how the register was built. Idempotent: what exists already is left alone.
Dates are relative to the day of seeding, so some notice deadlines are always coming up.
"""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from . import services
from .models import CapacityBand, Contract, ExitRightClause, ExitRightKind, Layer, Vendor

K = Vendor.Kind
S = Vendor.Status
C = Contract.Status
P, N, M = ExitRightClause.Status.PRESENT, ExitRightClause.Status.NEGOTIATED, ExitRightClause.Status.MISSING

# name, legal entity, kind, HQ jurisdiction, processing regions, layers, runs on, status, owner, notes
VENDORS = [
    (
        "Nimbus Scale",
        "Nimbus Scale Cloud Inc.",
        K.HYPERSCALER,
        "United States",
        ["us-east", "us-west", "eu-central"],
        ["compute", "storage", "networking", "identity", "orchestration", "support"],
        None,
        S.ACTIVE,
        "priya",
        "Primary hyperscaler; most of our storage and identity already lives here.",
    ),
    (
        "Stratoverse Cloud",
        "Stratoverse Cloud Services Ltd",
        K.HYPERSCALER,
        "Ireland",
        ["eu-west", "eu-north"],
        ["compute", "storage", "networking", "identity"],
        None,
        S.ACTIVE,
        "omar",
        "EU-resident region pair; used for regulated inference.",
    ),
    (
        "Helix GPU Cloud",
        "Helix GPU Cloud, Inc.",
        K.NEOCLOUD,
        "United States",
        ["us-east"],
        ["compute", "orchestration"],
        "Nimbus Scale",
        S.ACTIVE,
        "priya",
        "Runs inside Nimbus Scale's us-east data centres: an outage there takes Helix down too.",
    ),
    (
        "Forgeline Tensor",
        "Forgeline Tensor Corp.",
        K.NEOCLOUD,
        "United States",
        ["us-central", "us-south"],
        ["compute", "storage", "orchestration", "support"],
        None,
        S.ACTIVE,
        "omar",
        "Own data centres; strongest H200 availability we have seen this year.",
    ),
    (
        "雲海コンピュート",
        "雲海コンピュート株式会社 (Unkai Compute K.K.)",
        K.NEOCLOUD,
        "Japan",
        ["Tokyo", "Osaka"],
        ["compute", "networking"],
        None,
        S.PROSPECT,
        "priya",
        "Candidate for APAC inference close to users in Japan.",
    ),
    (
        "Al-Wāḥa Colocation",
        "شركة الواحة لمراكز البيانات (Al-Wāḥa Data Centres LLC)",
        K.COLOCATION,
        "United Arab Emirates",
        ["Abu Dhabi"],
        ["networking", "support"],
        None,
        S.PROSPECT,
        "omar",
        "Power-rich colocation; we would bring our own racks.",
    ),
    (
        "Boréal Colocation Québec",
        "Boréal Colocation Québec inc.",
        K.COLOCATION,
        "Canada",
        ["Montréal"],
        ["networking", "support"],
        None,
        S.ACTIVE,
        "omar",
        "Hydro-powered cage for the reserve training cluster.",
    ),
    (
        "Nordlys Bare Metal",
        "Nordlys Bare Metal AS",
        K.BARE_METAL,
        "Norway",
        ["Oslo", "Stavanger"],
        ["compute", "networking"],
        None,
        S.ACTIVE,
        "priya",
        "Bare-metal H100 nodes; we run our own scheduler on top.",
    ),
    (
        "Železo Hosting",
        "Železo Hosting s.r.o.",
        K.BARE_METAL,
        "Czech Republic",
        ["Prague"],
        ["compute"],
        None,
        S.EXITING,
        "omar",
        "Exiting: hardware refresh slipped twice; migrating batch jobs to Nordlys.",
    ),
    (
        "Pilotwire Managed AI",
        "Pilotwire Managed AI Ltd",
        K.MANAGED_SERVICE,
        "United Kingdom",
        ["eu-west"],
        ["orchestration", "support"],
        "Stratoverse Cloud",
        S.ACTIVE,
        "priya",
        "Managed fine-tuning pipelines operated on Stratoverse.",
    ),
    (
        "Kestrel MLOps",
        "Kestrel MLOps GmbH",
        K.MANAGED_SERVICE,
        "Germany",
        ["eu-central"],
        ["orchestration", "identity", "support"],
        None,
        S.RETIRED,
        "omar",
        "Retired after the 2025 platform consolidation; kept for the record.",
    ),
    (
        "Tessellate Exchange",
        "Tessellate Exchange Pte. Ltd.",
        K.OTHER,
        "Singapore",
        ["ap-southeast"],
        ["compute"],
        None,
        S.PROSPECT,
        "priya",
        "Spot-capacity broker; useful for emergency bursts only.",
    ),
]

# vendor, reference, title, start offset (days), term (days), notice days, auto-renewal, spend, currency,
# status, capacity lines [(model, count, region, band)], clauses {kind code: (status, reference, notice, fees)}
# Kinds not listed get no clause at all: the checklist shows them as missing.
ALL_GOOD = {
    "termination-for-convenience": (N, "§14.2", 90, "250000.00"),
    "data-portability": (P, "§9.1", 30, None),
    "transition-assistance": (N, "Sch. 6", 180, None),
    "ramp-down": (N, "§5.4", 60, None),
    "service-substitution": (P, "§5.6", None, None),
    "capacity-transparency": (P, "Sch. 3", None, None),
    "support-escalation": (P, "Sch. 4", None, None),
    "service-change-notice": (P, "§11.1", 180, None),
    "price-change-protection": (N, "§7.3", 90, None),
}
CONTRACTS = [
    (
        "Nimbus Scale",
        "NS-2025-017",
        "Enterprise GPU reservation (H100/H200)",
        -300,
        1095,
        120,
        True,
        "18500000.00",
        "USD",
        C.ACTIVE,
        [
            ("NVIDIA H100 80GB", 512, "us-east", CapacityBand.COMMITTED),
            ("NVIDIA H200 141GB", 256, "us-west", CapacityBand.COMMITTED),
            ("NVIDIA H100 80GB", 128, "us-east", CapacityBand.BURST),
        ],
        ALL_GOOD,
    ),
    (
        "Nimbus Scale",
        "NS-2024-003",
        "Storage and egress commitment",
        -690,
        750,
        90,
        True,
        "2400000.00",
        "USD",
        C.ACTIVE,
        [],
        {"data-portability": (P, "§4.2", 30, None), "price-change-protection": (M, "", None, None)},
    ),
    (
        "Stratoverse Cloud",
        "SV-EU-2026-02",
        "EU-resident inference capacity",
        -120,
        730,
        90,
        False,
        "6200000.00",
        "EUR",
        C.ACTIVE,
        [
            ("NVIDIA L40S", 320, "eu-west", CapacityBand.COMMITTED),
            ("NVIDIA H100 80GB", 64, "eu-north", CapacityBand.EMERGENCY),
        ],
        {**ALL_GOOD, "ramp-down": (M, "", None, None), "service-substitution": (M, "", None, None)},
    ),
    (
        "Helix GPU Cloud",
        "HX-0042",
        "Burst training capacity",
        -330,
        395,
        30,
        True,
        "3100000.00",
        "USD",
        C.ACTIVE,
        [("NVIDIA H100 80GB", 256, "us-east", CapacityBand.BURST)],
        {
            "termination-for-convenience": (P, "§12", 30, "90000.00"),
            "support-escalation": (P, "Annex B", None, None),
        },
    ),
    (
        "Forgeline Tensor",
        "FT-MSA-2026",
        "Master services agreement and H200 order form",
        -60,
        1095,
        180,
        False,
        "27750000.00",
        "USD",
        C.ACTIVE,
        [
            ("NVIDIA H200 141GB", 1024, "us-central", CapacityBand.COMMITTED),
            ("NVIDIA H200 141GB", 256, "us-south", CapacityBand.BURST),
            ("NVIDIA B200", 64, "us-central", CapacityBand.EMERGENCY),
        ],
        {**ALL_GOOD, "transition-assistance": (M, "", None, None)},
    ),
    (
        "雲海コンピュート",
        "UK-PoC-01",
        "Inference pilot, Tokyo region",
        14,
        180,
        30,
        False,
        "450000.00",
        "USD",
        C.NEGOTIATING,
        [("NVIDIA H100 80GB", 32, "Tokyo", CapacityBand.COMMITTED)],
        {"termination-for-convenience": (N, "draft §8", 30, None)},
    ),
    (
        "Boréal Colocation Québec",
        "BCQ-CAGE-7",
        "Cage 7 power and space",
        -1000,
        1200,
        180,
        True,
        "1850000.00",
        "CAD",
        C.ACTIVE,
        [],
        {"termination-for-convenience": (M, "", None, None), "service-change-notice": (P, "§3.9", 90, None)},
    ),
    (
        "Nordlys Bare Metal",
        "NBM-2025-11",
        "Dedicated H100 nodes, Oslo",
        -200,
        245,
        30,
        False,
        "2950000.00",
        "NOK",
        C.ACTIVE,
        [
            ("NVIDIA H100 80GB", 192, "Oslo", CapacityBand.COMMITTED),
            ("NVIDIA H100 80GB", 48, "Stavanger", CapacityBand.EMERGENCY),
        ],
        {**ALL_GOOD, "capacity-transparency": (M, "", None, None)},
    ),
    (
        "Železo Hosting",
        "ZH-2023-05",
        "Batch cluster lease",
        -880,
        910,
        60,
        False,
        "780000.00",
        "EUR",
        C.ACTIVE,
        [("NVIDIA A100 80GB", 96, "Prague", CapacityBand.COMMITTED)],
        {
            "termination-for-convenience": (P, "čl. 10", 60, "40000.00"),
            "transition-assistance": (M, "", None, None),
        },
    ),
    (
        "Pilotwire Managed AI",
        "PW-OPS-2026",
        "Managed fine-tuning operations",
        -30,
        365,
        60,
        True,
        "960000.00",
        "GBP",
        C.ACTIVE,
        [],
        ALL_GOOD,
    ),
    (
        "Kestrel MLOps",
        "KM-2022-01",
        "MLOps platform subscription",
        -1400,
        1095,
        90,
        False,
        "520000.00",
        "EUR",
        C.EXPIRED,
        [],
        {},
    ),
]


def _actor() -> User:
    return User.objects.get(username="admin")


def seed() -> dict[str, Vendor]:
    """Create the demo register (skipping what exists) and return the demo vendors by name."""
    actor = _actor()
    users = {u.username: u for u in User.objects.filter(username__in={v[8] for v in VENDORS})}
    layers = {layer.code: layer for layer in Layer.objects.all()}
    vendors: dict[str, Vendor] = {}
    for name, legal, kind, hq, regions, layer_codes, runs_on, status, owner, notes in VENDORS:
        vendor = Vendor.objects.filter(name__iexact=name).first()
        if vendor is None:
            vendor = services.vendor_create(
                actor=actor,
                name=name,
                legal_entity=legal,
                kind=kind,
                hq_jurisdiction=hq,
                processing_regions=regions,
                layers=[layers[code] for code in layer_codes],
                runs_on=vendors[runs_on] if runs_on else None,
                status=status,
                owner=users.get(owner),
                notes=notes,
            )
        vendors[name] = vendor

    today = timezone.localdate()
    kinds = {kind.code: kind for kind in ExitRightKind.objects.all()}
    for (vendor_name, reference, title, start, term, notice, renews, spend, currency, status, lines,
         clauses) in CONTRACTS:  # fmt: skip
        vendor = vendors[vendor_name]
        if vendor.contracts.filter(reference__iexact=reference).exists():
            continue
        contract = services.contract_create(
            actor=actor,
            vendor=vendor,
            reference=reference,
            title=title,
            start_date=today + timedelta(days=start),
            end_date=today + timedelta(days=start + term),
            notice_period_days=notice,
            auto_renewal=renews,
            committed_spend=Decimal(spend),
            currency=currency,
            status=status,
        )
        for model, count, region, band in lines:
            services.capacity_line_add(
                actor=actor, contract=contract, accelerator_model=model, count=count, region=region, band=band
            )
        for code, (clause_status, clause_ref, notice_days, fees) in clauses.items():
            services.clause_set(
                actor=actor,
                contract=contract,
                kind=kinds[code],
                status=clause_status,
                reference=clause_ref,
                text=_clause_text(kinds[code], clause_status, notice_days),
                notice_days=notice_days,
                fees=Decimal(fees) if fees else None,
            )
    return vendors


def _clause_text(kind: ExitRightKind, status: str, notice_days: int | None) -> str:
    if status == M:
        return "Asked for in the first redline; the vendor declined. Raise again at renewal."
    notice = f" with {notice_days} days' written notice" if notice_days else ""
    return f"{kind.description.rstrip('.')}{notice}."
