"""Demo workloads, their dependencies and failover rehearsals, on the demo vendors.

The portfolio carries real concentration problems: a neocloud that runs on the hyperscaler it
is meant to back up, an EU workload with every band on one vendor, a critical API with no
emergency capacity, a batch job on a vendor we are leaving; some rehearsals are overdue and
one critical workload was never rehearsed. Written through the services by the platform lead,
so the audit trail shows it. Idempotent: a workload that exists is left alone. All fictional.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from vendors.models import CapacityBand, Layer, Vendor, WorkloadTier

from . import services
from .models import Criticality, Rehearsal, RehearsalScenario, Workload
from .models import LatencySensitivity as L

C, B, E = CapacityBand.COMMITTED, CapacityBand.BURST, CapacityBand.EMERGENCY
T = WorkloadTier
K = Criticality
S = RehearsalScenario
O = Rehearsal.Outcome  # noqa: E741 - a short name keeps the tables below readable

NIMBUS, STRATO, HELIX, FORGE = "Nimbus Scale", "Stratoverse Cloud", "Helix GPU Cloud", "Forgeline Tensor"
BOREAL, NORDLYS, ZELEZO, PILOT = (
    "Boréal Colocation Québec",
    "Nordlys Bare Metal",
    "Železo Hosting",
    "Pilotwire Managed AI",
)


@dataclass
class DemoRehearsal:
    days_ago: int
    scenario: str
    outcome: str
    recovery: int | None
    data_loss: int | None
    vendor: str | None = None
    follow_up: str = ""
    custom: str = ""
    others: str = ""


@dataclass
class DemoWorkload:
    name: str
    team: str
    owner: str
    tier: str
    criticality: str
    rto: int
    rpo: int
    latency: str
    notes: str
    # (layer, vendor, band, amount, region)
    deps: list[tuple[str, str, str, int, str]]
    rehearsals: list[DemoRehearsal] = field(default_factory=list)


WORKLOADS = [
    DemoWorkload(
        "Customer chat inference",
        "Assistant platform",
        "pavel",
        T.HOT_INFERENCE,
        K.CRITICAL,
        30,
        5,
        L.INTERACTIVE,
        "The product's main chat model. Helix was added as 'the second provider' last spring.",
        [
            ("compute", HELIX, C, 128, "us-east"),
            ("compute", NIMBUS, B, 32, "us-east"),
            ("compute", NIMBUS, E, 16, "us-west"),
            ("storage", NIMBUS, "", 100, "us-east"),
            ("networking", NIMBUS, "", 100, "us-east"),
            ("identity", NIMBUS, "", 100, ""),
            ("orchestration", HELIX, "", 100, "us-east"),
        ],
        [
            DemoRehearsal(
                40,
                S.REGION_OUTAGE,
                O.PARTIAL,
                52,
                4,
                NIMBUS,
                "Pre-warm the us-west emergency pool; the model weights took 30 minutes to copy.\n"
                "Ask Helix for capacity outside Nimbus us-east.",
                others="Helix on-call engineer",
            ),
        ],
    ),
    DemoWorkload(
        "EU claims triage (regulated)",
        "Insurance AI",
        "priya",
        T.HOT_INFERENCE,
        K.CRITICAL,
        60,
        15,
        L.NEAR_REAL_TIME,
        "Personal data: must stay in the EU. Only Stratoverse has EU-resident GPUs under contract today.",
        [
            ("compute", STRATO, C, 64, "eu-west"),
            ("compute", STRATO, B, 16, "eu-north"),
            ("compute", STRATO, E, 8, "eu-north"),
            ("storage", STRATO, "", 100, "eu-west"),
            ("identity", STRATO, "", 100, "eu-west"),
        ],
    ),
    DemoWorkload(
        "Search ranking embeddings",
        "Search",
        "pavel",
        T.NEARLINE_BATCH,
        K.HIGH,
        240,
        60,
        L.BATCH,
        "Re-embeds the catalogue every night; results may lag by a few hours.",
        [
            ("compute", FORGE, C, 96, "us-central"),
            ("compute", NIMBUS, B, 32, "us-east"),
            ("compute", NORDLYS, E, 16, "Oslo"),
            ("storage", NIMBUS, "", 70, "us-east"),
            ("storage", FORGE, "", 30, "us-central"),
            ("orchestration", FORGE, "", 100, "us-central"),
        ],
        [
            DemoRehearsal(
                20,
                S.PROVIDER_EXIT,
                O.PASSED,
                185,
                30,
                FORGE,
                "Automate the checkpoint copy to Nimbus storage.",
            ),
            DemoRehearsal(118, S.GPU_SHORTAGE, O.PASSED, 90, 0, FORGE),
        ],
    ),
    DemoWorkload(
        "Foundation model pre-training",
        "Research",
        "pavel",
        T.EXPERIMENTAL_TRAINING,
        K.HIGH,
        2880,
        240,
        L.TOLERANT,
        "Long runs; checkpoints every four hours. Queueing for days is acceptable, losing a week is not.",
        [
            ("compute", FORGE, C, 512, "us-south"),
            ("compute", HELIX, B, 128, "us-east"),
            ("compute", BOREAL, E, 64, "Montréal"),
            ("storage", FORGE, "", 60, "us-south"),
            ("storage", NIMBUS, "", 40, "us-east"),
        ],
        [
            DemoRehearsal(
                150,
                S.ARTIFACT_CORRUPTION,
                O.PASSED,
                2100,
                180,
                None,
                "Verify checkpoint hashes before every resume.",
            ),
        ],
    ),
    DemoWorkload(
        "Fraud scoring API",
        "Payments risk",
        "omar",
        T.HOT_INFERENCE,
        K.CRITICAL,
        15,
        1,
        L.INTERACTIVE,
        "Every card payment waits for this score. Burst capacity on Helix was meant as the fallback.",
        [
            ("compute", NIMBUS, C, 32, "us-east"),
            ("compute", HELIX, B, 16, "us-east"),
            ("storage", NIMBUS, "", 100, "us-east"),
            ("identity", NIMBUS, "", 100, ""),
        ],
        [
            DemoRehearsal(
                120,
                S.PROVIDER_EXIT,
                O.FAILED,
                None,
                12,
                NIMBUS,
                "Helix capacity sits in the same Nimbus region: find emergency capacity elsewhere.\n"
                "Replicate the feature store outside Nimbus.",
            ),
        ],
    ),
    DemoWorkload(
        "Nightly analytics batch",
        "Data platform",
        "pavel",
        T.NEARLINE_BATCH,
        K.MEDIUM,
        720,
        120,
        L.BATCH,
        "Being moved off Železo Hosting, which we are exiting.",
        [
            ("compute", ZELEZO, C, 48, "Prague"),
            ("compute", NORDLYS, B, 32, "Oslo"),
            ("storage", NIMBUS, "", 100, "eu-central"),
        ],
        [DemoRehearsal(60, S.BILLING_SPIKE, O.PASSED, 45, 0, ZELEZO)],
    ),
    DemoWorkload(
        "Reserve training cluster",
        "Research",
        "pavel",
        T.RESERVE,
        K.LOW,
        10080,
        1440,
        L.TOLERANT,
        "Idle most of the month; we keep it for when the main training vendor runs short.",
        [
            ("compute", BOREAL, C, 128, "Montréal"),
            ("storage", BOREAL, "", 100, "Montréal"),
        ],
    ),
    DemoWorkload(
        "Voice assistant inference",
        "Assistant platform",
        "pavel",
        T.HOT_INFERENCE,
        K.CRITICAL,
        30,
        5,
        L.INTERACTIVE,
        "Speech-to-text and reply generation for the voice product.",
        [
            ("compute", NIMBUS, C, 24, "us-west"),
            ("compute", NIMBUS, B, 8, "us-west"),
            ("compute", FORGE, E, 8, "us-central"),
            ("storage", NIMBUS, "", 100, "us-west"),
        ],
        [
            DemoRehearsal(
                12,
                S.REGION_OUTAGE,
                O.PASSED,
                24,
                3,
                NIMBUS,
                "Document the DNS switch in the runbook.",
            ),
        ],
    ),
    DemoWorkload(
        "Document OCR pipeline",
        "Back office",
        "omar",
        T.NEARLINE_BATCH,
        K.MEDIUM,
        480,
        60,
        L.BATCH,
        "Fully managed by Pilotwire: simple to run, hard to leave.",
        [
            ("compute", PILOT, C, 16, "eu-west"),
            ("storage", PILOT, "", 100, "eu-west"),
            ("orchestration", PILOT, "", 100, "eu-west"),
            ("support", PILOT, "", 100, ""),
        ],
        [
            DemoRehearsal(
                200,
                S.CUSTOM,
                O.PARTIAL,
                600,
                30,
                PILOT,
                "Export the pipeline definition monthly; Pilotwire's export needed a support ticket.",
                custom="Managed service API deprecation",
            ),
        ],
    ),
]


def seed(vendors: dict[str, Vendor]) -> dict[str, Workload]:
    """Create the demo workloads (skipping those that exist) and return them by name."""
    users = {u.username: u for u in User.objects.filter(username__in=["pavel", "priya", "omar", "admin"])}
    actor = users.get("pavel") or users.get("admin")
    layers = {layer.code: layer for layer in Layer.objects.all()}
    today = timezone.localdate()
    result: dict[str, Workload] = {}
    for demo in WORKLOADS:
        workload = Workload.objects.filter(name__iexact=demo.name).first()
        if workload is not None:
            result[demo.name] = workload
            continue
        workload = services.workload_create(
            actor=actor,
            name=demo.name,
            team=demo.team,
            owner=users.get(demo.owner),
            tier=demo.tier,
            criticality=demo.criticality,
            rto_minutes=demo.rto,
            rpo_minutes=demo.rpo,
            latency_sensitivity=demo.latency,
            notes=demo.notes,
        )
        for layer_code, vendor_name, band, amount, region in demo.deps:
            services.dependency_add(
                actor=actor,
                workload=workload,
                vendor=vendors[vendor_name],
                layer=layers[layer_code],
                band=band,
                amount=Decimal(amount),
                region=region,
            )
        for rehearsal in sorted(demo.rehearsals, key=lambda r: -r.days_ago):
            services.rehearsal_record(
                actor=actor,
                workload=workload,
                scenario=rehearsal.scenario,
                custom_scenario=rehearsal.custom,
                performed_on=today - timedelta(days=rehearsal.days_ago),
                outcome=rehearsal.outcome,
                recovery_minutes=rehearsal.recovery,
                data_loss_minutes=rehearsal.data_loss,
                vendor=vendors[rehearsal.vendor] if rehearsal.vendor else None,
                participants=[u for u in (users.get("pavel"), users.get(demo.owner)) if u],
                other_participants=rehearsal.others,
                follow_up_actions=rehearsal.follow_up,
            )
        result[demo.name] = workload
    return result
