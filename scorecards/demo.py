"""Demo evaluations: several vendors, two needs with competing offers, and a vendor's history.

Written through the services by the demo procurement users. Idempotent: an evaluation whose
vendor and title already exist is left alone. All vendors and findings are fictional.
"""

import uuid
from dataclasses import dataclass, field, fields
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from costs import demo as costs_demo
from costs import services as costs_services
from costs.models import Comparison
from procurement.demo import DEMO_PASSWORD
from vendors.models import Vendor, WorkloadTier

from . import scoring, services, signoff
from .models import DataSensitivity, Evaluation, ScorecardTemplate, Signature

T = WorkloadTier
D = DataSensitivity


@dataclass
class DemoEvaluation:
    vendor: str
    contract: str | None
    title: str
    purpose: str
    tier: str
    sensitivity: str
    amount: str
    currency: str
    author: str
    months_ago: int
    # kind: (score, rationale, [(title, url)])
    scores: dict[str, tuple[int, str, list[tuple[str, str]]]] = field(default_factory=dict)


TRAINING_NEED = (
    "Reserve about 1,000 H200-class accelerators for 18 months from Q2 2027 to train the next model "
    "family. Jobs run for weeks; a lost week of capacity delays the launch by more than a week."
)
EU_INFERENCE_NEED = (
    "Serve the customer-support assistant for EU customers: personal data must stay in the EU, "
    "p95 latency under 400 ms, and capacity must follow a seasonal peak of three times the base load."
)

