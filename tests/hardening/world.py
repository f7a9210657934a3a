"""A small register with one object of every kind, and one person per role, for the sweep.

The access matrix and the hostile-input tests request every URL against this world. Objects are
made through the services where that is cheap (so they look like real ones, audit events
included) and through factories otherwise. `World.kwargs(...)` fills a URL's arguments.
"""

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from capacity import services as capacity_services
from costs import services as costs_services
from dora.models import FinancialEntity, Submission, SubmissionRequirement
from procurement import api_tokens, policies
from procurement.models import ApiToken
from scorecards import records, signoff
from scorecards import services as scorecard_services
from scorecards.models import Evaluation, RequiredSignoff
from tests.costs.factories import COMMITTED_LINE
from tests.procurement.factories import PASSWORD, admin_user, user_with_role
from tests.resilience.factories import RehearsalFactory, WorkloadFactory, compute
from tests.scorecards.factories import PNG_BYTES, RATIONALE, all_scores, evaluation_with_contract
from tests.vendors.factories import PDF_BYTES, CapacityLineFactory, ContractFactory, VendorFactory
from vendors import services as vendor_services

# Everyone the matrix asks about. "anonymous" is not signed in; "no_role" is signed in with no role;
# "vendor_contact" is not signed in either but holds a questionnaire portal link (its token opened
# the portal first, and is sent as the API's bearer token): it must reach the portal and nothing else.
PRINCIPALS = [
    "anonymous",
    "vendor_contact",
    "no_role",
    "procurement",
    "legal",
    "finance",
    "security",
    "platform",
    "auditor",
    "admin",
]
ROLE_PRINCIPALS = [
    policies.PROCUREMENT,
    policies.LEGAL,
    policies.FINANCE,
    policies.SECURITY,
    policies.PLATFORM,
]
# An id no row has: what someone guessing ids would try.
MISSING_ID = 987_654


@dataclass
class World:
    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)  # principal -> bearer secret
    objects: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.objects[name]
        except KeyError:
            raise AttributeError(name) from None


def _users() -> dict:
    users = {
        "no_role": user_with_role(None, username="nora.norole"),
        "procurement": user_with_role(policies.PROCUREMENT, username="pat.procurement"),
        "legal": user_with_role(policies.LEGAL, username="lee.legal"),
        "finance": user_with_role(policies.FINANCE, username="fay.finance"),
        "security": user_with_role(policies.SECURITY, username="sam.security"),
        "platform": user_with_role(policies.PLATFORM, username="pia.platform"),
        "auditor": user_with_role(policies.AUDITOR, username="aud.auditor"),
        "admin": admin_user(username="ada.admin"),
    }
    # Another procurement author, whose drafts and tokens are "someone else's".
    users["other_procurement"] = user_with_role(policies.PROCUREMENT, username="oli.otherauthor")
    return users


def _token_for(user) -> str:
    if policies.can_use_api(user):
        return api_tokens.api_token_create(actor=user, name="sweep", read_only=False).secret
    # People without a role cannot create tokens; a token that exists anyway (e.g. made before
    # the role was taken away) must still be refused by every endpoint, so make one by hand.
    secret = api_tokens.TOKEN_PREFIX + uuid.uuid4().hex
    ApiToken.objects.create(
        user=user, name="orphan", prefix=secret[:8], digest=api_tokens.digest_of(secret), read_only=False
    )
    return secret


def _decide(evaluation: Evaluation, author) -> None:
    """Submit and have every required role approve, each by a different person."""
    signoff.evaluation_submit(actor=author, evaluation=evaluation)
    for n, requirement in enumerate(
        RequiredSignoff.objects.filter(round__evaluation=evaluation).order_by("pk"), start=1
    ):
        signer = user_with_role(requirement.role, username=f"signer{n}.{requirement.role}")
        signoff.signoff_record(
            actor=signer,
            evaluation=Evaluation.objects.get(pk=evaluation.pk),
            role=requirement.role,
            decision="approve",
            password=PASSWORD,
            request_token=uuid.uuid4(),
        )


def _questionnaires(world: World) -> None:
    """An open questionnaire (its contact's link opened, a file attached), one submitted for review
    with an answer and a file, and a revoked link."""
    from datetime import timedelta

    from django.utils import timezone

    from questionnaires import portal, services
    from tests.questionnaires.factories import PDF, answers_by_code, template, token_of

    procurement, o = world.users["procurement"], world.objects

    def sent(title, email):
        return services.questionnaire_send(
            actor=procurement,
            vendor=o["vendor"],
            template=template(),
            title=title,
            due_date=timezone.localdate() + timedelta(days=14),
            contacts=[services.Contact("Mira Solberg", email)],
        )

    o["questionnaire"] = sent("Due diligence", "mira@vendor.example")
    o["recipient"] = o["questionnaire"].recipients.get()
    o["portal_token"] = token_of(procurement, o["recipient"])
    portal.portal_open(recipient=o["recipient"])
    by_code = answers_by_code(o["questionnaire"])
    portal.portal_save(
        recipient=o["recipient"],
        values={},
        files={by_code["4.3"].question_id: [SimpleUploadedFile("iso.pdf", PDF)]},
    )
    o["portal_file"] = by_code["4.3"].files.get()
    o["submitted_questionnaire"] = sent("Reviewed", "jonas@vendor.example")
    submitted = o["submitted_questionnaire"]
    other_recipient = submitted.recipients.get()
    o["other_portal_token"] = token_of(procurement, other_recipient)
    by_code = answers_by_code(submitted)
    values = {
        "1.1": "256",
        "1.2": "30",
        "2.1": "eu-west",
        "4.1": ["ISO/IEC 27001"],
        "5.1": "0",
        "5.3": "15",
        "5.4": "120",
    }
    portal.portal_save(
        recipient=other_recipient,
        values={by_code[code].question_id: value for code, value in values.items()},
        files={by_code["4.3"].question_id: [SimpleUploadedFile("soc2.pdf", PDF)]},
        submit=True,
    )
    o["answer"] = by_code["1.1"]
    o["submitted_recipient"] = other_recipient
    revoked = sent("Withdrawn", "gone@vendor.example")
    o["revoked_token"] = token_of(procurement, revoked.recipients.get())
    services.recipient_revoke(actor=procurement, recipient=revoked.recipients.get())


