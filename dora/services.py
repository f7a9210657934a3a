"""Every write to the register of information, and the sign-off of a package for submission.

Each public service is the outermost transaction, validates with `full_clean`, and writes its
audit event in the same transaction. A package put up for submission is stored with its SHA-256;
signatures are bound to that hash. Routing reuses the evaluation sign-off policies
(`scorecards.signoff.required_signoffs`) and signing the evaluation sign-off's rules
(`scorecards.signoff.rules`): a fresh strong authentication (password, or the authenticator
code when the signer has one, as `procurement.signin` requires), whoever generated the package
cannot sign it, one person signs for one role, stages in order.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from procurement import audit, policies
from resilience.models import Workload
from scorecards.services import NotAllowed as NotAllowed
from scorecards.services import ScorecardError
from scorecards.signoff import InvalidTransition as InvalidTransition
from scorecards.signoff import ReauthenticationFailed as ReauthenticationFailed
from scorecards.signoff import SeparationOfDutiesViolation as SeparationOfDutiesViolation
from scorecards.signoff import required_signoffs, rules
from scorecards.signoff.routing import is_signed
from vendors.models import Contract, Vendor

from . import lint, package, register
from .evidence import override_value_is_valid, value_label
from .models import (
    ContractRecord,
    DerivedField,
    FinancialEntity,
    FunctionRecord,
    Override,
    Submission,
    SubmissionRequirement,
    SubmissionSignature,
    VendorRecord,
)

ENTITY_FIELDS = [
    "name",
    "lei",
    "euid",
    "country",
    "entity_type",
    "hierarchy",
    "parent",
    "competent_authority",
    "currency",
    "total_assets",
    "maintains_register",
]
VENDOR_RECORD_FIELDS = ["lei", "euid", "person_type", "country", "latin_name", "ultimate_parent"]
CONTRACT_RECORD_FIELDS = [
    "arrangement_type",
    "overarching",
    "ict_service_type",
    "annual_expense",
    "signing_entity",
    "governing_law_country",
    "provision_country",
    "stores_data",
    "storage_countries",
    "processing_countries",
    "data_sensitiveness",
    "reliance",
    "provider_notice_days",
    "termination_reason",
    "discontinuing_impact",
]
FUNCTION_FIELDS = [
    "identifier",
    "entity",
    "licensed_activity",
    "critical",
    "criticality_reasons",
    "assessed_on",
    "discontinuing_impact",
]
S = Submission.Status
D = SubmissionSignature.Decision
# Register sensitiveness as the evaluation sign-off policies' data sensitivities, for routing.
SENSITIVITY_FOR_ROUTING = {
    "eba_ZZ:x791": "internal",
    "eba_ZZ:x792": "confidential",
    "eba_ZZ:x793": "regulated",
}
ROUTING_ORDER = ["public", "internal", "confidential", "regulated"]
FALLBACK_ROLE = policies.SECURITY


class RegisterError(ScorecardError):
    """A rule of the register refused the change. Sign-off refusals are the evaluation sign-off's
        own (NotAllowed, SeparationOfDutiesViolation, ReauthenticationFailed, InvalidTransition, re-exported
    here: the rules are shared), so views catch ScorecardError, of which this is one."""


def _save(obj, fields, *, actor, action, before=None, m2m: dict | None = None):
    for name in ("lei", "euid"):
        if name in fields:
            setattr(obj, name, (getattr(obj, name) or "").strip().upper())
    obj.full_clean()
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as error:
        raise ValidationError("Another record already uses this LEI or identifier.") from error
    for name, values in (m2m or {}).items():
        getattr(obj, name).set(values)
    after = audit.snapshot(obj, fields)
    if m2m:
        after |= {name: sorted(str(v) for v in values) for name, values in m2m.items()}
    audit.record(actor=actor, action=action, obj=obj, before=before, after=after)
    return obj


def _assign(obj, data: dict, fields):
    for name in fields:
        if name in data:
            setattr(obj, name, data[name])


# Entities, providers, contracts and functions -----------------------------------------------


@transaction.atomic(durable=True)
def entity_create(*, actor, **data) -> FinancialEntity:
    entity = FinancialEntity()
    _assign(entity, data, ENTITY_FIELDS)
    return _save(entity, ENTITY_FIELDS, actor=actor, action="dora.entity.create")


@transaction.atomic(durable=True)
def entity_update(*, actor, entity: FinancialEntity, **data) -> FinancialEntity:
    entity = FinancialEntity.objects.select_for_update().get(pk=entity.pk)
    before = audit.snapshot(entity, ENTITY_FIELDS)
    _assign(entity, data, ENTITY_FIELDS)
    if entity.parent_id == entity.pk:
        raise ValidationError({"parent": "An entity is not its own parent."})
    return _save(entity, ENTITY_FIELDS, actor=actor, action="dora.entity.update", before=before)


@transaction.atomic(durable=True)
def vendor_record_save(*, actor, vendor: Vendor, **data) -> VendorRecord:
    record = VendorRecord.objects.select_for_update().filter(vendor=vendor).first()
    before = audit.snapshot(record, VENDOR_RECORD_FIELDS) if record else None
    record = record or VendorRecord(vendor=vendor)
    _assign(record, data, VENDOR_RECORD_FIELDS)
    return _save(
        record,
        VENDOR_RECORD_FIELDS,
        actor=actor,
        action="dora.vendor_record.update" if before else "dora.vendor_record.create",
        before=before,
    )


@transaction.atomic(durable=True)
def contract_record_save(*, actor, contract: Contract, entities=None, **data) -> ContractRecord:
    record = ContractRecord.objects.select_for_update().filter(contract=contract).first()
    before = None
    if record:
        before = audit.snapshot(record, CONTRACT_RECORD_FIELDS) | {
            "entities": sorted(str(e) for e in record.entities.all())
        }
    record = record or ContractRecord(contract=contract)
    _assign(record, data, CONTRACT_RECORD_FIELDS)
    entities = list(entities or [])
    if not entities:
        raise ValidationError({"entities": "Name at least one entity that uses the service."})
    return _save(
        record,
        CONTRACT_RECORD_FIELDS,
        actor=actor,
        action="dora.contract_record.update" if before else "dora.contract_record.create",
        before=before,
        m2m={"entities": entities},
    )


@transaction.atomic(durable=True)
def function_record_save(*, actor, workload: Workload, **data) -> FunctionRecord:
    record = FunctionRecord.objects.select_for_update().filter(workload=workload).first()
    before = audit.snapshot(record, FUNCTION_FIELDS) if record else None
    record = record or FunctionRecord(workload=workload)
    _assign(record, data, FUNCTION_FIELDS)
    return _save(
        record,
        FUNCTION_FIELDS,
        actor=actor,
        action="dora.function.update" if before else "dora.function.create",
        before=before,
    )


@transaction.atomic(durable=True)
def override_record(*, actor, contract: Contract, field: str, value: str, reason: str) -> Override:
    """Override a derived field with a reason (or, with an empty value, go back to the evidence)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if field not in DerivedField.values:
        raise ValidationError({"field": "Not a field that is derived from evidence."})
    value = (value or "").strip()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the evidence is overridden (or why the override ends)."})
    if not override_value_is_valid(field, value):
        raise ValidationError({"value": "Not a value this field takes."})
    previous = Override.objects.filter(contract=contract, field=field).first()
    override = Override(
        contract=contract, field=field, value=value, reason=reason, by=actor, at=timezone.now()
    )
    override.full_clean()
    override.save()
    audit.record(
        actor=actor,
        action="dora.override" if value else "dora.override.clear",
        obj=contract,
        before={"field": field, "value": previous.value if previous else ""},
        after={"field": field, "value": value, "label": value_label(field, value), "reason": reason},
    )
    return override


