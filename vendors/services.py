"""Every write to the vendor register: vendors, contracts, capacity lines, documents, exit-rights clauses.

Each public service is the outermost transaction (durable), locks the rows it changes, validates
with `full_clean`, and writes exactly one audit event per change in the same transaction.
Helpers prefixed with `_` do the same work inside a caller's transaction (the CSV import).
"""

import hashlib
import os
from collections import Counter
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, models, transaction
from django.db.models import Count, IntegerField, OuterRef, ProtectedError, RestrictedError, Subquery, Value
from django.db.models.functions import Coalesce

from procurement import audit

from .models import CapacityLine, Contract, ContractDocument, ExitRightClause, ExitRightKind, Layer, Vendor
from .selectors import COVERED_STATUSES

VENDOR_FIELDS = [
    "name",
    "legal_entity",
    "kind",
    "hq_jurisdiction",
    "processing_regions",
    "layers",
    "runs_on",
    "status",
    "owner",
    "notes",
]
CONTRACT_FIELDS = [
    "vendor",
    "reference",
    "title",
    "start_date",
    "end_date",
    "auto_renewal",
    "notice_period_days",
    "notice_deadline",
    "committed_spend",
    "currency",
    "status",
]
CAPACITY_LINE_FIELDS = ["accelerator_model", "count", "region", "band"]
CLAUSE_FIELDS = ["status", "reference", "text", "notice_days", "fees"]

# Which status may follow which. Staying in the same status is always allowed.
VENDOR_TRANSITIONS = {
    Vendor.Status.PROSPECT: {Vendor.Status.ACTIVE, Vendor.Status.RETIRED},
    Vendor.Status.ACTIVE: {Vendor.Status.EXITING, Vendor.Status.RETIRED},
    Vendor.Status.EXITING: {Vendor.Status.ACTIVE, Vendor.Status.RETIRED},
    # An archived vendor can be brought back into consideration.
    Vendor.Status.RETIRED: {Vendor.Status.PROSPECT, Vendor.Status.ACTIVE},
}
CONTRACT_TRANSITIONS = {
    Contract.Status.DRAFT: {Contract.Status.NEGOTIATING, Contract.Status.ACTIVE, Contract.Status.TERMINATED},
    Contract.Status.NEGOTIATING: {Contract.Status.DRAFT, Contract.Status.ACTIVE, Contract.Status.TERMINATED},
    Contract.Status.ACTIVE: {Contract.Status.EXPIRED, Contract.Status.TERMINATED},
    # A lapsed contract can be revived by a late renewal; a terminated one stays terminated.
    Contract.Status.EXPIRED: {Contract.Status.ACTIVE},
    Contract.Status.TERMINATED: set(),
}
PDF_MAGIC = b"%PDF-"


class VendorRegisterError(Exception):
    """A refused change to the vendor register; the message is written for the person who asked."""


class InvalidTransition(VendorRegisterError):
    pass


class VendorInUse(VendorRegisterError):
    pass


class ContractInUse(VendorRegisterError):
    pass


class DocumentRejected(VendorRegisterError):
    pass


def allowed_statuses(transitions: dict, current: str | None) -> list[str]:
    """The statuses an object in `current` may move to, itself included (all of them for a new object)."""
    if current is None:
        return list(transitions)
    return [status for status in transitions if status == current or status in transitions[current]]


def _check_transition(transitions: dict, label: str, old: str, new: str, choices) -> None:
    if old != new and new not in transitions[old]:
        raise InvalidTransition(f"A {label} cannot move from {choices(old).label} to {choices(new).label}.")


def _assign(obj, changes: dict, *, editable: set[str], transitions: dict, strip: str) -> None:
    """Set the changed fields on a locked row: known fields only, status moves by the table."""
    unknown = set(changes) - editable
    if unknown:
        raise TypeError(f"Unknown or read-only {obj._meta.model_name} fields: {sorted(unknown)}")
    if "status" in changes:
        status_choices = type(obj).Status
        _check_transition(transitions, obj._meta.verbose_name, obj.status, changes["status"], status_choices)
    for name, value in changes.items():
        setattr(obj, name, value.strip() if name == strip else value)


def _protected_message(obj, error: ProtectedError | RestrictedError) -> str:
    counts = Counter(o._meta for o in error.args[1])
    parts = ", ".join(
        f"{n} {meta.verbose_name if n == 1 else meta.verbose_name_plural}"
        for meta, n in sorted(counts.items(), key=lambda item: str(item[0].verbose_name))
    )
    return f"“{obj}” cannot be deleted: {parts} still {'refers' if sum(counts.values()) == 1 else 'refer'} to it."


# Vendors ----------------------------------------------------------------------------------