EVALUATIONS = [
    DemoEvaluation(
        "Forgeline Tensor",
        "FT-MSA-2026",
        "2027 model family training capacity: Forgeline",
        TRAINING_NEED,
        T.EXPERIMENTAL_TRAINING,
        D.INTERNAL,
        "27750000.00",
        "USD",
        "priya",
        1,
        {
            "capacity": (
                5,
                "1,024 H200 committed in us-central with a 256-GPU burst pool and 64 B200 for emergencies; "
                "their last three deliveries to us arrived within the promised two weeks.",
                [("Order form capacity schedule", "https://docs.example.test/forgeline/order-form-2026")],
            ),
            "portability": (
                3,
                "Jobs run from our own containers on their Slurm, but checkpoints land in their "
                "object store and bulk export needs a support ticket and a week of lead time.",
                [],
            ),
            "resilience": (
                3,
                "Two data halls on one campus; failover between halls was demonstrated once, not "
                "on a schedule, and no RTO is written into the contract.",
                [],
            ),
            "compliance": (
                4,
                "SOC 2 Type II current, US-only processing suits internal training data; access "
                "by their staff is logged and reviewable on request.",
                [],
            ),
            "commercial": (
                3,
                "Committed spend can move to B200 at list-price parity, but ramp-down is not "
                "possible before month 24 and the transition-assistance clause is missing.",
                [],
            ),
        },
    ),
    DemoEvaluation(
        "Nimbus Scale",
        "NS-2025-017",
        "2027 model family training capacity: Nimbus Scale",
        TRAINING_NEED,
        T.EXPERIMENTAL_TRAINING,
        D.INTERNAL,
        "18500000.00",
        "USD",
        "omar",
        1,
        {
            "capacity": (
                4,
                "768 H100/H200 committed across two US regions with 128 in burst; H200 lead time "
                "quoted at eight weeks, which is tight for a Q2 start.",
                [],
            ),
            "portability": (
                2,
                "The training pipeline leans on their managed scheduler and proprietary "
                "checkpoint service; moving would mean rewriting the orchestration layer.",
                [],
            ),
            "resilience": (
                4,
                "Multi-region by design, failover of the control plane rehearsed quarterly, and "
                "a contractual RTO of four hours for the reservation service.",
                [("Resilience whitepaper", "https://docs.example.test/nimbus/resilience-2026")],
            ),
            "compliance": (
                4,
                "Broad certification set, data stays in named US regions, and customer-managed "
                "keys cover our checkpoints and datasets.",
                [],
            ),
            "commercial": (
                4,
                "All exit-rights clauses are present; ramp-down of twenty percent a year is allowed "
                "and price protection holds for the full term.",
                [],
            ),
        },
    ),
    DemoEvaluation(
        "Helix GPU Cloud",
        "HX-0042",
        "2027 model family training capacity: Helix burst",
        TRAINING_NEED,
        T.EXPERIMENTAL_TRAINING,
        D.INTERNAL,
        "3100000.00",
        "USD",
        "priya",
        1,
        {
            "capacity": (
                3,
                "Only 256 H100 in burst with no committed band; enough for ablations, not for the "
                "main run, and allocations were cut twice during last spring's shortage.",
                [],
            ),
            "portability": (
                4,
                "Plain Kubernetes with our own images and open checkpoint formats; we moved a "
                "workload off Helix in two days during the pilot.",
                [],
            ),
            "resilience": (
                2,
                "Helix runs inside Nimbus Scale us-east, so a Nimbus regional outage is also a Helix "
                "outage; there is no second region and no tested failover.",
                [],
            ),
            "compliance": (
                3,
                "SOC 2 Type I only, Type II audit due next quarter; acceptable for internal "
                "training data but nothing more sensitive.",
                [],
            ),
            "commercial": (
                2,
                "Monthly terms look flexible, but only termination for convenience and support "
                "escalation are in writing; every other exit right is unrecorded.",
                [],
            ),
        },
    ),
    DemoEvaluation(
        "Stratoverse Cloud",
        "SV-EU-2026-02",
        "EU customer-support assistant inference: Stratoverse",
        EU_INFERENCE_NEED,
        T.HOT_INFERENCE,
        D.REGULATED,
        "6200000.00",
        "EUR",
        "omar",
        0,
        {
            "capacity": (
                4,
                "320 L40S committed in eu-west covers the base load; the 64 H100 emergency band in "
                "eu-north absorbs the seasonal peak with a one-day activation.",
                [],
            ),
            "portability": (
                3,
                "Serving runs on standard containers, but the autoscaling relies on their managed "
                "gateway, which we would have to replace to move.",
                [],
            ),
            "resilience": (
                4,
                "Active-active across eu-west and eu-north with a tested failover last quarter; "
                "RPO zero for stateless serving and RTO of fifteen minutes.",
                [],
            ),
            "compliance": (
                5,
                "EU-resident processing under an Irish entity, EU-only support staff, customer-managed "
                "keys and a current ISO 27001 and C5 attestation.",
                [("C5 attestation summary", "https://docs.example.test/stratoverse/c5-2026")],
            ),
            "commercial": (
                2,
                "The contract has no ramp-down and no service substitution: after the peak season "
                "we keep paying for the full committed pool.",
                [],
            ),
        },
    ),
    DemoEvaluation(
        "Nordlys Bare Metal",
        "NBM-2025-11",
        "EU customer-support assistant inference: Nordlys",
        EU_INFERENCE_NEED,
        T.HOT_INFERENCE,
        D.REGULATED,
        "2950000.00",
        "NOK",
        "priya",
        0,
        {
            "capacity": (
                3,
                "192 dedicated H100 in Oslo is ample for the base load, but the peak needs the 48-node "
                "emergency band in Stavanger, which takes a week to bring up.",
                [],
            ),
            "portability": (
                4,
                "Bare metal with our own Kubernetes distribution: nothing proprietary between us "
                "and the hardware, so moving is a redeployment, not a rewrite.",
                [],
            ),
            "resilience": (
                3,
                "Two sites 300 km apart, but failover is ours to build and operate; they guarantee "
                "hardware replacement within four hours.",
                [],
            ),
            "compliance": (
                4,
                "Norway is EEA with an adequacy path for our data; ISO 27001 certified, and the "
                "only remote hands are their own staff in Oslo.",
                [],
            ),
            "commercial": (
                4,
                "Short term with ramp-down and substitution rights, but no capacity-transparency "
                "clause: we would not see their utilisation or refresh plans.",
                [],
            ),
        },
    ),
    DemoEvaluation(
        "雲海コンピュート",
        "UK-PoC-01",
        "Tokyo inference pilot for the APAC launch",
        "Serve the assistant to Japanese customers from Tokyo during a six-month pilot before the APAC launch.",
        T.HOT_INFERENCE,
        D.CONFIDENTIAL,
        "450000.00",
        "USD",
        "omar",
        0,
        {
            "capacity": (
                3,
                "32 H100 in Tokyo is enough for the pilot; they have not said how they would "
                "scale beyond it for the launch.",
                [],
            ),
            "portability": (
                4,
                "Standard containers on managed Kubernetes with open model formats; the pilot "
                "could move to another Tokyo provider within a week.",
                [],
            ),
            "resilience": (
                2,
                "A single data centre in Tokyo with no second site; an outage there stops the "
                "pilot until it is repaired.",
                [],
            ),
            "compliance": (
                2,
                "No ISMAP registration yet and no written answer on who can reach customer "
                "prompts; confidential data cannot go there until that is fixed.",
                [],
            ),
            "commercial": (
                3,
                "Only termination for convenience is in the draft, at thirty days' notice; price "
                "protection and ramp-down are still being negotiated.",
                [],
            ),
        },
    ),
    DemoEvaluation(
        "Nimbus Scale",
        "NS-2025-017",
        "Enterprise GPU reservation: first review",
        "Decide whether to move our H100 reservation to Nimbus Scale from the expiring colocation cage.",
        T.NEARLINE_BATCH,
        D.INTERNAL,
        "15000000.00",
        "USD",
        "priya",
        14,
        {
            "capacity": (
                3,
                "Reservation of 512 H100 confirmed in one region only, with a twelve-week lead "
                "time for anything above it.",
                [],
            ),
            "portability": (
                2,
                "Our batch pipeline would depend on their managed scheduler from day one, with no "
                "plan for running it anywhere else.",
                [],
            ),
            "resilience": (
                3,
                "Single-region reservation; the second region was offered only at on-demand "
                "prices, which we did not take.",
                [],
            ),
            "compliance": (
                4,
                "Certifications and data residency fit internal batch data; keys are managed by "
                "us through their key service.",
                [],
            ),
            "commercial": (
                3,
                "Price protection for two years, but ramp-down was limited to ten percent and "
                "substitution was not offered.",
                [],
            ),
        },
    ),
    DemoEvaluation(
        "Železo Hosting",
        "ZH-2023-05",
        "Batch cluster lease renewal",
        "Decide whether to renew the Prague A100 lease for nightly batch embedding jobs for another two years.",
        T.NEARLINE_BATCH,
        D.INTERNAL,
        "780000.00",
        "EUR",
        "omar",
        3,
        {
            "capacity": (
                3,
                "96 A100 cover tonight's batch volume, but the next model generation needs H100-class "
                "nodes they cannot promise before next year.",
                [],
            ),
            "portability": (
                4,
                "Plain virtual machines and our own job runner; the batch jobs moved here from "
                "another host in a weekend and could move back the same way.",
                [],
            ),
            "resilience": (
                3,
                "Single site, but batch jobs tolerate a day's delay and restart from checkpoints "
                "we keep in our own storage.",
                [],
            ),
            "compliance": (
                4,
                "EU processing in Prague, ISO 27001 certified, and no remote access without a "
                "ticket we approve.",
                [],
            ),
            "commercial": (
                3,
                "Termination at sixty days for a fixed fee is fair, but there is no transition "
                "assistance if we leave at the end of the term.",
                [],
            ),
        },
    ),
]


