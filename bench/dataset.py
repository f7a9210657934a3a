"""The synthetic dataset: plausible vendors, contracts, capacity lines, exit-rights clauses,
users and a valid audit hash chain, at the sizes the bench asks for.

This is bench data, not user writes: rows go in with `bulk_create` inside one transaction, not
through the services. The audit events are still a real chain (canonical JSON and hashes from
`procurement.audit`), so verifying the trail can be timed on it.

The database remembers what it holds (a small `bench_dataset` table): a later run with the same
sizes, the same migrations and the same builder reuses it; anything else rebuilds from empty.
"""

import datetime as dt
import hashlib
import json
import random
import time
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from procurement import audit, policies
from procurement.models import AuditEvent
from vendors.models import (
    COMPUTE_LAYER,
    CapacityBand,
    CapacityLine,
    Contract,
    Criticality,
    Dependency,
    ExitRightClause,
    ExitRightKind,
    LatencySensitivity,
    Layer,
    Rehearsal,
    RehearsalScenario,
    Vendor,
    Workload,
    WorkloadTier,
)

from .sizes import Sizes

SEED = 20261124
BATCH = 2000
MARKER_TABLE = "bench_dataset"
# The user every page is measured as: procurement sees and may change the whole register.
BENCH_USERNAME = "bench.procurement"


# Remembering what the database holds ------------------------------------------------------


def fingerprint(sizes: Sizes) -> str:
    """Sizes + applied migrations + this builder's source: any change means a rebuild."""
    migrations = sorted(
        f"{app}.{name}" for app, name in MigrationRecorder.Migration.objects.values_list("app", "name")
    )
    source = Path(__file__).read_bytes()
    payload = json.dumps({"sizes": asdict(sizes), "migrations": migrations}, sort_keys=True).encode()
    return hashlib.sha256(payload + source).hexdigest()


def stored_fingerprint() -> str | None:
    if MARKER_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {MARKER_TABLE} WHERE name = 'fingerprint'")  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else None


def holds_data() -> bool:
    """True when anything beyond what migrations seed is present (the database needs emptying)."""
    return stored_fingerprint() is not None or Vendor.objects.exists() or User.objects.exists()


def _remember(value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (name varchar(64) PRIMARY KEY, value text)"
        )
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")  # noqa: S608
        cursor.execute(f"INSERT INTO {MARKER_TABLE} (name, value) VALUES ('fingerprint', %s)", [value])  # noqa: S608


def counts() -> dict[str, int]:
    """Rows per model the pages read, as reported with the results."""
    from django.apps import apps

    result = {}
    for app_label in ("procurement", "vendors", "scorecards"):
        for model in apps.get_app_config(app_label).get_models():
            result[model._meta.label] = model.objects.count()
    result["auth.User"] = User.objects.count()
    return result


# Building --------------------------------------------------------------------------------

VENDOR_WORDS_A = [
    "Aurora", "Basalt", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Helix", "Iris", "Juniper",
    "Krypton", "Lumen", "Meridian", "Nimbus", "Orbit", "Polar", "Quartz", "Raven", "Summit", "Tundra",
    "Umbra", "Vertex", "Willow", "Xenon", "Yarrow", "Zephyr",
]  # fmt: skip
VENDOR_WORDS_B = [
    "Compute",
    "Cloud",
    "GPU",
    "Systems",
    "Datacentres",
    "Fabric",
    "Foundry",
    "Grid",
    "Hosting",
    "Labs",
]
JURISDICTIONS = ["United States", "Ireland", "Germany", "France", "Netherlands", "Finland", "Norway",
                 "United Kingdom", "Japan", "Singapore", "Canada", "Switzerland", "Sweden"]  # fmt: skip
REGIONS = ["us-east", "us-west", "eu-west", "eu-central", "eu-north", "uk-south", "ap-northeast", "ap-southeast",
           "ca-central", "Tokyo", "Frankfurt", "Helsinki", "Dublin", "Virginia", "Oregon"]  # fmt: skip
ACCELERATORS = [
    "H100 SXM 80GB",
    "H200 141GB",
    "B200",
    "GB200 NVL72",
    "MI300X",
    "A100 80GB",
    "L40S",
    "TPU v5p",
]
CONTRACT_TITLES = ["Reserved GPU capacity", "Burst compute", "Managed training cluster", "Inference serving",
                   "Colocation racks", "Storage and egress"]  # fmt: skip
WORKLOAD_WORDS = ["Chat inference", "Embedding batch", "Fine-tuning", "Ranking model", "Vision training",
                  "Speech serving", "Eval harness", "Reserve pool"]  # fmt: skip
