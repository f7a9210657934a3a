"""Every change writes its audit event, in its own transaction (issue 14, point 8).

The write services are found, not listed: every public function of the service modules with a
keyword-only `actor`. CASES holds one real change through each of them; a new service fails
`test_every_write_service_has_a_case` until a case is added. Every concrete model of our apps
is written by some case or is in EXEMPT, with the reason.

Each case is a generator: what runs before its `yield` is setup (factories, or other services),
the step after it is the one service call that is measured. That call must leave exactly the
events the case names (one per changed object), and when `audit.record` fails, the call must
fail and leave every table of our apps exactly as it was: the event and the change share one
transaction.
"""

import hashlib
import importlib
import inspect
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from capacity import services as capacity
from costs import services as costs
from dora import services as dora
from dora.demo import demo_lei
from dora.models import Submission as RegisterSubmission
from procurement import accounts, api_tokens, audit, reminders
from procurement.models import AuditEvent, AuditVerification, Notified, SignInPolicy
from questionnaires.models import AnswerFile, PortalRateCounter, Submission
from resilience import services as workloads
from resilience.models import Rehearsal, RehearsalScenario
from scorecards import records, services, signoff
from scorecards.models import (
    DecisionRecord,
    DecisionRecordFailure,
    Evaluation,
    Evidence,
    Signature,
    SignoffPolicy,
)
from tests.costs.factories import COMMITTED_LINE
from tests.dora.factories import record_contract, record_function
from tests.hardening.matrix import rolled_back, watching_writes
from tests.procurement.factories import PASSWORD
from tests.resilience.factories import DependencyFactory, RehearsalFactory, WorkloadFactory, layer
from tests.scorecards.factories import (
    PNG_BYTES,
    RATIONALE,
    EvaluationFactory,
    all_scores,
    default_template,
    evaluation_with_contract,
    tce_comparison,
)
from tests.vendors.factories import (
    PDF_BYTES,
    CapacityLineFactory,
    ClauseFactory,
    ContractFactory,
    VendorFactory,
)
from vendors import services as vendor_services
from vendors.models import ExitRightClause, ExitRightKind, Layer

pytestmark = pytest.mark.django_db

APPS = ("procurement", "vendors", "resilience", "capacity", "costs", "scorecards", "questionnaires", "dora")


def service_modules() -> list[str]:
    """Every module of our apps (migrations and commands aside): a service is found wherever it is."""
    names = []
    for label in APPS:
        root = Path(apps.get_app_config(label).path)
        for path in sorted(root.rglob("*.py")):
            parts = path.relative_to(root.parent).with_suffix("").parts
            if "migrations" in parts or "management" in parts:
                continue
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return [name for name in names if name not in NOT_SERVICES]


# The trail itself: `audit.record` is what every service calls, not a change of its own.
NOT_SERVICES = {"procurement.audit"}