def seed(vendors: dict[str, Vendor] | None = None) -> list[Evaluation]:
    """Create the demo evaluations that do not exist yet; return all of them."""
    vendors = vendors or {v.name: v for v in Vendor.objects.all()}
    users = {u.username: u for u in User.objects.filter(username__in={e.author for e in EVALUATIONS})}
    template = ScorecardTemplate.objects.filter(key="standard").order_by("-version").first()
    created = []
    for spec in EVALUATIONS:
        vendor = vendors.get(spec.vendor)
        author = users.get(spec.author)
        if vendor is None or author is None or template is None:
            continue
        existing = Evaluation.objects.filter(vendor=vendor, title=spec.title).first()
        if existing:
            created.append(existing)
            continue
        contract = vendor.contracts.filter(reference=spec.contract).first() if spec.contract else None
        evaluation = services.evaluation_create(
            actor=author,
            vendor=vendor,
            contract=contract,
            template=template,
            title=spec.title,
            purpose=spec.purpose,
            tier=spec.tier,
            data_sensitivity=spec.sensitivity,
            commitment_amount=Decimal(spec.amount),
            commitment_currency=spec.currency,
        )
        dimensions = {d.kind: d.pk for d in template.dimensions.all()}
        services.evaluation_save_scores(
            actor=author,
            evaluation=evaluation,
            entries={
                dimensions[kind]: services.ScoreEntry(score=score, rationale=rationale, links=links)
                for kind, (score, rationale, links) in spec.scores.items()
            },
        )
        if spec.months_ago:
            # Demo history only: spread the evaluations over time so the vendor trend shows a line.
            Evaluation.objects.filter(pk=evaluation.pk).update(
                created_at=timezone.now() - timedelta(days=30 * spec.months_ago)
            )
        created.append(evaluation)
    seed_tce(created)
    seed_signoffs(created)
    return created