CURRENCIES = ["USD", "USD", "USD", "EUR", "EUR", "GBP", "JPY", "CHF"]
CLAUSE_TEXT = (
    "The customer may {verb} on {days} days' written notice without penalty beyond fees already "
    "accrued; the provider shall deliver all customer data and model artefacts in open formats "
    "within thirty days, with egress at no charge."
)


def build(sizes: Sizes, *, log=print) -> dict[str, float]:
    """Fill an empty database; returns seconds per step."""
    rng = random.Random(SEED)
    timings: dict[str, float] = {}

    def step(name, func, *args):
        started = time.perf_counter()
        result = func(*args)
        timings[name] = round(time.perf_counter() - started, 2)
        log(f"  {name:<14} {timings[name]:>6.2f} s")
        return result

    now = timezone.now()
    with transaction.atomic():
        users = step("users", _users, rng)
        vendors = step("vendors", _vendors, rng, sizes.vendors, users, now)
        contracts = step("contracts", _contracts, rng, sizes.contracts, vendors, now)
        step("clauses", _clauses_and_capacity, rng, contracts)
        workloads = step("workloads", _workloads, rng, sizes.workloads, users, now)
        step("dependencies", _dependencies, rng, sizes.dependencies, workloads, vendors)
        step("audit events", _audit_events, rng, sizes.audit_events, users, vendors, contracts, now)
        _remember(fingerprint(sizes))
    return timings


def _users(rng: random.Random) -> list[User]:
    groups = {g.name: g for g in Group.objects.filter(name__in=policies.ROLES)}
    specs = [(f"bench.{role}", role) for role in policies.ROLES]
    specs += [(f"bench.author{n:02d}", policies.PROCUREMENT) for n in range(1, 21)]
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                username=username,
                first_name=username.split(".")[1].capitalize(),
                last_name="Bench",
                email=f"{username}@bench.test",
                password=unusable,  # the bench signs in with force_login
            )
            for username, _ in specs
        ]
    )
    User.groups.through.objects.bulk_create(
        [
            User.groups.through(user_id=u.pk, group_id=groups[role].pk)
            for u, (_, role) in zip(users, specs, strict=True)
        ]
    )
    return users


def _vendors(rng: random.Random, count: int, users: list[User], now) -> list[Vendor]:
    kinds = [k for k, _ in Vendor.Kind.choices]
    statuses = (
        [Vendor.Status.ACTIVE] * 6
        + [Vendor.Status.PROSPECT] * 3
        + [Vendor.Status.EXITING, Vendor.Status.RETIRED]
    )
    vendors = []
    for n in range(count):
        name = f"{VENDOR_WORDS_A[n % len(VENDOR_WORDS_A)]} {rng.choice(VENDOR_WORDS_B)} {n + 1:04d}"
        vendors.append(
            Vendor(
                name=name,
                legal_entity=f"{name} {rng.choice(['Inc.', 'Ltd', 'GmbH', 'B.V.', 'S.A.S.', 'K.K.'])}",
                kind=kinds[n % len(kinds)],
                hq_jurisdiction=rng.choice(JURISDICTIONS),
                processing_regions=rng.sample(REGIONS, rng.randint(1, 4)),
                status=rng.choice(statuses),
                owner=rng.choice(users),
                notes=rng.choice(
                    ["", "Preferred for burst capacity.", "Reference customer calls done in Q3."]
                ),
            )
        )
    vendors = Vendor.objects.bulk_create(vendors, batch_size=BATCH)
    # A neocloud often runs on a hyperscaler and shares its fate.
    hyperscalers = [v for v in vendors if v.kind == Vendor.Kind.HYPERSCALER]
    hosted = [v for v in vendors if v.kind == Vendor.Kind.NEOCLOUD and rng.random() < 0.4]
    for vendor in hosted:
        vendor.runs_on = rng.choice(hyperscalers) if hyperscalers else None
    Vendor.objects.bulk_update(hosted, ["runs_on"], batch_size=BATCH)
    layers = list(Layer.objects.all())
    Vendor.layers.through.objects.bulk_create(
        [
            Vendor.layers.through(vendor_id=v.pk, layer_id=layer.pk)
            for v in vendors
            for layer in rng.sample(layers, rng.randint(1, min(4, len(layers))) if layers else 0)
        ],
        batch_size=BATCH,
    )
    return vendors