def _vendor_snapshot(vendor: Vendor) -> dict:
    return audit.snapshot(vendor, VENDOR_FIELDS)


def _save_vendor(vendor: Vendor, layers) -> None:
    vendor.full_clean()
    try:
        # A savepoint: a concurrent insert of the same name must not poison the outer transaction.
        with transaction.atomic():
            vendor.save()
    except IntegrityError as exc:
        raise ValidationError({"name": "A vendor with this name already exists."}) from exc
    if layers is not None:
        vendor.layers.set(layers)


def _vendor_create(
    *,
    actor,
    name: str,
    kind: str,
    hq_jurisdiction: str,
    legal_entity: str = "",
    processing_regions: list[str] | None = None,
    layers: list[Layer] | None = None,
    runs_on: Vendor | None = None,
    status: str = Vendor.Status.PROSPECT,
    owner=None,
    notes: str = "",
) -> Vendor:
    vendor = Vendor(
        name=name.strip(),
        legal_entity=legal_entity,
        kind=kind,
        hq_jurisdiction=hq_jurisdiction,
        processing_regions=list(processing_regions or []),
        runs_on=runs_on,
        status=status,
        owner=owner,
        notes=notes,
    )
    _save_vendor(vendor, list(layers or []))
    audit.record(actor=actor, action="vendor.create", obj=vendor, after=_vendor_snapshot(vendor))
    return vendor


@transaction.atomic(durable=True)
def vendor_create(*, actor, **fields) -> Vendor:
    """Add a vendor to the register. Raises ValidationError for bad input (e.g. a duplicate name)."""
    return _vendor_create(actor=actor, **fields)


@transaction.atomic(durable=True)
def vendor_update(*, actor, vendor: Vendor, **changes) -> Vendor:
    """Change a vendor's fields; `layers` replaces the set of layers it supplies."""
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    before = _vendor_snapshot(vendor)
    runs_on = changes.get("runs_on")
    if runs_on is not None and _hosting_chain_reaches(runs_on, vendor):
        raise ValidationError({"runs_on": "A vendor cannot run on itself, directly or through its hosts."})
    layers = changes.pop("layers", None)
    _assign(vendor, changes, editable=set(VENDOR_FIELDS), transitions=VENDOR_TRANSITIONS, strip="name")
    _save_vendor(vendor, list(layers) if layers is not None else None)
    after = _vendor_snapshot(vendor)
    if after != before:
        audit.record(actor=actor, action="vendor.update", obj=vendor, before=before, after=after)
    return vendor


def _hosting_chain_reaches(host: Vendor, vendor: Vendor) -> bool:
    seen = set()
    current = host
    while current is not None and current.pk not in seen:
        if current.pk == vendor.pk:
            return True
        seen.add(current.pk)
        current = Vendor.objects.filter(pk=current.runs_on_id).first() if current.runs_on_id else None
    return False


def _delete_unreferenced(
    obj, *, actor, action: str, before: dict, error: type[VendorRegisterError], hint: str
):
    """Delete `obj` unless something protects it (contracts, evaluations, dependencies...), then audit."""
    label, pk = str(obj), obj.pk
    try:
        obj.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise error(f"{_protected_message(obj, exc)} {hint}") from exc
    audit.record(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=pk,
        object_label=label,
        before=before,
    )


@transaction.atomic(durable=True)
def vendor_delete(*, actor, vendor: Vendor) -> None:
    """Delete a vendor nothing refers to. Vendors with contracts (or evaluations, hosted vendors...) are
    refused: the record of past decisions must stay, so they are archived (status retired) instead."""
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    _delete_unreferenced(
        vendor,
        actor=actor,
        action="vendor.delete",
        before=_vendor_snapshot(vendor),
        error=VendorInUse,
        hint="Archive the vendor instead: set its status to Retired.",
    )


# Contracts --------------------------------------------------------------------------------


def _contract_snapshot(contract: Contract) -> dict:
    return audit.snapshot(contract, CONTRACT_FIELDS)


def _save_contract(contract: Contract) -> None:
    if contract.start_date and contract.end_date and contract.end_date < contract.start_date:
        raise ValidationError({"end_date": "The end date must be on or after the start date."})
    if contract.end_date and contract.notice_period_days is not None:
        contract.notice_deadline = contract.compute_notice_deadline()
    contract.currency = (contract.currency or "").upper()
    contract.full_clean()
    try:
        with transaction.atomic():
            contract.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"reference": "This vendor already has a contract with this reference."}
        ) from exc


