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
import uuid
from contextlib import contextmanager
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from capacity.models import CapacityAllocation, DemandForecast, DemandVisibility
from capacity.planning import MAX_QUARTERS
from capacity.quarters import Quarter
from costs import comparing, tce
from costs.models import Comparison, CostOfDelay, ExchangeRate, Offer, OfferLine
from procurement import audit, policies
from procurement.models import AuditEvent
from resilience.models import (
    Criticality,
    Dependency,
    LatencySensitivity,
    Rehearsal,
    RehearsalScenario,
    Workload,
)
from scorecards import scoring, signoff
from scorecards.models import (
    DataSensitivity,
    Evaluation,
    Evidence,
    RequiredSignoff,
    Score,
    ScorecardTemplate,
    Signature,
    SignoffPolicy,
    SignoffRound,
)
from vendors.models import (
    COMPUTE_LAYER,
    CapacityBand,
    CapacityLine,
    Contract,
    ExitRightClause,
    ExitRightKind,
    Layer,
    Vendor,
    WorkloadTier,
)
from vendors.services import exit_rights_recount

from .sizes import Sizes

SEED = 20261124
BATCH = 2000
MARKER_TABLE = "bench_dataset"  # spelled out in the SQL below: no query is built from strings
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
        cursor.execute("SELECT value FROM bench_dataset WHERE name = 'fingerprint'")
        row = cursor.fetchone()
    return row[0] if row else None


def holds_data() -> bool:
    """True when anything beyond what migrations seed is present (the database needs emptying)."""
    return stored_fingerprint() is not None or Vendor.objects.exists() or User.objects.exists()


def _remember(value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_dataset (name varchar(64) PRIMARY KEY, value text)")
        cursor.execute("DELETE FROM bench_dataset")
        cursor.execute("INSERT INTO bench_dataset (name, value) VALUES ('fingerprint', %s)", [value])


def counts() -> dict[str, int]:
    """Rows per model the pages read, as reported with the results."""
    from django.apps import apps

    result = {}
    for app_label in ("procurement", "vendors", "capacity", "costs", "scorecards"):
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
        _analyze()
        timings[name] = round(time.perf_counter() - started, 2)
        log(f"  {name:<14} {timings[name]:>6.2f} s")
        return result

    now = timezone.now()
    with transaction.atomic():
        users = step("users", _users, rng)
        vendors = step("vendors", _vendors, rng, sizes.vendors, users, now)
        contracts = step("contracts", _contracts, rng, sizes.contracts, vendors, now)
        step("clauses", _clauses_and_capacity, rng, contracts)
        evaluations = step(
            "evaluations", _evaluations, rng, sizes.evaluations, users, vendors, contracts, now
        )
        step("sign-offs", _signoffs, rng, evaluations, users)
        workloads = step("workloads", _workloads, rng, sizes.workloads, users, now)
        step("dependencies", _dependencies, rng, sizes.dependencies, workloads, vendors)
        # Its own random stream: the rows of the steps above and below stay as they were.
        step("capacity plan", _capacity_plan, random.Random(SEED + 17), vendors, now)
        step("costs", _costs, random.Random(SEED + 23), vendors)
        audited = [("vendor", v) for v in vendors] + [("contract", c) for c in contracts]
        audited += [("evaluation", e) for e in evaluations]
        step("audit events", _audit_events, rng, sizes.audit_events, users, audited, now)
        _remember(fingerprint(sizes))
    return timings


def _analyze() -> None:
    """Planner statistics for the rows just inserted (PostgreSQL): without them the queries that
    follow (the exit-rights recount, the sign-off snapshots) scan whole tables once per row, and
    ten times the data takes a hundred times as long."""
    if connection.vendor != "postgresql":
        return
    from django.apps import apps
    from psycopg import sql

    # Our tables only, by name: a bare ANALYZE inside this long transaction would also lock the
    # server's shared catalogs until it commits, and stall every other database's ANALYZE.
    tables = sorted(
        {
            model._meta.db_table
            for label in ("auth", "procurement", "vendors", "scorecards")
            for model in apps.get_app_config(label).get_models(include_auto_created=True)
        }
    )
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("ANALYZE {}").format(sql.SQL(", ").join(map(sql.Identifier, tables))))