def _contracts(rng: random.Random, count: int, vendors: list[Vendor], now) -> list[Contract]:
    if not vendors:
        return []
    today = timezone.localdate(now)
    statuses = [Contract.Status.ACTIVE] * 6 + [
        Contract.Status.DRAFT,
        Contract.Status.NEGOTIATING,
        Contract.Status.EXPIRED,
        Contract.Status.TERMINATED,
    ]
    # Every vendor gets one contract first, the rest go to a skewed few (big suppliers hold many).
    owners = list(vendors) + rng.choices(
        vendors, weights=[1 / (i + 1) for i in range(len(vendors))], k=max(0, count - len(vendors))
    )
    contracts = []
    for n, vendor in enumerate(owners[:count]):
        start = today - dt.timedelta(days=rng.randint(0, 3 * 365))
        end = start + dt.timedelta(days=rng.choice([365, 730, 1095, 1460]) + rng.randint(-30, 30))
        notice = rng.choice([30, 60, 90, 90, 120, 180])
        contracts.append(
            Contract(
                vendor=vendor,
                reference=f"C-{2023 + n % 4}-{n + 1:05d}",
                title=rng.choice(CONTRACT_TITLES),
                start_date=start,
                end_date=end,
                auto_renewal=rng.random() < 0.5,
                notice_period_days=notice,
                notice_deadline=end - dt.timedelta(days=notice),
                committed_spend=Decimal(rng.randint(50, 40_000)) * 1000,
                currency=rng.choice(CURRENCIES),
                status=rng.choice(statuses),
            )
        )
    return Contract.objects.bulk_create(contracts, batch_size=BATCH)


def _clauses_and_capacity(rng: random.Random, contracts: list[Contract]) -> None:
    kinds = list(ExitRightKind.objects.filter(is_active=True))
    bands = [CapacityBand.COMMITTED] * 3 + [CapacityBand.BURST] * 2 + [CapacityBand.EMERGENCY]
    lines, clauses = [], []
    for contract in contracts:
        for _ in range(rng.randint(1, 4)):
            lines.append(
                CapacityLine(
                    contract=contract,
                    accelerator_model=rng.choice(ACCELERATORS),
                    count=rng.choice([8, 16, 64, 128, 256, 512, 1024]),
                    region=rng.choice(REGIONS),
                    band=rng.choice(bands),
                )
            )
        for kind in kinds:
            roll = rng.random()
            if roll < 0.1:
                continue  # never recorded: shown as missing too
            status = (
                ExitRightClause.Status.PRESENT
                if roll < 0.55
                else ExitRightClause.Status.NEGOTIATED
                if roll < 0.75
                else ExitRightClause.Status.MISSING
            )
            present = status != ExitRightClause.Status.MISSING
            clauses.append(
                ExitRightClause(
                    contract=contract,
                    kind=kind,
                    status=status,
                    reference=f"§{rng.randint(2, 24)}.{rng.randint(1, 9)}" if present else "",
                    text=CLAUSE_TEXT.format(verb=kind.name.lower(), days=rng.choice([30, 60, 90]))
                    if present
                    else "",
                    notice_days=rng.choice([None, 30, 60, 90]) if present else None,
                    fees=Decimal(rng.randint(0, 500)) * 100 if present and rng.random() < 0.3 else None,
                )
            )
    CapacityLine.objects.bulk_create(lines, batch_size=BATCH)
    ExitRightClause.objects.bulk_create(clauses, batch_size=BATCH)


def _workloads(rng: random.Random, count: int, users: list[User], now) -> list[Workload]:
    today = timezone.localdate(now)
    tiers = [t for t, _ in WorkloadTier.choices]
    workloads = Workload.objects.bulk_create(
        [
            Workload(
                name=f"{rng.choice(WORKLOAD_WORDS)} {n + 1:04d}",
                owner=rng.choice(users),
                team=rng.choice(["Inference platform", "Research", "Search", "Ads ranking", "Safety evals"]),
                tier=tiers[n % len(tiers)],
                criticality=rng.choice([c for c, _ in Criticality.choices]),
                rpo_minutes=rng.choice([0, 5, 15, 60, 240]),
                rto_minutes=rng.choice([15, 60, 240, 1440]),
                latency_sensitivity=rng.choice([c for c, _ in LatencySensitivity.choices]),
            )
            for n in range(count)
        ],
        batch_size=BATCH,
    )
    # Most workloads have been rehearsed, some never; some rehearsals are long overdue.
    scenarios = [s for s, _ in RehearsalScenario.choices if s != RehearsalScenario.CUSTOM]
    rehearsals = []
    for workload in workloads:
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            outcome = rng.choice(
                [Rehearsal.Outcome.PASSED] * 3 + [Rehearsal.Outcome.PARTIAL, Rehearsal.Outcome.FAILED]
            )
            passed = outcome == Rehearsal.Outcome.PASSED
            rehearsals.append(
                Rehearsal(
                    workload=workload,
                    scenario=rng.choice(scenarios),
                    performed_on=today - dt.timedelta(days=rng.randint(1, 400)),
                    recovery_minutes=None
                    if outcome == Rehearsal.Outcome.FAILED
                    else (workload.rto_minutes if passed else workload.rto_minutes * 2),
                    data_loss_minutes=workload.rpo_minutes if passed else workload.rpo_minutes + 30,
                    rto_target_minutes=workload.rto_minutes,
                    rpo_target_minutes=workload.rpo_minutes,
                    outcome=outcome,
                    follow_up_actions="" if passed else "Pre-stage container images in the second region.",
                    recorded_by=rng.choice(users),
                )
            )
    Rehearsal.objects.bulk_create(rehearsals, batch_size=BATCH)
    return workloads


