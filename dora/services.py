"""Every write to the register of information, and the sign-off of a package for submission.

Each public service is the outermost transaction, validates with `full_clean`, and writes its
audit event in the same transaction. A package put up for submission is stored with its SHA-256;
signatures are bound to that hash. Routing reuses the evaluation sign-off policies
(`scorecards.signoff.required_signoffs`), re-authentication the sign-in service
(`procurement.signin.reauthenticate`), with the same rules as evaluations: whoever generated the
package cannot sign it, one person signs for one role, a signature needs the password again.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from procurement import audit, policies, signin
from resilience.models import Workload
from scorecards.signoff import required_signoffs
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


class RegisterError(Exception):
    pass


class NotAllowed(RegisterError):
    pass


class SeparationOfDutiesViolation(RegisterError):
    pass


class ReauthenticationFailed(RegisterError):
    pass


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
    password: str,
    request_token: uuid.UUID,
    request=None,
) -> SubmissionSignature:
    """Sign the package for `role`. Asks for the password again; a replayed request returns its signature."""
    existing = SubmissionSignature.objects.filter(request_token=request_token).first()
    if existing is not None:
        if existing.signer_id != actor.pk:
            raise NotAllowed("This sign-off form belongs to someone else. Reload the page and sign again.")
        return existing
    outcome = signin.reauthenticate(request, actor, password, purpose="register sign-off")
    if outcome is signin.Reauthentication.LOCKED_OUT:
        raise ReauthenticationFailed(
            "Too many wrong passwords: signing is paused for this account for a while."
        )
    if outcome is not signin.Reauthentication.CONFIRMED:
        raise ReauthenticationFailed("That password is not right. Signing needs your password again.")
    return _submission_sign(
        actor=actor,
        submission=submission,
        role=role,
        decision=decision,
        comment=comment,
        request_token=request_token,
    )


@transaction.atomic(durable=True)
def _submission_sign(*, actor, submission, role, decision, comment, request_token) -> SubmissionSignature:
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    existing = SubmissionSignature.objects.filter(request_token=request_token).first()
    if existing is not None:
        return existing
    if locked.status != S.AWAITING:
        raise RegisterError(
            f"This package is {locked.get_status_display().lower()}: it is not awaiting sign-off."
        )
    if decision not in D.values:
        raise ValidationError({"decision": "Approve or reject."})
    if not policies.has_role(actor, role):
        raise NotAllowed(f"Only holders of the {policies.ROLE_LABELS.get(role, role)} role sign for it.")
    if locked.author_id == actor.pk:
        raise SeparationOfDutiesViolation("You generated this package: someone else must sign it off.")
    earlier = locked.signatures.filter(signer=actor).first()
    if earlier is not None:
        raise SeparationOfDutiesViolation(
            "You already signed this package: one person signs for one role only."
        )
    requirements = list(locked.requirements.all())
    signed = set(locked.signatures.values_list("requirement_id", flat=True))
    open_for_role = [r for r in requirements if r.role == role and r.pk not in signed]
    if not open_for_role:
        raise RegisterError(f"No {policies.ROLE_LABELS.get(role, role)} sign-off is open on this package.")
    requirement = open_for_role[0]
    waiting = sorted(
        {r.stage for r in requirements if 0 < r.stage < requirement.stage and r.pk not in signed}
    )
    if requirement.stage and waiting:
        raise RegisterError(f"The sign-offs of stage {waiting[0]} come first.")
    comment = (comment or "").strip()
    if decision == D.REJECT and not comment:
        raise ValidationError({"comment": "Say why the package is rejected."})
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
    )
    signature.full_clean()
    try:
        with transaction.atomic():
            signature.save()
    except IntegrityError as error:
        raise SeparationOfDutiesViolation("This sign-off has already been given.") from error
    audit.record(
        actor=actor,
        action="dora.submission.sign",
        obj=locked,
        after={"role": role, "decision": decision, "comment": comment, "package_sha256": locked.sha256},
    )
    signed.add(requirement.pk)
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