# Submission and sign-off --------------------------------------------------------------------


@dataclass(frozen=True)
class RoutingSubject:
    """What the sign-off policies look at, as a register package presents it."""

    data_sensitivity: str
    tier: str
    commitment_amount: Decimal
    commitment_currency: str


def routing_subject(reg: register.Register) -> RoutingSubject:
    levels = [
        SENSITIVITY_FOR_ROUTING.get(c.dora_record.data_sensitiveness, "internal") for c in reg.contracts
    ] or ["internal"]
    total = Decimal(0)
    for contract in reg.contracts:
        if contract.currency == reg.base_currency:
            total += register.annual_expense(contract)[0]
    return RoutingSubject(max(levels, key=ROUTING_ORDER.index), "", total, reg.base_currency)


def requirements_for(reg: register.Register) -> list[tuple[str, int, int, str]]:
    needed = [(r.role, r.slot, r.stage, r.reason) for r in required_signoffs(routing_subject(reg))]
    if not needed:
        needed = [
            (FALLBACK_ROLE, 1, 0, "No sign-off policy matched: compliance signs every register package.")
        ]
    return needed


@transaction.atomic(durable=True)
def submission_create(*, actor, ref_date: date) -> Submission:
    """Generate the package as of `ref_date` and put it up for sign-off. Refused while the lint
    finds anything blocking."""
    if not package.ref_period_ok(ref_date):
        raise ValidationError({"ref_date": "The register is reported as at 31 December."})
    created = timezone.now()
    reg = register.build(ref_date, reporting_date=timezone.localdate(created))
    findings = lint.lint(reg)
    blocking = lint.blocking(findings)
    if blocking:
        raise RegisterError(
            f"The lint finds {len(blocking)} blocking problem(s): fix them before generating the package."
        )
    try:
        built = package.build(reg, created)
    except package.PackageRefused as error:
        raise RegisterError(str(error)) from error
    submission = Submission(
        ref_date=ref_date,
        filename=built.filename,
        package=built.data,
        sha256=built.sha256,
        size=len(built.data),
        author=actor,
        created_at=created,
        warnings=len(findings),
    )
    submission.full_clean()
    submission.save()
    for role, slot, stage, reason in requirements_for(reg):
        SubmissionRequirement.objects.create(
            submission=submission, role=role, slot=slot, stage=stage, reason=reason
        )
    audit.record(
        actor=actor,
        action="dora.submission.create",
        obj=submission,
        after={
            "ref_date": ref_date,
            "filename": built.filename,
            "sha256": built.sha256,
            "size": len(built.data),
            "warnings": len(findings),
            "requires": [f"{role}#{slot}" for role, slot, _stage, _reason in requirements_for(reg)],
        },
    )
    return submission