def _users(rng: random.Random) -> list[User]:
    groups = {g.name: g for g in Group.objects.filter(name__in=policies.ROLES)}
    specs = [(f"bench.{role}", role) for role in policies.ROLES]
    specs += [(f"bench.author{n:02d}", policies.PROCUREMENT) for n in range(1, 21)]
    # A second and third signer per signing role: policies may ask for two finance approvers.
    specs += [(f"bench.{role}{slot}", role) for role in policies.SIGNING_ROLES for slot in (2, 3)]
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
    _analyze()
    # bulk_create skips the services: store each contract's missing exit rights as they would.
    exit_rights_recount()


RATIONALES = {
    "capacity": "Reserved {n} accelerators in two regions with a committed lead time of {d} days for bursts.",
    "portability": "Workloads run from our standard containers; checkpoints export in open formats within {d} days.",
    "resilience": "Failover between regions was rehearsed {n} times this year; recovery met the {d}-minute target.",
    "compliance": "Data stays in the named regions under the agreed jurisdiction; audit reports are {d} days old.",
    "commercial": "The commitment can ramp down by {n} percent on {d} days' notice and move to newer accelerators.",
}
# Drafts are written, then submitted; decided evaluations freeze with their totals.
EVALUATION_STATUSES = (
    [Evaluation.Status.DRAFT] * 3
    + [Evaluation.Status.SUBMITTED] * 2
    + [Evaluation.Status.APPROVED] * 4
    + [Evaluation.Status.REJECTED, Evaluation.Status.WITHDRAWN]
)


@contextmanager
def _own_timestamps(model, name: str):
    """Insert the timestamps we set: history and trends need them spread over past years, and
    `auto_now_add` would stamp every row with the moment of the build."""
    field = model._meta.get_field(name)
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = True


def _evaluations(
    rng: random.Random, count: int, users: list[User], vendors, contracts, now
) -> list[Evaluation]:
    """Evaluations of the standard template with every dimension scored and argued, skewed to a
    few much-evaluated vendors (history and trends), some drafts of the bench user (the score form)."""
    template = ScorecardTemplate.objects.filter(is_active=True).order_by("key", "-version").first()
    if template is None or not vendors or not count:
        return []
    dimensions = list(template.dimensions.all())
    contracts_of: dict[int, list[Contract]] = {}
    for contract in contracts:
        contracts_of.setdefault(contract.vendor_id, []).append(contract)
    bench_user = next(u for u in users if u.username == BENCH_USERNAME)
    authors = [u for u in users if u.username.startswith("bench.author")] or [bench_user]
    weights = [1 / (i + 1) for i in range(len(vendors))]
    tiers = [t for t, _ in WorkloadTier.choices]
    evaluations, planned_scores = [], []
    for n in range(count):
        vendor = rng.choices(vendors, weights=weights)[0]
        status = EVALUATION_STATUSES[n % len(EVALUATION_STATUSES)]
        # The first drafts belong to the bench user: the score form only opens for its author.
        author = bench_user if status == Evaluation.Status.DRAFT and n < 100 else rng.choice(authors)
        created_at = now - dt.timedelta(days=rng.randint(1, 3 * 365), minutes=rng.randint(0, 1440))
        values = [rng.choice([2, 3, 3, 4, 4, 5]) for _ in dimensions]
        if status == Evaluation.Status.APPROVED:  # an approval needs every hard gate passed
            values = [max(v, d.gate_minimum or 0) for d, v in zip(dimensions, values, strict=True)]
        result = scoring.evaluate(
            scoring.DimensionInput(d.kind, d.name, d.weight, d.gate_minimum, v)
            for d, v in zip(dimensions, values, strict=True)
        )
        decided = status in Evaluation.DECIDED_STATES
        decided_at = created_at + dt.timedelta(days=rng.randint(5, 40)) if decided else None
        submitted = status != Evaluation.Status.DRAFT
        evaluations.append(
            Evaluation(
                vendor=vendor,
                contract=rng.choice(contracts_of[vendor.pk])
                if vendor.pk in contracts_of and rng.random() < 0.7
                else None,
                template=template,
                title=f"{rng.choice(CONTRACT_TITLES)} for {rng.choice(WORKLOAD_WORDS).lower()} ({n + 1})",
                purpose="Secure capacity for the next model generation without locking the team into one provider.",
                tier=tiers[n % len(tiers)],
                data_sensitivity=rng.choice([c for c, _ in DataSensitivity.choices]),
                commitment_amount=Decimal(rng.randint(100, 50_000)) * 1000,
                commitment_currency=rng.choice(CURRENCIES),
                author=author,
                status=status,
                weighted_total=result.total,
                gates_passed=result.gates_passed,
                submitted_at=created_at + dt.timedelta(days=2) if submitted else None,
                content_hash=f"{rng.getrandbits(256):064x}" if submitted else "",
                decided_at=decided_at,
                reevaluation_due=scoring.add_months(timezone.localdate(decided_at), 12)
                if decided_at
                else None,
            )
        )
        planned_scores.append(values)
        evaluations[-1].created_at = created_at
    with _own_timestamps(Evaluation, "created_at"):
        evaluations = Evaluation.objects.bulk_create(evaluations, batch_size=BATCH)
    scores = [
        Score(
            evaluation=evaluation,
            dimension=dimension,
            score=value,
            rationale=RATIONALES.get(dimension.kind, RATIONALES["capacity"]).format(
                n=rng.randint(2, 512), d=rng.randint(7, 90)
            ),
        )
        for evaluation, values in zip(evaluations, planned_scores, strict=True)
        for dimension, value in zip(dimensions, values, strict=True)
    ]
    scores = Score.objects.bulk_create(scores, batch_size=BATCH)
    Evidence.objects.bulk_create(
        [
            Evidence(
                score=score,
                url=f"https://evidence.example.test/{score.evaluation_id}/{score.dimension_id}",
                title="Reference call notes",
                added_by=rng.choice(authors),
            )
            for score in scores
            if rng.random() < 0.4
        ],
        batch_size=BATCH,
    )
    return evaluations