def build_world() -> World:
    world = World(users=_users())
    procurement = world.users["procurement"]
    other = world.users["other_procurement"]
    o = world.objects

    o["vendor"] = VendorFactory(name="Nordlys Compute")
    # A vendor nothing refers to: the one whose delete page works.
    o["lonely_vendor"] = VendorFactory(name="Unused Vendor")
    o["contract"] = ContractFactory(vendor=o["vendor"], reference="NC-2026-01")
    o["capacity_line"] = CapacityLineFactory(contract=o["contract"])
    o["document"] = vendor_services.contract_document_add(
        actor=procurement,
        contract=o["contract"],
        uploaded=SimpleUploadedFile("msa.pdf", PDF_BYTES, content_type="application/pdf"),
        max_bytes=10_000_000,
    )
    o["clause_code"] = "termination-for-convenience"
    o["workload"] = WorkloadFactory(name="Chat inference")
    o["dependency"] = compute(o["workload"], o["vendor"], "committed", "64")
    o["rehearsal"] = RehearsalFactory(workload=o["workload"])
    o["forecast"] = capacity_services.demand_forecast_create(
        actor=procurement,
        tier="experimental_training",
        quarter="2027-Q1",
        p50_gpu_hours=800_000,
        p90_gpu_hours=1_000_000,
    )
    o["allocation"] = capacity_services.capacity_allocation_create(
        actor=procurement, line=o["capacity_line"], tier="experimental_training", share_percent=Decimal("50")
    )
    o["visibility"] = capacity_services.demand_visibility_record(
        actor=procurement, vendor=o["vendor"], recorded_on=date(2026, 1, 5), lead_time_days=90
    )

    # The total cost of execution: an offer, a rate, a cost of delay and a saved comparison.
    costs_services.cost_of_delay_set(
        actor=procurement, tier="experimental_training", per_day=Decimal("2400"), currency="EUR"
    )
    o["exchange_rate"] = costs_services.exchange_rate_create(
        actor=procurement,
        base_currency="USD",
        quote_currency="EUR",
        rate=Decimal("0.92"),
        on=date(2026, 1, 5),
    )
    o["offer"] = costs_services.offer_create(
        actor=procurement,
        vendor=o["vendor"],
        name="Reserved block",
        billing_currency="USD",
        lines=[COMMITTED_LINE],
    )
    compared = costs_services.offer_create(
        actor=procurement,
        vendor=o["vendor"],
        name="Compared block",
        billing_currency="EUR",
        lines=[COMMITTED_LINE],
    )
    o["comparison"] = costs_services.comparison_save(
        actor=procurement,
        name="Training 2027",
        tier="experimental_training",
        offers=[compared],
        gpu_hours_per_month=Decimal("4000"),
        horizon_months=12,
        reporting_currency="EUR",
        as_of=date(2026, 1, 5),
    )

    o["draft"] = evaluation_with_contract(contract=o["contract"], author=procurement, scores=all_scores(4))
    score = o["draft"].scores.select_related("dimension").first()
    scorecard_services.evaluation_save_scores(
        actor=procurement,
        evaluation=o["draft"],
        entries={
            score.dimension_id: scorecard_services.ScoreEntry(
                score=4,
                rationale=RATIONALE,
                files=[SimpleUploadedFile("chart.png", PNG_BYTES, content_type="image/png")],
            )
        },
    )
    o["evidence"] = score.evidence.get()
    o["other_draft"] = evaluation_with_contract(contract=o["contract"], author=other, scores=all_scores(3))
    o["submitted"] = evaluation_with_contract(contract=o["contract"], author=other, scores=all_scores(4))
    signoff.evaluation_submit(actor=other, evaluation=o["submitted"])
    o["decided"] = evaluation_with_contract(contract=o["contract"], author=other, scores=all_scores(5))
    _decide(o["decided"], other)
    # Issued after commit in the app; the test transaction never commits, so issue it here.
    records.decision_record_issue(evaluation_id=o["decided"].pk, actor=other)
    o["template"] = o["draft"].template

    _questionnaires(world)
    # The register of information: its reporting entity and a package awaiting compliance's sign-off.
    o["dora_entity"] = FinancialEntity.objects.create(
        name="Sweep Bank AG",
        lei="5493001KJTIIGC8Y1R12",
        country="DE",
        entity_type="eba_CT:x12",
        maintains_register=True,
    )
    package = b"PK sweep package"
    o["submission"] = Submission.objects.create(
        ref_date=date(2026, 12, 31),
        filename="sweep.zip",
        package=package,
        sha256=hashlib.sha256(package).hexdigest(),
        size=len(package),
        author=other,
        created_at=timezone.now(),
    )
    SubmissionRequirement.objects.create(submission=o["submission"], role=policies.SECURITY)

    world.tokens = {name: _token_for(user) for name, user in world.users.items()}
    world.tokens["vendor_contact"] = o["portal_token"]
    o["own_token"] = ApiToken.objects.filter(user=procurement).first()
    o["other_token"] = ApiToken.objects.filter(user=other).first()
    return world