def _contract_create(
    *,
    actor,
    vendor: Vendor,
    reference: str,
    title: str,
    start_date: date,
    end_date: date,
    committed_spend: Decimal,
    currency: str,
    auto_renewal: bool = False,
    notice_period_days: int = 90,
    status: str = Contract.Status.DRAFT,
) -> Contract:
    contract = Contract(
        vendor=vendor,
        reference=reference.strip(),
        title=title,
        start_date=start_date,
        end_date=end_date,
        committed_spend=committed_spend,
        currency=currency,
        auto_renewal=auto_renewal,
        notice_period_days=notice_period_days,
        status=status,
    )
    contract.exit_rights_missing = ExitRightKind.objects.filter(is_active=True).count()  # no clause yet
    _save_contract(contract)
    audit.record(actor=actor, action="contract.create", obj=contract, after=_contract_snapshot(contract))
    return contract


@transaction.atomic(durable=True)
def contract_create(*, actor, **fields) -> Contract:
    """Add a contract to a vendor; the notice deadline is computed from the end date and notice period."""
    return _contract_create(actor=actor, **fields)


@transaction.atomic(durable=True)
def contract_update(*, actor, contract: Contract, **changes) -> Contract:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    before = _contract_snapshot(contract)
    editable = set(CONTRACT_FIELDS) - {"vendor", "notice_deadline"}
    _assign(contract, changes, editable=editable, transitions=CONTRACT_TRANSITIONS, strip="reference")
    _save_contract(contract)
    after = _contract_snapshot(contract)
    if after != before:
        audit.record(actor=actor, action="contract.update", obj=contract, before=before, after=after)
    return contract


@transaction.atomic(durable=True)
def contract_delete(*, actor, contract: Contract) -> None:
    """Delete a contract with its capacity lines and clauses; refused once documents are attached."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    _delete_unreferenced(
        contract,
        actor=actor,
        action="contract.delete",
        before=_contract_snapshot(contract),
        error=ContractInUse,
        hint="Mark the contract terminated or expired instead.",
    )


# Capacity lines (audited on their contract, so the contract's history shows them) ----------


def _line_snapshot(line: CapacityLine) -> dict:
    return {f"capacity line {line.pk} {k}": v for k, v in audit.snapshot(line, CAPACITY_LINE_FIELDS).items()}


@transaction.atomic(durable=True)
def capacity_line_add(
    *, actor, contract: Contract, accelerator_model: str, count: int, region: str, band: str
) -> CapacityLine:
    return _capacity_line_add(
        actor=actor,
        contract=contract,
        accelerator_model=accelerator_model,
        count=count,
        region=region,
        band=band,
    )


def _capacity_line_add(*, actor, contract, accelerator_model, count, region, band) -> CapacityLine:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    line = CapacityLine(
        contract=contract,
        accelerator_model=accelerator_model.strip(),
        count=count,
        region=region.strip(),
        band=band,
    )
    line.full_clean()
    line.save()
    audit.record(actor=actor, action="contract.capacity_line_add", obj=contract, after=_line_snapshot(line))
    return line


@transaction.atomic(durable=True)
def capacity_line_remove(*, actor, line: CapacityLine) -> None:
    contract = Contract.objects.select_for_update().get(pk=line.contract_id)
    line = CapacityLine.objects.select_for_update().get(pk=line.pk)
    before = _line_snapshot(line)
    line.delete()
    audit.record(actor=actor, action="contract.capacity_line_remove", obj=contract, before=before)


# Documents --------------------------------------------------------------------------------


def check_pdf(uploaded, max_bytes: int) -> None:
    """Refuse anything that is not a non-empty PDF within the size limit, whatever its name says."""
    if not uploaded or uploaded.size == 0:
        raise DocumentRejected("The file is empty.")
    if uploaded.size > max_bytes:
        raise DocumentRejected(f"The file is larger than the limit of {max_bytes // (1024 * 1024)} MB.")
    uploaded.seek(0)
    head = uploaded.read(len(PDF_MAGIC))
    uploaded.seek(0)
    if head != PDF_MAGIC:
        raise DocumentRejected("Only PDF documents can be attached (the file does not start like a PDF).")


def _sha256(uploaded) -> str:
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


@transaction.atomic(durable=True)
def contract_document_add(*, actor, contract: Contract, uploaded, max_bytes: int) -> ContractDocument:
    """Store a PDF for the contract through the storage API; the uploader's file name is kept for display."""
    check_pdf(uploaded, max_bytes)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    sha = _sha256(uploaded)
    existing = contract.documents.filter(sha256=sha).first()
    if existing:
        raise DocumentRejected(f"This document is already attached as “{existing.original_name}”.")
    original = os.path.basename((uploaded.name or "document.pdf").replace("\\", "/"))[:255] or "document.pdf"
    document = ContractDocument(
        contract=contract, original_name=original, size=uploaded.size, sha256=sha, uploaded_by=actor
    )
    document.file.save(original, File(uploaded), save=False)
    stored_name = document.file.name
    # If the database write fails, the stored file must not linger as an orphan.
    try:
        document.full_clean(exclude=["file"])
        with transaction.atomic():
            document.save()
        audit.record(
            actor=actor,
            action="contract.document_add",
            obj=contract,
            after={"document": original, "size": document.size, "sha256": sha},
        )
    except Exception:
        document.file.storage.delete(stored_name)
        raise
    return document