# TCE evidence: the costs demo's three training offers, compared and attached ---------------

# The draft evaluation of the vendor with the cheapest GPU-hour, which is the dearest TCE.
TCE_EVALUATION = "2027 model family training capacity: Nimbus Scale"


def seed_tce(evaluations: list[Evaluation]) -> Comparison | None:
    """Save the costs demo's comparison of the training offers once, and attach it to the Nimbus
    Scale draft if nothing is attached yet. Does nothing without the costs demo's offers."""
    evaluation = next((e for e in evaluations if e.title == TCE_EVALUATION), None)
    offers = costs_demo.training_offers()
    if evaluation is None or len(offers) < len(costs_demo.OFFERS):
        return None
    request = costs_demo.training_request()
    comparison = Comparison.objects.filter(name=request.name).order_by("pk").first()
    if comparison is None:
        inputs = {f.name: getattr(request, f.name) for f in fields(request)}
        comparison = costs_services.comparison_save(actor=evaluation.author, offers=offers, **inputs)
    evaluation.refresh_from_db()
    if evaluation.is_draft and evaluation.tce_comparison_id is None:
        services.evaluation_attach_tce(actor=evaluation.author, evaluation=evaluation, comparison=comparison)
    return comparison


# Sign-off: every state, and something in each signer's inbox -------------------------------