def signature_meaning(decision: str, role: str) -> str:
    reviewer = f"the {policies.ROLE_LABELS.get(role, role).lower()} reviewer"
    if decision == D.APPROVE:
        return f"As {reviewer}, I approve this register of information package for submission."
    return f"As {reviewer}, I reject this register of information package."


def submission_sign(
    *,
    actor,
    submission: Submission,
    role: str,
    decision: str,
    comment: str = "",
    password: str = "",
    code: str = "",
    request_token: uuid.UUID,
    request=None,
) -> SubmissionSignature:
    """Sign the package for `role` after a fresh strong authentication, exactly as an evaluation is
    signed (scorecards.signoff.rules: the strongest factor the signer has, four eyes, one role per
    person, stages in order); a replayed request returns its signature. The signature keeps how
    the signer was authenticated and the hash it is bound to."""
    existing = rules.replayed(SubmissionSignature.objects, request_token, actor)
    if existing is not None:
        return existing
    method = rules.authenticate_signer(
        request, actor, password=password, code=code, purpose="register sign-off"
    )
    return _submission_sign(
        actor=actor,
        submission=submission,
        role=role,
        decision=decision,
        comment=comment,
        request_token=request_token,
        authenticated_by=method,
    )


@transaction.atomic(durable=True)
def _submission_sign(
    *, actor, submission, role, decision, comment, request_token, authenticated_by
) -> SubmissionSignature:
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    # A double click waits for the first request's lock, then finds what it wrote.
    existing = rules.replayed(SubmissionSignature.objects, request_token, actor)
    if existing is not None:
        return existing
    if locked.status != S.AWAITING:
        raise RegisterError(
            f"This package is {locked.get_status_display().lower()}: it is not awaiting sign-off."
        )
    if decision not in D.values:
        raise ValidationError({"decision": "Approve or reject."})
    rules.check_signer(
        actor,
        role,
        author_id=locked.author_id,
        earlier=locked.signatures.filter(signer=actor).first(),
        authored="generated this package",
        subject="this package",
    )
    requirements = list(locked.requirements.select_related("signature"))
    requirement = rules.requirement_to_sign(requirements, role, subject="this package")
    comment = rules.explained(decision, comment)
    if hashlib.sha256(bytes(locked.package)).hexdigest() != locked.sha256:
        raise RegisterError("The stored package no longer matches its SHA-256: it cannot be signed.")
    signature = SubmissionSignature(
        submission=locked,
        requirement=requirement,
        role=role,
        signer=actor,
        signer_name=audit.actor_display(actor),
        decision=decision,
        comment=comment,
        meaning=signature_meaning(decision, role),
        package_sha256=locked.sha256,
        signed_at=timezone.now(),
        request_token=request_token,
        authenticated_by=authenticated_by,
    )
    rules.save_signature(signature)
    audit.record(
        actor=actor,
        action="dora.submission.sign",
        obj=locked,
        after={
            "role": role,
            "decision": decision,
            "comment": comment,
            "meaning": signature.meaning,
            "package_sha256": locked.sha256,
            "authenticated_by": signature.authenticated_by,
        },
    )
    signed = {r.pk for r in requirements if is_signed(r)} | {requirement.pk}
    before = {"status": locked.status}
    if decision == D.REJECT:
        locked.status = S.REJECTED
    elif all(r.pk in signed for r in requirements):
        locked.status = S.APPROVED
    if locked.status != S.AWAITING:
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_at"])
        audit.record(
            actor=actor,
            action=f"dora.submission.{'approve' if locked.status == S.APPROVED else 'reject'}",
            obj=locked,
            before=before,
            after={"status": locked.status, "sha256": locked.sha256},
        )
    return signature