# Exit-rights clauses (audited on their contract) ------------------------------------------


def _scalar_count(queryset) -> Coalesce:
    counted = queryset.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def exit_rights_recount(*, contracts=None) -> int:
    """Store on each contract how many active kinds of exit right it lacks (not present or
    negotiated): one UPDATE statement, for `contracts` (a queryset or ids) or the whole register.

    Called inside the transaction of every service that changes clauses, contracts or kinds, and
    by anything that bulk-creates clauses (the bench dataset, test factories)."""
    if contracts is None:
        targets = Contract.objects.all()
    elif isinstance(contracts, models.QuerySet):
        targets = contracts
    else:
        targets = Contract.objects.filter(pk__in=list(contracts))
    active = _scalar_count(ExitRightKind.objects.filter(is_active=True))
    covered = _scalar_count(
        ExitRightClause.objects.filter(
            contract=OuterRef("pk"), status__in=COVERED_STATUSES, kind__is_active=True
        )
    )
    return targets.update(exit_rights_missing=active - covered)


def _clause_snapshot(clause: ExitRightClause | None, kind: ExitRightKind) -> dict:
    if clause is None:
        return {}
    return {f"{kind.name}: {k}": v for k, v in audit.snapshot(clause, CLAUSE_FIELDS).items()}


def _clause_set(
    *,
    actor,
    contract: Contract,
    kind: ExitRightKind,
    status: str,
    reference: str = "",
    text: str = "",
    notice_days: int | None = None,
    fees: Decimal | None = None,
) -> ExitRightClause:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    clause = ExitRightClause.objects.select_for_update().filter(contract=contract, kind=kind).first()
    before = _clause_snapshot(clause, kind)
    if clause is None:
        clause = ExitRightClause(contract=contract, kind=kind)
    clause.status = status
    clause.reference = reference.strip()
    clause.text = text
    clause.notice_days = notice_days
    clause.fees = fees
    clause.full_clean()
    clause.save()
    exit_rights_recount(contracts=[contract.pk])
    contract.refresh_from_db(fields=["exit_rights_missing"])
    after = _clause_snapshot(clause, kind)
    if after != before:
        action = "contract.clause_update" if before else "contract.clause_create"
        audit.record(actor=actor, action=action, obj=contract, before=before, after=after)
    return clause


@transaction.atomic(durable=True)
def clause_set(*, actor, contract: Contract, kind: ExitRightKind, **fields) -> ExitRightClause:
    """Record what the contract says about one kind of exit right (creating the clause the first time)."""
    return _clause_set(actor=actor, contract=contract, kind=kind, **fields)


# Exit-right kinds (configuration, changed in the admin) ------------------------------------

KIND_FIELDS = ["code", "name", "description", "position", "is_active"]


def exit_right_kind_save(*, actor, kind: ExitRightKind) -> ExitRightKind:
    """Create or change a kind of exit right; adding, retiring or reactivating one recounts every
    contract's missing exit rights in the same transaction (one statement)."""
    with transaction.atomic():
        old = ExitRightKind.objects.select_for_update().filter(pk=kind.pk).first() if kind.pk else None
        before = audit.snapshot(old, KIND_FIELDS) if old else None
        kind.full_clean()
        after = audit.snapshot(kind, KIND_FIELDS)
        if after == before:
            return kind  # saved unchanged: nothing to write, nothing to record
        kind.save()
        if old is None or old.is_active != kind.is_active:
            exit_rights_recount()
        action = "exit_right_kind.update" if old else "exit_right_kind.create"
        audit.record(actor=actor, action=action, obj=kind, before=before, after=after)
    return kind


# CSV import: all rows or none --------------------------------------------------------------


@transaction.atomic(durable=True)
def vendors_import(*, actor, rows: list[dict]) -> list[Vendor]:
    """Create every vendor of a validated import, one audit event each; any failure writes nothing."""
    return [_vendor_create(actor=actor, **row) for row in rows]


@transaction.atomic(durable=True)
def contracts_import(*, actor, rows: list[dict]) -> list[Contract]:
    return [_contract_create(actor=actor, **row) for row in rows]