ROUND_OUTCOMES = {
    Evaluation.Status.SUBMITTED: SignoffRound.Outcome.OPEN,
    Evaluation.Status.APPROVED: SignoffRound.Outcome.APPROVED,
    Evaluation.Status.REJECTED: SignoffRound.Outcome.REJECTED,
    Evaluation.Status.WITHDRAWN: SignoffRound.Outcome.WITHDRAWN,
}


def _signoffs(rng: random.Random, evaluations: list[Evaluation], users: list[User]) -> None:
    """One sign-off round per submitted evaluation, over the real content snapshot and hash (so
    pages and decision records that re-check them agree), routed by the active policies;
    decided rounds carry their signatures, open ones wait in the signers' inboxes."""
    by_name = {u.username: u for u in users}
    active = list(SignoffPolicy.objects.filter(is_active=True))
    submitted = [e for e in evaluations if e.status in ROUND_OUTCOMES]
    ids = [e.pk for e in submitted]
    loaded = Evaluation.objects.select_related("vendor", "contract", "template").in_bulk(ids)
    rounds, hashes, plans = [], {}, []
    for evaluation in submitted:
        canonical, digest = signoff.canonical_content(loaded[evaluation.pk])
        hashes[evaluation.pk] = digest
        outcome = ROUND_OUTCOMES[evaluation.status]
        rounds.append(
            SignoffRound(
                evaluation=evaluation,
                number=1,
                snapshot=canonical,
                content_hash=digest,
                submitted_by=evaluation.author,
                submitted_at=evaluation.submitted_at,
                outcome=outcome,
                closed_at=None
                if outcome == SignoffRound.Outcome.OPEN
                else evaluation.decided_at or evaluation.submitted_at,
            )
        )
        plans.append(signoff.required_signoffs(evaluation, active))
    rounds = SignoffRound.objects.bulk_create(rounds, batch_size=BATCH)
    for evaluation in submitted:
        evaluation.content_hash = hashes[evaluation.pk]
    Evaluation.objects.bulk_update(submitted, ["content_hash"], batch_size=BATCH)
    requirements = RequiredSignoff.objects.bulk_create(
        [
            RequiredSignoff(round=r, role=need.role, slot=need.slot, stage=need.stage, reason=need.reason)
            for r, needs in zip(rounds, plans, strict=True)
            for need in needs
        ],
        batch_size=BATCH,
    )
    signatures, rejected = [], set()
    for requirement in requirements:
        signoff_round = requirement.round
        if signoff_round.outcome == SignoffRound.Outcome.APPROVED:
            decision = Signature.Decision.APPROVE
        elif signoff_round.outcome == SignoffRound.Outcome.REJECTED and signoff_round.pk not in rejected:
            decision = Signature.Decision.REJECT  # the first signer's rejection decides the round
            rejected.add(signoff_round.pk)
        else:
            continue
        signer = by_name[
            f"bench.{requirement.role}" + (str(requirement.slot) if requirement.slot > 1 else "")
        ]
        signatures.append(
            Signature(
                round=signoff_round,
                requirement=requirement,
                role=requirement.role,
                signer=signer,
                signer_name=audit.actor_display(signer),
                decision=decision,
                comment=""
                if decision == Signature.Decision.APPROVE
                else "The exit terms leave us locked in.",
                meaning=signoff.signature_meaning(decision, requirement.role),
                content_hash=signoff_round.content_hash,
                signed_at=signoff_round.closed_at,
                request_token=uuid.UUID(int=rng.getrandbits(128)),
            )
        )
    Signature.objects.bulk_create(signatures, batch_size=BATCH)


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