A, AC, R, RC = (
    Signature.Decision.APPROVE,
    Signature.Decision.APPROVE_WITH_CONDITIONS,
    Signature.Decision.REJECT,
    Signature.Decision.REQUEST_CHANGES,
)
# title: [(username, role, decision, comment)] signed in order after submission
SIGNOFFS = {
    # Approved, with conditions.
    "2027 model family training capacity: Forgeline": [
        ("lena", "legal", A, ""),
        (
            "felix",
            "finance",
            AC,
            "Approved if the B200 substitution right is confirmed in writing before signature.",
        ),
        ("fiona", "finance", A, ""),
        (
            "pavel",
            "platform",
            AC,
            "Checkpoint export must be tested end to end before the first training run.",
        ),
    ],
    # Changes requested: back with the author, the first round's signatures void.
    "2027 model family training capacity: Helix burst": [
        ("lena", "legal", A, ""),
        (
            "felix",
            "finance",
            RC,
            "Only two exit rights are recorded: get the others into the order form first.",
        ),
    ],
    # Awaiting signatures, some given: finance (twice) and platform still to sign.
    "EU customer-support assistant inference: Stratoverse": [
        ("lena", "legal", A, ""),
        (
            "sofia",
            "security",
            AC,
            "Customer-managed keys must be enabled before any personal data is loaded.",
        ),
    ],
    # Awaiting every signature: one item in each signer's inbox.
    "EU customer-support assistant inference: Nordlys": [],
    # Rejected: the compliance gate failed.
    "Tokyo inference pilot for the APAC launch": [
        (
            "lena",
            "legal",
            R,
            "Compliance is below our minimum: no ISMAP registration and no answer on access to prompts.",
        ),
    ],
    # Approved over a year ago: its re-evaluation is overdue.
    "Batch cluster lease renewal": [
        ("lena", "legal", A, ""),
        ("felix", "finance", A, ""),
    ],
    # Approved, then superseded by a revision that was approved in turn.
    "Enterprise GPU reservation: first review": [
        ("lena", "legal", A, ""),
        ("felix", "finance", AC, "Review the reservation again when the storage contract renews."),
        ("fiona", "finance", A, ""),
    ],
}
OVERDUE_DECISION_MONTHS = 13
REVISED_TITLE = "Enterprise GPU reservation: renewal review"


def seed_signoffs(evaluations: list[Evaluation]) -> None:
    """Walk the demo evaluations through sign-off once (an evaluation with a round is left alone)."""
    users = {
        u.username: u for u in User.objects.filter(username__in={"lena", "felix", "fiona", "sofia", "pavel"})
    }
    by_title = {e.title: e for e in evaluations}
    for title, steps in SIGNOFFS.items():
        evaluation = by_title.get(title)
        if evaluation is None or evaluation.rounds.exists() or any(u not in users for u, *_ in steps):
            continue
        _sign_through(evaluation, steps, users)
        if title == "Batch cluster lease renewal":
            # Demo only: a decision taken 13 months ago, so the dashboard shows an overdue re-evaluation.
            decided = timezone.now() - timedelta(days=30 * OVERDUE_DECISION_MONTHS)
            Evaluation.objects.filter(pk=evaluation.pk).update(
                decided_at=decided,
                reevaluation_due=scoring.add_months(
                    timezone.localdate(decided), settings.REEVALUATION_MONTHS
                ),
            )
        if title == "Enterprise GPU reservation: first review":
            _revise(evaluation, users)


def _sign_through(evaluation: Evaluation, steps, users) -> None:
    signoff.evaluation_submit(actor=evaluation.author, evaluation=evaluation)
    for username, role, decision, comment in steps:
        signoff.signoff_record(
            actor=users[username],
            evaluation=evaluation,
            role=role,
            decision=decision,
            comment=comment,
            password=DEMO_PASSWORD,
            request_token=uuid.uuid4(),
        )


def _revise(evaluation: Evaluation, users) -> None:
    revision = signoff.evaluation_revise(actor=evaluation.author, evaluation=evaluation)
    services.evaluation_update(
        actor=evaluation.author,
        evaluation=revision,
        title=REVISED_TITLE,
        purpose="Renew the H100/H200 reservation with Nimbus Scale for three more years, now across two regions.",
        commitment_amount=Decimal("18500000.00"),
    )
    commercial = revision.scores.get(dimension__kind="commercial")
    services.evaluation_save_scores(
        actor=evaluation.author,
        evaluation=revision,
        entries={
            commercial.dimension_id: services.ScoreEntry(
                score=4,
                rationale="The renewal adds twenty percent yearly ramp-down and full price protection for the term.",
            )
        },
    )
    revision.refresh_from_db()
    _sign_through(
        revision,
        [("lena", "legal", A, ""), ("felix", "finance", A, ""), ("fiona", "finance", A, "")],
        users,
    )