def _dependencies(rng: random.Random, count: int, workloads: list[Workload], vendors: list[Vendor]) -> None:
    """About `count` dependencies, concentrated on a few big vendors the way real portfolios are."""
    if not workloads or not vendors:
        return
    layers = list(Layer.objects.all())
    compute = next((layer for layer in layers if layer.code == COMPUTE_LAYER), None)
    others = [layer for layer in layers if layer is not compute]
    weights = [1 / (i + 1) for i in range(len(vendors))]
    bands = [b for b, _ in CapacityBand.choices]
    seen, rows = set(), []
    per_workload = max(1, count // len(workloads))
    for n in range(count * 2):
        if len(rows) >= count:
            break
        workload = workloads[(n // per_workload) % len(workloads)]
        vendor = rng.choices(vendors, weights=weights)[0]
        if compute is not None and (not others or rng.random() < 0.5):
            layer, band, amount = compute, rng.choice(bands), Decimal(rng.choice([8, 16, 64, 256, 1024]))
        else:
            layer, band, amount = rng.choice(others), "", Decimal(rng.choice([10, 25, 50, 100]))
        region = rng.choice(REGIONS[:6])
        key = (workload.pk, vendor.pk, layer.pk, band, region)
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            Dependency(workload=workload, vendor=vendor, layer=layer, band=band, amount=amount, region=region)
        )
    Dependency.objects.bulk_create(rows, batch_size=BATCH)


def _to_milliseconds(moment: dt.datetime) -> dt.datetime:
    # As `audit.record` stores event times: a restored dump must still match the hashed text.
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _audit_events(
    rng, count: int, users: list[User], vendors: list[Vendor], contracts: list[Contract], now
) -> None:
    """A valid chain: creation events for every vendor and contract, then updates skewed to a few objects."""
    subjects: list[tuple[str, str, Vendor | Contract]] = [
        ("vendor", "vendors.vendor", v) for v in vendors
    ] + [("contract", "vendors.contract", c) for c in contracts]
    plan = [(prefix, object_type, obj, "create") for prefix, object_type, obj in subjects][:count]
    if subjects:
        weights = [1 / (i + 1) for i in range(len(subjects))]
        for prefix, object_type, obj in rng.choices(subjects, weights=weights, k=count - len(plan)):
            plan.append((prefix, object_type, obj, "update"))
    plan += [("auth", "auth.user", rng.choice(users), "login") for _ in range(count - len(plan))]

    start = now - dt.timedelta(days=730)
    step = (now - start) / max(count, 1)
    events, prev_hash = [], AuditEvent.GENESIS_HASH
    for sequence, (prefix, object_type, obj, verb) in enumerate(plan, start=1):
        actor = rng.choice(users)
        if verb == "create":
            label_field = "name" if prefix == "vendor" else "reference"
            changes = {label_field: [None, getattr(obj, label_field)]}
        elif verb == "update":
            changes = {"notes" if prefix == "vendor" else "status": [f"v{sequence - 1}", f"v{sequence}"]}
        else:
            actor, changes = obj, {}
        fields = {
            "sequence": sequence,
            "occurred_at": _to_milliseconds(start + step * sequence),
            "actor_id": actor.pk,
            "actor_name": audit.actor_display(actor),
            "action": f"{prefix}.{verb}",
            "object_type": object_type,
            "object_id": str(obj.pk),
            "object_label": str(obj)[:300] if prefix != "auth" else obj.username,
            "changes": audit.to_jsonable(changes),
            "request_id": f"{rng.getrandbits(128):032x}",
            "client_ip": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            "prev_hash": prev_hash,
        }
        canonical = audit.canonical_json(fields)
        prev_hash = audit.compute_hash(canonical)
        events.append(AuditEvent(**fields, canonical=canonical, hash=prev_hash))
        if len(events) == BATCH:
            AuditEvent.objects.bulk_create(events)
            events = []
    AuditEvent.objects.bulk_create(events)