def _capacity_plan(rng: random.Random, vendors: list[Vendor], now) -> None:
    """Forecasts for every tier over the plan's longest window, most capacity lines (partly)
    allocated to a tier, and demand visibility (two records) for half the vendors."""
    today = timezone.localdate()
    quarters = Quarter.containing(today).following(MAX_QUARTERS + 1)
    DemandForecast.objects.bulk_create(
        DemandForecast(tier=tier, quarter=str(q), p50_gpu_hours=p50, p90_gpu_hours=p50 * 3 // 2, note="Bench")
        for tier in WorkloadTier.values
        for q in quarters
        for p50 in [rng.randint(1, 40) * 1_000_000]
    )
    tiers = WorkloadTier.values
    allocations = []
    for line_id in (
        CapacityLine.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=BATCH)
    ):
        if rng.random() < 0.7:
            first, second = rng.sample(tiers, 2)
            share = Decimal(rng.choice([25, 50, 60, 100]))
            allocations.append(CapacityAllocation(line_id=line_id, tier=first, share_percent=share))
            if share < 100 and rng.random() < 0.5:
                allocations.append(
                    CapacityAllocation(line_id=line_id, tier=second, share_percent=100 - share)
                )
    CapacityAllocation.objects.bulk_create(allocations, batch_size=BATCH)
    DemandVisibility.objects.bulk_create(
        (
            DemandVisibility(
                vendor=vendor,
                recorded_on=today - dt.timedelta(days=days),
                lead_time_days=rng.choice([30, 45, 60, 90, 120, 180]),
                utilisation_shared=shared,
                utilisation_percent=rng.randint(40, 99) if shared else None,
                reservation_options="1-year reservations",
            )
            for vendor in vendors[::2]
            for days, shared in ((400, False), (rng.randint(1, 200), rng.random() < 0.5))
        ),
        batch_size=BATCH,
    )


OFFER_CURRENCIES = ["EUR", "USD", "GBP"]
TCE_TIER = WorkloadTier.EXPERIMENTAL_TRAINING