def write_services() -> dict[str, Callable]:
    """Every public function defined in a service module that takes a keyword-only `actor`."""
    found = {}
    for module_name in service_modules():
        module = importlib.import_module(module_name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != module.__name__:
                continue
            actor = inspect.signature(function).parameters.get("actor")
            if actor is not None and actor.kind is inspect.Parameter.KEYWORD_ONLY:
                assert name not in found, f"two services are called {name}: key CASES by module too"
                found[name] = function
    return found


def our_models() -> list[type]:
    """Every concrete model of our apps, and the tables of their many-to-many fields."""
    return [
        model
        for label in APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if not model._meta.proxy and model._meta.managed
    ]


def our_tables() -> list[str]:
    return sorted(
        t for t in connection.introspection.table_names() if t.startswith(tuple(f"{a}_" for a in APPS))
    )


# Cases -------------------------------------------------------------------------------------

Step = Iterator[None]


@dataclass(frozen=True)
class Case:
    run: Callable[[SimpleNamespace], Step]
    # The events the measured call writes, in order: one per changed object.
    actions: tuple[str, ...]
    # What the call raises when audit.record fails (None: it is an after-commit hook that logs).
    raises: type[BaseException] | None = RuntimeError


def new_pdf(name="msa.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES)


def specs(template) -> list[services.DimensionSpec]:
    return [
        services.DimensionSpec(
            kind=d.kind, name=d.name, guiding_questions=d.guiding_questions, weight=d.weight
        )
        for d in template.dimensions.all()
    ]


def sign(evaluation, user, role) -> Signature:
    return signoff.signoff_record(
        actor=user,
        evaluation=evaluation,
        role=role,
        decision=Signature.Decision.APPROVE,
        password=PASSWORD,
        request_token=uuid.uuid4(),
    )


def decided(author) -> Evaluation:
    """An approved evaluation, its decision audited as the sign-off service audits it."""
    evaluation = evaluation_with_contract(author=author, scores=all_scores(4))
    Evaluation.objects.filter(pk=evaluation.pk).update(status="approved", decided_at=timezone.now())
    evaluation.refresh_from_db()
    audit.record(
        actor=None,
        action="evaluation.approve",
        obj=evaluation,
        before={"status": "submitted"},
        after={"status": "approved"},
    )
    return evaluation


def submitted(author) -> Evaluation:
    evaluation = evaluation_with_contract(author=author, scores=all_scores(4))
    signoff.evaluation_submit(actor=author, evaluation=evaluation)
    evaluation.refresh_from_db()
    return evaluation


# procurement.api_tokens


def api_token_create(p):
    yield
    api_tokens.api_token_create(actor=p.procurement, name="CI export")


def api_token_revoke(p):
    token = api_tokens.api_token_create(actor=p.procurement, name="CI export").token
    yield
    api_tokens.api_token_revoke(actor=p.procurement, token=token)


# procurement.accounts (roles from the IdP's groups at an SSO sign-in)


def user_roles_sync(p):
    yield
    accounts.user_roles_sync(actor=p.procurement, user=p.procurement, roles={"auditor"}, provider="sso")


# procurement.reminders


def reminder_preferences_update(p):
    yield
    reminders.reminder_preferences_update(actor=p.procurement, choices={"vendors.notice_deadline": "digest"})


# vendors.services

VENDOR_ROW = {"name": "Nimbus Compute", "kind": "neocloud", "hq_jurisdiction": "Norway"}


def contract_row(vendor, reference="MSA-1"):
    return {
        "vendor": vendor,
        "reference": reference,
        "title": "GPU reservation",
        "start_date": timezone.localdate(),
        "end_date": timezone.localdate() + timedelta(days=365),
        "committed_spend": Decimal("250000.00"),
        "currency": "usd",
    }


def vendor_create(p):
    compute = layer("compute")
    yield
    vendor_services.vendor_create(actor=p.procurement, layers=[compute], **VENDOR_ROW)


def vendor_update(p):
    vendor = VendorFactory()
    storage = layer("storage")
    yield
    vendor_services.vendor_update(actor=p.procurement, vendor=vendor, notes="Reviewed.", layers=[storage])


def vendor_delete(p):
    vendor = VendorFactory(layers=[layer("compute")])
    yield
    vendor_services.vendor_delete(actor=p.procurement, vendor=vendor)


def vendors_import(p):
    yield
    vendor_services.vendors_import(actor=p.procurement, rows=[VENDOR_ROW, {**VENDOR_ROW, "name": "Fjord AI"}])


def contract_create(p):
    vendor = VendorFactory()
    yield
    vendor_services.contract_create(actor=p.procurement, **contract_row(vendor))


def contract_update(p):
    contract = ContractFactory()
    yield
    vendor_services.contract_update(actor=p.procurement, contract=contract, notice_period_days=30)


def contract_delete(p):
    line = CapacityLineFactory()
    ClauseFactory(contract=line.contract)
    yield
    vendor_services.contract_delete(actor=p.procurement, contract=line.contract)


def contracts_import(p):
    vendor = VendorFactory()
    yield
    vendor_services.contracts_import(actor=p.procurement, rows=[contract_row(vendor)])


def capacity_line_add(p):
    contract = ContractFactory()
    yield
    vendor_services.capacity_line_add(
        actor=p.procurement,
        contract=contract,
        accelerator_model="NVIDIA H200",
        count=8,
        region="eu-west",
        band="committed",
    )


def capacity_line_remove(p):
    line = CapacityLineFactory()
    yield
    vendor_services.capacity_line_remove(actor=p.procurement, line=line)


def contract_document_add(p):
    contract = ContractFactory()
    yield
    vendor_services.contract_document_add(
        actor=p.procurement, contract=contract, uploaded=new_pdf(), max_bytes=1024 * 1024
    )


def clause_set(p):
    contract = ContractFactory()
    kind = ExitRightKind.objects.filter(is_active=True).first()
    yield
    vendor_services.clause_set(
        actor=p.legal, contract=contract, kind=kind, status=ExitRightClause.Status.PRESENT, reference="§9"
    )


def exit_right_kind_save(p):
    ContractFactory()  # its count of missing exit rights changes with the new kind
    yield
    vendor_services.exit_right_kind_save(
        actor=p.admin, kind=ExitRightKind(code="source-escrow", name="Source-code escrow", position=99)
    )


# resilience.services


def workload_create(p):
    yield
    workloads.workload_create(
        actor=p.platform, name="Ranking inference", tier="hot_inference", rpo_minutes=5, rto_minutes=30
    )


def workload_update(p):
    workload = WorkloadFactory()
    yield
    workloads.workload_update(actor=p.platform, workload=workload, rto_minutes=15)


def dependency_add(p):
    workload, vendor, compute = WorkloadFactory(), VendorFactory(), layer("compute")
    yield
    workloads.dependency_add(
        actor=p.platform, workload=workload, vendor=vendor, layer=compute, band="committed", amount=Decimal(8)
    )


def dependency_update(p):
    dependency = DependencyFactory()
    yield
    workloads.dependency_update(actor=p.platform, dependency=dependency, amount=Decimal(16))


def dependency_remove(p):
    dependency = DependencyFactory()
    yield
    workloads.dependency_remove(actor=p.platform, dependency=dependency)


def rehearsal_record(p):
    workload = WorkloadFactory()
    yield
    workloads.rehearsal_record(
        actor=p.platform,
        workload=workload,
        scenario=RehearsalScenario.REGION_OUTAGE,
        performed_on=timezone.localdate() - timedelta(days=2),
        outcome=Rehearsal.Outcome.PASSED,
        recovery_minutes=20,
        data_loss_minutes=2,
        participants=[p.platform, p.procurement],
    )


def rehearsal_update(p):
    rehearsal = RehearsalFactory()
    yield
    workloads.rehearsal_update(
        actor=p.platform, rehearsal=rehearsal, recovery_minutes=45, participants=[p.platform]
    )


# capacity.services

FORECAST = {
    "tier": "experimental_training",
    "quarter": "2027-Q1",
    "p50_gpu_hours": 1000,
    "p90_gpu_hours": 2000,
}


def demand_forecast_create(p):
    yield
    capacity.demand_forecast_create(actor=p.procurement, **FORECAST)


def demand_forecast_update(p):
    forecast = capacity.demand_forecast_create(actor=p.procurement, **FORECAST)
    yield
    capacity.demand_forecast_update(actor=p.platform, forecast=forecast, p90_gpu_hours=3000)


def demand_forecast_delete(p):
    forecast = capacity.demand_forecast_create(actor=p.procurement, **FORECAST)
    yield
    capacity.demand_forecast_delete(actor=p.procurement, forecast=forecast)


def demand_forecasts_import(p):
    capacity.demand_forecast_create(actor=p.procurement, **FORECAST)
    yield
    capacity.demand_forecasts_import(
        actor=p.procurement,
        rows=[
            {**FORECAST, "p50_gpu_hours": 1500, "note": ""},
            {**FORECAST, "quarter": "2027-Q2", "note": ""},
        ],
    )


def capacity_allocation_create(p):
    line = CapacityLineFactory()
    yield
    capacity.capacity_allocation_create(
        actor=p.platform, line=line, tier="reserve", share_percent=Decimal("40")
    )


def capacity_allocation_update(p):
    allocation = capacity.capacity_allocation_create(
        actor=p.platform, line=CapacityLineFactory(), tier="reserve", share_percent=Decimal("40")
    )
    yield
    capacity.capacity_allocation_update(actor=p.platform, allocation=allocation, share_percent=Decimal("60"))


def capacity_allocation_delete(p):
    allocation = capacity.capacity_allocation_create(
        actor=p.platform, line=CapacityLineFactory(), tier="reserve", share_percent=Decimal("40")
    )
    yield
    capacity.capacity_allocation_delete(actor=p.platform, allocation=allocation)


def demand_visibility_record(p):
    vendor = VendorFactory()
    yield
    capacity.demand_visibility_record(
        actor=p.procurement, vendor=vendor, recorded_on=timezone.localdate(), lead_time_days=90
    )


def demand_visibility_update(p):
    record = capacity.demand_visibility_record(
        actor=p.procurement, vendor=VendorFactory(), recorded_on=timezone.localdate(), lead_time_days=90
    )
    yield
    capacity.demand_visibility_update(actor=p.procurement, record=record, lead_time_days=120)


# costs.services

OFFER_LINE = COMMITTED_LINE


def _offer(p, **fields):
    return costs.offer_create(
        actor=p.procurement,
        vendor=VendorFactory(),
        name="Reserved block",
        billing_currency="EUR",
        lines=[OFFER_LINE],
        **fields,
    )


def offer_create(p):
    vendor = VendorFactory()
    yield
    costs.offer_create(
        actor=p.procurement, vendor=vendor, name="Reserved block", billing_currency="EUR", lines=[OFFER_LINE]
    )


def offer_update(p):
    offer = _offer(p)
    yield
    costs.offer_update(
        actor=p.procurement, offer=offer, queue_wait_hours=Decimal("48"), lines=[OFFER_LINE, OFFER_LINE]
    )


def offer_delete(p):
    offer = _offer(p)
    yield
    costs.offer_delete(actor=p.procurement, offer=offer)


def offer_from_contract(p):
    contract = ContractFactory()
    CapacityLineFactory(contract=contract)
    yield
    costs.offer_from_contract(actor=p.procurement, contract=contract)


RATE = {"base_currency": "USD", "quote_currency": "EUR", "rate": Decimal("0.92"), "on": timezone.localdate()}


def exchange_rate_create(p):
    yield
    costs.exchange_rate_create(actor=p.procurement, source="ECB reference rate", **RATE)


def exchange_rate_delete(p):
    rate = costs.exchange_rate_create(actor=p.procurement, **RATE)
    yield
    costs.exchange_rate_delete(actor=p.procurement, rate=rate)


def cost_of_delay_set(p):
    yield
    costs.cost_of_delay_set(
        actor=p.procurement, tier="experimental_training", per_day=Decimal("2400"), currency="EUR"
    )


def comparison_save(p):
    costs.cost_of_delay_set(
        actor=p.procurement, tier="experimental_training", per_day=Decimal("2400"), currency="EUR"
    )
    offer = _offer(p)
    yield
    costs.comparison_save(
        actor=p.procurement,
        name="Pre-training 2027",
        tier="experimental_training",
        offers=[offer],
        gpu_hours_per_month=Decimal("4000"),
        horizon_months=12,
        reporting_currency="EUR",
        as_of=timezone.localdate(),
    )


def offers_import(p):
    offer = _offer(p)
    vendor = VendorFactory()
    yield
    costs.offers_import(
        actor=p.procurement,
        offers=[
            {
                "offer": offer,
                "vendor": offer.vendor,
                "queue_wait_hours": Decimal("24"),
                "lines": [OFFER_LINE],
            },
            {
                "offer": None,
                "vendor": vendor,
                "name": "Spot pool",
                "billing_currency": "USD",
                "lines": [OFFER_LINE],
            },
        ],
    )


# scorecards.services


def template_create(p):
    dimensions = specs(default_template())
    yield
    services.template_create(actor=p.admin, key="inference", name="Inference", dimensions=dimensions)


def template_update(p):
    template = services.template_create(
        actor=p.admin, key="inference", name="Inference", dimensions=specs(default_template())
    )
    yield
    services.template_update(
        actor=p.admin,
        template=template,
        name="Inference",
        description="Latency first.",
        dimensions=specs(template),
    )


def evaluation_create(p):
    vendor, template = VendorFactory(), default_template()
    yield
    services.evaluation_create(
        actor=p.procurement,
        vendor=vendor,
        template=template,
        title="Training capacity 2027",
        purpose="Reserve H200s for the next model family.",
        tier="experimental_training",
        data_sensitivity="internal",
        commitment_amount=Decimal("2500000.00"),
        commitment_currency="USD",
    )


def evaluation_update(p):
    evaluation = EvaluationFactory(author=p.procurement)
    yield
    services.evaluation_update(actor=p.procurement, evaluation=evaluation, title="Renamed decision")


def evaluation_save_scores(p):
    evaluation = EvaluationFactory(author=p.procurement)
    dimension = evaluation.template.dimensions.first()
    entry = services.ScoreEntry(
        score=4,
        rationale=RATIONALE,
        links=[("SOC 2 report", "https://example.test/soc2")],
        files=[SimpleUploadedFile("diagram.png", PNG_BYTES)],
    )
    yield
    services.evaluation_save_scores(actor=p.procurement, evaluation=evaluation, entries={dimension.pk: entry})


def evidence_delete(p):
    evaluation = EvaluationFactory(author=p.procurement, scores=all_scores(4))
    evidence = Evidence.objects.create(
        score=evaluation.scores.first(), title="Report", url="https://example.test/r", added_by=p.procurement
    )
    yield
    services.evidence_delete(actor=p.procurement, evidence=evidence)


def evaluation_attach_tce(p):
    evaluation = EvaluationFactory(author=p.procurement, scores=all_scores(4))
    comparison = tce_comparison(evaluation.vendor, actor=p.procurement)
    yield
    services.evaluation_attach_tce(actor=p.procurement, evaluation=evaluation, comparison=comparison)


def evaluation_detach_tce(p):
    evaluation = EvaluationFactory(author=p.procurement, scores=all_scores(4))
    comparison = tce_comparison(evaluation.vendor, actor=p.procurement)
    services.evaluation_attach_tce(actor=p.procurement, evaluation=evaluation, comparison=comparison)
    yield
    services.evaluation_detach_tce(actor=p.procurement, evaluation=evaluation)


# scorecards.signoff (transitions, signing)


def evaluation_submit(p):
    evaluation = evaluation_with_contract(author=p.procurement, scores=all_scores(4))
    yield
    signoff.evaluation_submit(actor=p.procurement, evaluation=evaluation)


def signoff_record(p):
    """The last required signature: it signs, and it decides the evaluation (two objects changed)."""
    evaluation = submitted(p.procurement)
    pending = list(evaluation.rounds.get().requirements.order_by("stage", "role", "slot"))
    for requirement in pending[:-1]:
        sign(evaluation, p.by_role[requirement.role], requirement.role)
    last = pending[-1].role
    yield
    sign(evaluation, p.by_role[last], last)


def evaluation_withdraw(p):
    evaluation = submitted(p.procurement)
    yield
    signoff.evaluation_withdraw(actor=p.procurement, evaluation=evaluation, reason="Vendor left the market.")


def evaluation_revise(p):
    evaluation = decided(p.procurement)
    Evidence.objects.create(
        score=evaluation.scores.first(), title="Report", url="https://example.test/r", added_by=p.procurement
    )
    yield
    signoff.evaluation_revise(actor=p.procurement, evaluation=evaluation)


# scorecards.records (issuing)


def decision_record_issue(p):
    evaluation = decided(p.procurement)
    yield
    records.decision_record_issue(evaluation_id=evaluation.pk, actor=p.legal)


def decision_record_issue_later(p):
    """Called inside the deciding transaction; the record and its event are written after commit."""
    evaluation = decided(p.procurement)
    yield
    with p.capture_on_commit(execute=True), transaction.atomic():
        records.decision_record_issue_later(evaluation, actor=p.legal)


# scorecards.services (evidence from elsewhere) and questionnaires.services


def evidence_add_sourced(p):
    evaluation = evaluation_with_contract(author=p.procurement, scores=all_scores(3))
    yield
    services.evidence_add_sourced(
        actor=p.procurement,
        evaluation=evaluation,
        dimension_kind="capacity",
        title="Questionnaire answer 1.1",
        url="https://register.example/questionnaires/1/answers/1/",
        excerpt="256 GPUs",
        source="Vendor questionnaire, question 1.1",
    )


def _questionnaire(p, **kwargs):
    from tests.questionnaires.factories import send

    return send(p.procurement, **kwargs)


def _submitted(p):
    from questionnaires import portal
    from tests.questionnaires.factories import answers_by_code

    questionnaire = _questionnaire(p)
    by_code = answers_by_code(questionnaire)
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
        recipient=questionnaire.recipients.get(),
        values={by_code[code].question_id: value for code, value in values.items()},
        submit=True,
    )
    return questionnaire, answers_by_code(questionnaire)


def questionnaire_template_create(p):
    from questionnaires import services as q

    yield
    q.questionnaire_template_create(
        actor=p.admin,
        key="colocation",
        name="Colocation questionnaire",
        sections=[q.SectionSpec("Power", (q.QuestionSpec("1.1", "Power per rack", "number", unit="kW"),))],
    )


def questionnaire_send(p):
    from questionnaires import services as q
    from tests.questionnaires.factories import template
    from tests.vendors.factories import VendorFactory

    vendor, questionnaire_template = VendorFactory(), template()
    yield
    q.questionnaire_send(
        actor=p.procurement,
        vendor=vendor,
        template=questionnaire_template,
        title="Due diligence",
        due_date=timezone.localdate() + timedelta(days=14),
        contacts=[q.Contact("Mira", "mira@vendor.example")],
    )


def recipient_add(p):
    from questionnaires import services as q

    questionnaire = _questionnaire(p)
    yield
    q.recipient_add(actor=p.procurement, questionnaire=questionnaire, name="Bo", email="bo@vendor.example")


def recipient_revoke(p):
    from questionnaires import services as q

    questionnaire = _questionnaire(p)
    yield
    q.recipient_revoke(actor=p.procurement, recipient=questionnaire.recipients.get())


def recipient_new_link(p):
    from questionnaires import services as q

    questionnaire = _questionnaire(p)
    yield
    q.recipient_new_link(actor=p.procurement, recipient=questionnaire.recipients.get())


def answer_review(p):
    """Accepted into a draft evaluation: the evidence and the review, two objects changed."""
    from questionnaires import services as q

    questionnaire, by_code = _submitted(p)
    evaluation = EvaluationFactory(vendor=questionnaire.vendor, author=p.procurement)
    yield
    q.answer_review(actor=p.procurement, answer=by_code["1.1"], decision="accept", evaluation=evaluation)


def questionnaire_reopen(p):
    from questionnaires import services as q

    questionnaire, _ = _submitted(p)
    yield
    q.questionnaire_reopen(
        actor=p.procurement, questionnaire=questionnaire, note="Please attach the SOC 2 report."
    )


# dora (the register of information, its package and sign-off)

REF_DATE = date(2026, 12, 31)


def _entity(p, **kwargs):
    values = {
        "name": "Meridian Digital Bank AG",
        "lei": demo_lei("529900MERIDIANBK01"),
        "country": "DE",
        "entity_type": "eba_CT:x12",
        "maintains_register": True,
    }
    return dora.entity_create(actor=p.admin, **values | kwargs)


def _vendor_record(p, vendor):
    return dora.vendor_record_save(
        actor=p.admin, vendor=vendor, lei=demo_lei("984500NIMBUSSCALE0"), country="US"
    )


def _contract_record(p, contract, entity):
    return record_contract(p.admin, contract, entity)


def _function_record(p, workload, entity):
    return record_function(p.admin, workload, entity)


def _lint_clean_register(p):
    """One entity, one provider, one contract and one function: a register the lint passes."""
    entity = _entity(p)
    contract = ContractFactory()
    _vendor_record(p, contract.vendor)
    _contract_record(p, contract, entity)
    _function_record(p, DependencyFactory(vendor=contract.vendor).workload, entity)
    return contract


def entity_create(p):
    yield
    _entity(p)


def entity_update(p):
    entity = _entity(p)
    yield
    dora.entity_update(actor=p.admin, entity=entity, competent_authority="BaFin")


def vendor_record_save(p):
    vendor = VendorFactory()
    yield
    _vendor_record(p, vendor)


def contract_record_save(p):
    entity, contract = _entity(p), ContractFactory()
    yield
    _contract_record(p, contract, entity)


def function_record_save(p):
    entity, workload = _entity(p), DependencyFactory().workload
    yield
    _function_record(p, workload, entity)


def override_record(p):
    contract = ContractFactory()
    yield
    dora.override_record(
        actor=p.admin,
        contract=contract,
        field="last_audit",
        value="2026-05-14",
        reason="On-site audit of the cage (report AUD-2026-07).",
    )


def submission_create(p):
    _lint_clean_register(p)
    yield
    dora.submission_create(actor=p.procurement, ref_date=REF_DATE)


def submission_sign(p):
    """The last required signature: it signs, and it approves the package (two objects changed)."""
    _lint_clean_register(p)
    submission = dora.submission_create(actor=p.procurement, ref_date=REF_DATE)
    pending = list(submission.requirements.order_by("stage", "role", "slot"))

    def sign_as(role):
        dora.submission_sign(
            actor=p.by_role[role],
            submission=RegisterSubmission.objects.get(pk=submission.pk),
            role=role,
            decision="approve",
            password=PASSWORD,
            request_token=uuid.uuid4(),
        )

    for requirement in pending[:-1]:
        sign_as(requirement.role)
    yield
    sign_as(pending[-1].role)


CASES: dict[str, Case] = {
    "api_token_create": Case(api_token_create, ("api_token.create",)),
    "user_roles_sync": Case(user_roles_sync, ("auth.roles_synced",)),
    "api_token_revoke": Case(api_token_revoke, ("api_token.revoke",)),
    "reminder_preferences_update": Case(reminder_preferences_update, ("reminder_preferences.update",)),
    "vendor_create": Case(vendor_create, ("vendor.create",)),
    "vendor_update": Case(vendor_update, ("vendor.update",)),
    "vendor_delete": Case(vendor_delete, ("vendor.delete",)),
    "vendors_import": Case(vendors_import, ("vendor.create", "vendor.create")),
    "contract_create": Case(contract_create, ("contract.create",)),
    "contract_update": Case(contract_update, ("contract.update",)),
    "contract_delete": Case(contract_delete, ("contract.delete",)),
    "contracts_import": Case(contracts_import, ("contract.create",)),
    "capacity_line_add": Case(capacity_line_add, ("contract.capacity_line_add",)),
    "capacity_line_remove": Case(capacity_line_remove, ("contract.capacity_line_remove",)),
    "contract_document_add": Case(contract_document_add, ("contract.document_add",)),
    "clause_set": Case(clause_set, ("contract.clause_create",)),
    "exit_right_kind_save": Case(exit_right_kind_save, ("exit_right_kind.create",)),
    "workload_create": Case(workload_create, ("workload.create",)),
    "workload_update": Case(workload_update, ("workload.update",)),
    "dependency_add": Case(dependency_add, ("dependency.create",)),
    "dependency_update": Case(dependency_update, ("dependency.update",)),
    "dependency_remove": Case(dependency_remove, ("dependency.delete",)),
    "rehearsal_record": Case(rehearsal_record, ("rehearsal.create",)),
    "rehearsal_update": Case(rehearsal_update, ("rehearsal.update",)),
    "demand_forecast_create": Case(demand_forecast_create, ("demand_forecast.create",)),
    "demand_forecast_update": Case(demand_forecast_update, ("demand_forecast.update",)),
    "demand_forecast_delete": Case(demand_forecast_delete, ("demand_forecast.delete",)),
    "demand_forecasts_import": Case(
        demand_forecasts_import, ("demand_forecast.update", "demand_forecast.create")
    ),
    "capacity_allocation_create": Case(capacity_allocation_create, ("capacity_allocation.create",)),
    "capacity_allocation_update": Case(capacity_allocation_update, ("capacity_allocation.update",)),
    "capacity_allocation_delete": Case(capacity_allocation_delete, ("capacity_allocation.delete",)),
    "demand_visibility_record": Case(demand_visibility_record, ("demand_visibility.create",)),
    "demand_visibility_update": Case(demand_visibility_update, ("demand_visibility.update",)),
    "offer_create": Case(offer_create, ("costs.offer.create",)),
    "offer_update": Case(offer_update, ("costs.offer.update",)),
    "offer_delete": Case(offer_delete, ("costs.offer.delete",)),
    "offer_from_contract": Case(offer_from_contract, ("costs.offer.from_contract",)),
    "exchange_rate_create": Case(exchange_rate_create, ("costs.exchange_rate.create",)),
    "exchange_rate_delete": Case(exchange_rate_delete, ("costs.exchange_rate.delete",)),
    "cost_of_delay_set": Case(cost_of_delay_set, ("costs.cost_of_delay.set",)),
    "comparison_save": Case(comparison_save, ("costs.comparison.save",)),
    "offers_import": Case(offers_import, ("costs.offer.update", "costs.offer.create")),
    "template_create": Case(template_create, ("scorecard_template.create",)),
    "template_update": Case(template_update, ("scorecard_template.update",)),
    "evaluation_create": Case(evaluation_create, ("evaluation.create",)),
    "evaluation_update": Case(evaluation_update, ("evaluation.update",)),
    "evaluation_save_scores": Case(evaluation_save_scores, ("evaluation.scores_update",)),
    "evidence_delete": Case(evidence_delete, ("evaluation.evidence_delete",)),
    "evaluation_attach_tce": Case(evaluation_attach_tce, ("scorecards.evaluation.attach_tce",)),
    "evaluation_detach_tce": Case(evaluation_detach_tce, ("scorecards.evaluation.detach_tce",)),
    "evidence_add_sourced": Case(evidence_add_sourced, ("evaluation.evidence_add",)),
    "questionnaire_template_create": Case(questionnaire_template_create, ("questionnaire_template.create",)),
    "questionnaire_send": Case(questionnaire_send, ("questionnaire.send",)),
    "recipient_add": Case(recipient_add, ("questionnaire.recipient_add",)),
    "recipient_revoke": Case(recipient_revoke, ("questionnaire.recipient_revoke",)),
    "recipient_new_link": Case(recipient_new_link, ("questionnaire.link_issue",)),
    "answer_review": Case(answer_review, ("evaluation.evidence_add", "questionnaire.answer_accept")),
    "questionnaire_reopen": Case(questionnaire_reopen, ("questionnaire.reopen",)),
    "evaluation_submit": Case(evaluation_submit, ("evaluation.submit",)),
    "signoff_record": Case(signoff_record, ("signoff.sign", "evaluation.approve")),
    "evaluation_withdraw": Case(evaluation_withdraw, ("evaluation.withdraw",)),
    "evaluation_revise": Case(evaluation_revise, ("evaluation.revise",)),
    # A failed store is caught and reported as a RecordError (its failure row fails with it).
    "decision_record_issue": Case(
        decision_record_issue, ("decision_record.issue",), raises=records.RecordError
    ),
    # The after-commit hook logs and swallows the failure: the decision it follows stands.
    "decision_record_issue_later": Case(decision_record_issue_later, ("decision_record.issue",), raises=None),
    "entity_create": Case(entity_create, ("dora.entity.create",)),
    "entity_update": Case(entity_update, ("dora.entity.update",)),
    "vendor_record_save": Case(vendor_record_save, ("dora.vendor_record.create",)),
    "contract_record_save": Case(contract_record_save, ("dora.contract_record.create",)),
    "function_record_save": Case(function_record_save, ("dora.function.create",)),
    "override_record": Case(override_record, ("dora.override",)),
    "submission_create": Case(submission_create, ("dora.submission.create",)),
    "submission_sign": Case(submission_sign, ("dora.submission.sign", "dora.submission.approve")),
}

# Models no service with an actor writes. AuditEvent is not here: every case writes it.
EXEMPT: dict[type, str] = {
    AuditVerification: "the outcome of checking the chain (verify_audit, the audit page): a log of a read, not a change",
    Layer: "seeded by a migration and read-only in the admin: nothing in the app writes it",
    SignoffPolicy: "configuration changed only in the admin, which audits it (SignoffPolicyAdmin.save_model)",
    Notified: "what send_reminders mailed to whom (no actor): a log of mail sent, not a change to the register",
    DecisionRecordFailure: "written only by a failed decision_record_issue: test_a_failed_issue_writes_one_event",
    SignInPolicy: "configuration changed only in the admin, which audits it (AuditedSignInPolicyAdmin)",
    # The vendor contact's side (no actor: a contact has no account); each portal function's
    # event and its all-or-nothing transaction are proved in tests/questionnaires/test_audit.py.
    AnswerFile: "attached on the questionnaire portal (questionnaires.portal): tests/questionnaires/test_audit.py",
    Submission: "made by submitting on the questionnaire portal: tests/questionnaires/test_audit.py",
    PortalRateCounter: "the portal's request counts per minute (rate limiting): bookkeeping, not a change",
}


# Running a case ---------------------------------------------------------------------------


@pytest.fixture
def people(
    procurement_user,
    legal_user,
    finance_user,
    security_user,
    platform_user,
    admin,
    django_capture_on_commit_callbacks,
):
    by_role = {
        "legal": legal_user,
        "finance": finance_user,
        "security": security_user,
        "platform": platform_user,
    }
    return SimpleNamespace(
        procurement=procurement_user,
        legal=legal_user,
        platform=platform_user,
        admin=admin,
        by_role=by_role,
        capture_on_commit=django_capture_on_commit_callbacks,
    )


def set_up(case: Case, people) -> Step:
    step = case.run(people)
    next(step)
    return step


def measure(step: Step) -> None:
    with pytest.raises(StopIteration):
        next(step)


def new_events(after_sequence: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(sequence__gt=after_sequence).order_by("sequence"))


def _plain(value):
    return bytes(value) if isinstance(value, memoryview) else value


def fingerprint() -> dict[str, tuple[int, str]]:
    """Row count and a digest of every row, for every table of our apps."""
    result = {}
    with connection.cursor() as cursor:
        for table in our_tables():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = sorted(repr(tuple(_plain(v) for v in row)) for row in cursor.fetchall())
            result[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return result


def stored_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


# The proofs --------------------------------------------------------------------------------


def test_every_write_service_has_a_case():
    found = set(write_services())
    missing, extra = sorted(found - set(CASES)), sorted(set(CASES) - found)
    assert not missing, f"write services without a case in CASES: {missing}"
    assert not extra, f"CASES for functions that are not write services (renamed?): {extra}"


def test_every_model_is_written_by_a_case_or_exempt(people):
    written: dict[str, set[str]] = {}
    for name, case in CASES.items():
        with rolled_back():
            step = set_up(case, people)
            with watching_writes() as tables:
                measure(step)
        for table in tables:
            written.setdefault(table, set()).add(name)
    models = our_models()
    uncovered = [m.__name__ for m in models if m._meta.db_table not in written and m not in EXEMPT]
    assert not uncovered, f"models no case writes and EXEMPT does not explain: {uncovered}"
    stale = [
        f"{m.__name__} (by {sorted(written[m._meta.db_table])})"
        for m in EXEMPT
        if m._meta.db_table in written
    ]
    assert not stale, f"exempt models that a case writes after all: drop their exemption: {stale}"
    assert set(EXEMPT) <= set(models), "EXEMPT names a model that is not one of our apps'"


@pytest.mark.parametrize("name", list(CASES))
def test_the_change_writes_one_event_per_changed_object(name, people):
    case = CASES[name]
    step = set_up(case, people)
    head = audit.head().sequence
    measure(step)
    events = new_events(head)
    assert [e.action for e in events] == list(case.actions)
    assert all(e.object_type and e.object_id for e in events), "every event names what it changed"
    assert audit.verify_chain().ok


@pytest.mark.parametrize("name", list(CASES))
def test_the_change_and_its_event_share_one_transaction(name, people, monkeypatch):
    """audit.record fails at the case's last event (and from then on): nothing of the change is
    left, neither its rows nor the events written before in the same call."""
    case = CASES[name]
    step = set_up(case, people)
    before, files, head = fingerprint(), stored_files(), audit.head()
    calls = []
    real_record = audit.record

    def record_failing_at_the_last_event(**kwargs):
        calls.append(kwargs["action"])
        if len(calls) >= len(case.actions):
            raise RuntimeError("the audit trail is unavailable")
        return real_record(**kwargs)

    monkeypatch.setattr(audit, "record", record_failing_at_the_last_event)
    if case.raises is None:
        measure(step)
    else:
        with pytest.raises(case.raises):
            measure(step)
    monkeypatch.undo()

    assert calls[: len(case.actions)] == list(case.actions), "the call never reached its last event"
    after = fingerprint()
    changed = sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
    assert not changed, f"left changed although its audit event failed: {changed}"
    assert stored_files() == files
    assert audit.head() == head


def test_a_failed_issue_writes_one_event(procurement_user, monkeypatch):
    """The failure path of decision_record_issue: one DecisionRecordFailure and its one event."""
    evaluation = decided(procurement_user)
    head = audit.head().sequence

    def broken(html, **kwargs):
        raise records.pdf.RenderError("out of memory while laying out")

    monkeypatch.setattr(records.pdf, "render", broken)
    with pytest.raises(records.RecordError):
        records.decision_record_issue(evaluation_id=evaluation.pk, actor=procurement_user)
    assert [e.action for e in new_events(head)] == ["decision_record.fail"]
    assert DecisionRecordFailure.objects.filter(evaluation=evaluation).count() == 1
    assert not DecisionRecord.objects.exists()