def _costs(rng: random.Random, vendors: list[Vendor]) -> None:
    """Three offers (with committed, burst and emergency lines) for a tenth of the vendors, a
    month of daily exchange rates into EUR, a cost of delay per tier, and one saved comparison of
    six offers for the training tier, frozen as `comparison_save` freezes it."""
    today = timezone.localdate()
    ExchangeRate.objects.bulk_create(
        ExchangeRate(base_currency=base, quote_currency="EUR", rate=rate, on=today - dt.timedelta(days=days))
        for days in range(30)
        for base, rate in (("USD", Decimal("0.92")), ("GBP", Decimal("1.17")))
    )
    CostOfDelay.objects.bulk_create(
        CostOfDelay(tier=tier, per_day=Decimal(rng.choice([800, 2400, 6000, 15000])), currency="EUR")
        for tier in WorkloadTier.values
    )
    offers = Offer.objects.bulk_create(
        Offer(
            vendor=vendor,
            name=f"{name} {n + 1}",
            billing_currency=rng.choice(OFFER_CURRENCIES),
            storage_rate_per_gb_month=Decimal("0.02"),
            egress_rate_per_gb=Decimal(rng.choice(["0", "0.02", "0.05", "0.09"])),
            exit_egress_rate_per_gb=Decimal(rng.choice(["0", "0.05", "0.12"])),
            queue_wait_hours=Decimal(rng.choice([0, 24, 72, 336])),
            switching_engineer_days=Decimal(rng.choice([5, 20, 60])),
            engineer_day_rate=Decimal(900),
            parallel_run_weeks=Decimal(rng.choice([0, 2, 4])),
            loss_probability=Decimal(rng.choice([2, 5, 10])),
        )
        for vendor in vendors[: max(6, len(vendors) // 10)]
        for n, name in enumerate(["Reserved block", "Burst pool", "Training cluster"])
    )
    lines = []
    for offer in offers:
        accelerator = rng.choice(ACCELERATORS)
        price = Decimal(rng.randint(150, 400)) / 100
        lines.append(
            OfferLine(
                offer=offer,
                band="committed",
                accelerator_class=accelerator,
                quantity=rng.choice([64, 128, 256, 512]),
                list_unit_price=price * Decimal("1.3"),
                contracted_unit_price=price,
                effective_unit_price=price * Decimal("0.95"),
                commitment_term_months=rng.choice([12, 24, 36]),
                expected_utilisation_percent=Decimal(rng.randint(55, 95)),
            )
        )
        for band, markup in (("burst", "1.6"), ("emergency", "2.5"))[: rng.randint(0, 2)]:
            lines.append(
                OfferLine(
                    offer=offer,
                    band=band,
                    accelerator_class=accelerator,
                    quantity=rng.choice([16, 32, 64]),
                    contracted_unit_price=price * Decimal(markup),
                    effective_unit_price=price * Decimal(markup),
                )
            )
    OfferLine.objects.bulk_create(lines, batch_size=BATCH)
    compared = list(comparing.offers_with_lines([offer.pk for offer in offers[:6]]))
    request = comparing.Request(
        tier=TCE_TIER,
        gpu_hours_per_month=Decimal(150_000),
        horizon_months=24,
        reporting_currency="EUR",
        as_of=today,
        name="Bench: training tier, six offers",
        storage_gb=Decimal(200_000),
        egress_gb_per_month=Decimal(20_000),
        exit_data_gb=Decimal(500_000),
    )
    outcome = comparing.compare(request, compared)
    if not outcome.ok:
        raise RuntimeError(f"the bench comparison cannot be computed: {outcome.refusals}")
    snapshot = outcome.result.as_snapshot()
    comparison = Comparison.objects.create(
        name=request.name,
        tier=request.tier,
        gpu_hours_per_month=request.gpu_hours_per_month,
        storage_gb=request.storage_gb,
        egress_gb_per_month=request.egress_gb_per_month,
        exit_data_gb=request.exit_data_gb,
        horizon_months=request.horizon_months,
        reporting_currency=request.reporting_currency,
        as_of=today,
        snapshot=snapshot,
        sha256=tce.snapshot_sha256(snapshot),
    )
    comparison.offers.set(compared)


def _to_milliseconds(moment: dt.datetime) -> dt.datetime:
    # As `audit.record` stores event times: a restored dump must still match the hashed text.
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _audit_events(rng, count: int, users: list[User], audited: list[tuple[str, Any]], now) -> None:
    """A valid chain: a creation event for every audited object, then updates skewed to a few of them."""
    label_fields = {"vendor": "name", "contract": "reference", "evaluation": "title"}
    subjects = [(prefix, obj._meta.label_lower, obj) for prefix, obj in audited]
    plan = [(prefix, object_type, obj, "create") for prefix, object_type, obj in subjects][:count]
    if subjects:
        weights = [1 / (i + 1) for i in range(len(subjects))]
        for prefix, object_type, obj in rng.choices(subjects, weights=weights, k=count - len(plan)):
            plan.append((prefix, object_type, obj, "update"))
    plan += [("auth", "auth.user", rng.choice(users), "login") for _ in range(count - len(plan))]

    start = now - dt.timedelta(days=730)
    step = (now - start) / max(count, 1)
    write = _copy_audit_rows if connection.vendor == "postgresql" else _insert_audit_rows
    rows, prev_hash = [], AuditEvent.GENESIS_HASH
    for sequence, (prefix, object_type, obj, verb) in enumerate(plan, start=1):
        actor = rng.choice(users)
        if verb == "create":
            changes = {label_fields[prefix]: [None, getattr(obj, label_fields[prefix])]}
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
        # The chain as `audit.record` writes it: the canonical text and its hash, linked.
        canonical = audit.canonical_json(fields)
        prev_hash = audit.compute_hash(canonical)
        rows.append({**fields, "canonical": canonical, "hash": prev_hash})
        if len(rows) == BATCH * 10:
            write(rows)
            rows = []
    write(rows)


def _insert_audit_rows(rows: list[dict[str, Any]]) -> None:
    AuditEvent.objects.bulk_create([AuditEvent(**row) for row in rows], batch_size=BATCH)


def _copy_audit_rows(rows: list[dict[str, Any]]) -> None:
    """PostgreSQL's COPY: a million events in well under a minute, where model instances
    through `bulk_create` take minutes. The columns are the model's, the values as stored."""
    from psycopg import sql

    names = [*audit.CHAINED_FIELDS, "canonical", "hash"]
    columns = [AuditEvent._meta.get_field(name).column for name in names]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(AuditEvent._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([json.dumps(row[name]) if name == "changes" else row[name] for name in names])
