"""Decision records: the PDF that says everything about a decision, issued once and provable.

For the decision path (scorecards.services, sign-off): call

    records.decision_record_issue_later(evaluation, actor=actor)

inside the transaction that decides the evaluation, AFTER its decision audit event is recorded.
It captures the audit chain head at that moment (the head printed on the record) and issues the
record once the transaction has committed: rendering never holds the decision's locks, and a
rolled-back decision issues nothing. A failed rendering is logged and kept as a
DecisionRecordFailure; the evaluation's record page shows it with a retry button.

For the evaluation page: {% include "scorecards/record/_evaluation_panel.html" %} (needs
`evaluation`) shows the record's state there: download, DRAFT preview, or the failure and retry.

What a record is:
- `pdf`: the bytes every download serves, `sha256` their hash. Verification of an uploaded file
  matches its SHA-256 against stored records: equal bytes, genuine record; anything else is not.
- `content`: the canonical JSON snapshot the PDF was rendered from (sorted keys, compact, UTC
  times, decimals as text), and `fingerprint` = SHA-256 of that text. A PDF cannot contain its
  own hash, so every page's footer and the PDF metadata carry the fingerprint of its content
  instead, with the record id: a modified copy still says which record it claims to be.
"""

import datetime as dt
import hashlib
import io
import logging
import re
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connections, transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from procurement import audit, policies
from procurement.models import AuditEvent

from . import charts, pdf, scoring, selectors
from .models import (
    DecisionRecord,
    DecisionRecordFailure,
    Evaluation,
    Evidence,
    RequiredSignoff,
    Score,
    Signature,
    SignoffRound,
)
from .services import result_of

logger = logging.getLogger(__name__)

RECORD_KIND = "decision-record"
PREVIEW_KIND = "draft-preview"
# Names of the PDF metadata entries (WeasyPrint keeps only letters and digits, lower case).
META = {
    "kind": "computeregisterkind",
    "record": "computeregisterrecord",
    "evaluation": "computeregisterevaluation",
    "fingerprint": "computeregisterfingerprint",
}
NUMBER_PATTERN = re.compile(r"DR-\d{6,}")
AUDIT_EXCERPT_LIMIT = 40
TEMPLATE = "scorecards/record/decision_record.html"


class RecordError(Exception):
    """The record could not be issued or rendered; the message is written for the reader."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def record_number(evaluation_id: int) -> str:
    # One record per evaluation, so the evaluation's id names it before the row exists (the
    # number is printed in the PDF, which is rendered before the row is written).
    return f"DR-{evaluation_id:06d}"


def _utc(value) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value else ""


def _date(value) -> str:
    return value.isoformat() if value else ""


def _display(model, field_name: str) -> str:
    return getattr(model, f"get_{field_name}_display")()


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


# The content: one snapshot, rendered and hashed ------------------------------------------


def _load(evaluation_id: int) -> Evaluation:
    scores = Score.objects.select_related("dimension").prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.order_by("added_at", "pk"))
    )
    return (
        Evaluation.objects.select_related("vendor", "contract", "template", "author", "revises")
        .prefetch_related(Prefetch("scores", queryset=scores))
        .get(pk=evaluation_id)
    )


def _evaluation_part(evaluation: Evaluation, decision: str) -> dict:
    vendor = evaluation.vendor
    return {
        "id": evaluation.pk,
        "title": evaluation.title,
        "purpose": evaluation.purpose,
        "vendor": {
            "id": vendor.pk,
            "name": vendor.name,
            "legal_entity": vendor.legal_entity,
            "kind": _display(vendor, "kind"),
            "jurisdiction": vendor.hq_jurisdiction,
        },
        "template": {
            "key": evaluation.template.key,
            "name": evaluation.template.name,
            "version": evaluation.template.version,
        },
        "tier": _display(evaluation, "tier"),
        "data_sensitivity": _display(evaluation, "data_sensitivity"),
        "commitment": {"amount": evaluation.commitment_amount, "currency": evaluation.commitment_currency},
        "author": audit.actor_display(evaluation.author),
        "status": _display(evaluation, "status"),
        "decision": decision,
        "decision_label": dict(Evaluation.Status.choices).get(decision, "Not decided"),
        "decided_at": _utc(evaluation.decided_at),
        "submitted_at": _utc(evaluation.submitted_at),
        "content_hash": evaluation.content_hash,
        "revises": (
            {"id": evaluation.revises.pk, "title": evaluation.revises.title} if evaluation.revises else None
        ),
        "reevaluation_due": _date(evaluation.reevaluation_due),
    }


def _scores_part(scores: list[Score]) -> tuple[list[dict], dict]:
    result = result_of(scores)
    rows = []
    for s in scores:
        evidence = []
        for e in s.evidence.all():
            item = {"label": e.label, "url": e.url}
            if e.is_file:
                item |= {"file": e.original_name, "size": e.size, "sha256": e.sha256}
            evidence.append(item)
        rows.append(
            {
                "kind": s.dimension.kind,
                "dimension": s.dimension.name,
                "weight": s.dimension.weight,
                "gate_minimum": s.dimension.gate_minimum,
                "gate_failed": s.dimension.kind in result.gate_failures,
                "score": s.score,
                "level": selectors.level_label(s.score),
                "max": scoring.MAX_SCORE,
                "rationale": s.rationale,
                "evidence": evidence,
            }
        )
    return rows, {
        "total": result.total,
        "gates_passed": result.gates_passed,
        "gate_failures": [row["dimension"] for row in rows if row["gate_failed"]],
        "complete": all(row["score"] is not None for row in rows),
    }


def _contract_part(evaluation: Evaluation) -> dict | None:
    contract = evaluation.contract
    if contract is None:
        return None
    findings = selectors.exit_right_findings([contract.pk]).get(contract.pk, [])
    return {
        "id": contract.pk,
        "reference": contract.reference,
        "title": contract.title,
        "status": _display(contract, "status"),
        "start_date": _date(contract.start_date),
        "end_date": _date(contract.end_date),
        "auto_renewal": contract.auto_renewal,
        "notice_period_days": contract.notice_period_days,
        "notice_deadline": _date(contract.notice_deadline),
        "committed_spend": {"amount": contract.committed_spend, "currency": contract.currency},
        "capacity_lines": [
            {
                "accelerator": line.accelerator_model,
                "count": line.count,
                "region": line.region,
                "band": _display(line, "band"),
            }
            for line in selectors.capacity_lines(contract.pk)
        ],
        "exit_rights": [
            {
                "kind": f.kind.name,
                "status": f.status_label,
                "missing": f.is_missing,
                "reference": f.clause.reference if f.clause else "",
                "notice_days": f.clause.notice_days if f.clause else None,
                "text": f.clause.text if f.clause else "",
            }
            for f in findings
        ],
        "missing_exit_rights": [f.kind.name for f in findings if f.is_missing],
    }


def _signature_entry(signature: Signature) -> dict:
    return {
        "name": signature.signer_name,
        "role": policies.ROLE_LABELS.get(signature.role, signature.role),
        "decision": signature.get_decision_display(),
        "meaning": signature.meaning,
        "comment": signature.comment,
        "at": _utc(signature.signed_at),
        "content_hash": signature.content_hash,
    }


def _signoff_part(evaluation: Evaluation) -> dict:
    """The deciding round (or the open one, for a preview): required sign-offs, signatures,
    conditions; and earlier rounds, whose signatures are kept but void."""
    rounds = list(
        SignoffRound.objects.filter(evaluation=evaluation)
        .order_by("number")
        .prefetch_related(
            Prefetch("signatures", queryset=Signature.objects.order_by("signed_at", "pk")),
            Prefetch("requirements", queryset=RequiredSignoff.objects.order_by("stage", "role", "slot")),
        )
    )
    current = rounds[-1] if rounds else None
    if current is not None and current.outcome not in (
        SignoffRound.Outcome.APPROVED,
        SignoffRound.Outcome.REJECTED,
        SignoffRound.Outcome.OPEN,
    ):
        current = None  # the last round ended without a decision (changes requested, withdrawn)
    signatures = list(current.signatures.all()) if current else []
    signed = {s.requirement_id for s in signatures}
    return {
        "round": current.number if current else None,
        "round_hash": current.content_hash if current else "",
        # The stored snapshot still hashes to the hash every signer signed.
        "round_hash_verified": (sha256_hex(current.snapshot) == current.content_hash) if current else None,
        "required": [
            f"{policies.ROLE_LABELS.get(r.role, r.role)}{f' ({r.slot})' if r.slot > 1 else ''}"
            f"{'' if r.pk in signed else ': not signed'}"
            for r in (current.requirements.all() if current else [])
        ],
        "signatures": [_signature_entry(s) for s in signatures],
        "conditions": [
            {
                "text": s.comment,
                "by": s.signer_name,
                "role": policies.ROLE_LABELS.get(s.role, s.role),
                "at": _utc(s.signed_at),
            }
            for s in signatures
            if s.decision == Signature.Decision.APPROVE_WITH_CONDITIONS
        ],
        "earlier_rounds": [
            {
                "number": r.number,
                "outcome": r.get_outcome_display(),
                "closed_at": _utc(r.closed_at),
                "content_hash": r.content_hash,
                "signatures": [_signature_entry(s) for s in r.signatures.all()],
            }
            for r in rounds
            if r is not current
        ],
    }


def _audit_part(evaluation: Evaluation, head: audit.Checkpoint) -> dict:
    events = AuditEvent.objects.filter(
        object_type=Evaluation._meta.label_lower, object_id=str(evaluation.pk), sequence__lte=head.sequence
    ).order_by("-sequence")
    total = events.count()
    excerpt = list(
        events.values("sequence", "occurred_at", "actor_name", "action", "changes", "hash")[
            :AUDIT_EXCERPT_LIMIT
        ]
    )
    excerpt.reverse()
    return {
        "head": {"sequence": head.sequence, "hash": head.hash},
        "total": total,
        "omitted": total - len(excerpt),
        "events": [
            {
                "sequence": e["sequence"],
                "at": _utc(e["occurred_at"]),
                "actor": e["actor_name"] or "system",
                "action": e["action"],
                "fields": sorted(e["changes"]) if isinstance(e["changes"], dict) else [],
                "hash": e["hash"],
            }
            for e in excerpt
        ],
    }


def _concentration_part(evidence) -> dict:
    return {
        "runs_on": list(evidence.host_chain),
        "hosts": list(evidence.hosted_names),
        "shares": [
            {"layer": column.name, "share": round(cell.percent, 1), "hhi_points": column.points}
            for column, cell in evidence.shares
        ],
        "findings": [
            {"finding": f.label, "workload": f.workload_name, "reason": f.reason} for f in evidence.findings
        ],
        "workloads": [
            {
                "workload": w.name,
                "criticality": w.criticality_label,
                "via": w.via,
                "rto_minutes": w.rto_minutes,
                "rpo_minutes": w.rpo_minutes,
                "rehearsal": w.due_status,
                "last_rehearsed_on": _date(w.last_rehearsal.performed_on) if w.last_rehearsal else "",
                "last_outcome": w.last_rehearsal.outcome_label if w.last_rehearsal else "",
                "met_rto": w.last_rehearsal.met_rto if w.last_rehearsal else None,
                "met_rpo": w.last_rehearsal.met_rpo if w.last_rehearsal else None,
            }
            for w in evidence.workloads
        ],
    }


@dataclass
class Document:
    """Everything one rendering needs: the snapshot, its fingerprint and the HTML."""

    number: str
    kind: str
    snapshot: dict
    content: str
    fingerprint: str
    html: str
    page_size: str
    issued_at: dt.datetime | None = None


def build_document(
    evaluation: Evaluation,
    *,
    draft: bool,
    head: audit.Checkpoint,
    page_size: str,
    decision: str = "",
    issued_at=None,
) -> Document:
    """The snapshot of `evaluation` (loaded by `_load`) and the HTML rendered from it."""
    from resilience.concentration import vendor_evidence

    scores = list(evaluation.scores.all())
    score_rows, result = _scores_part(scores)
    evidence = vendor_evidence(evaluation.vendor)
    number = record_number(evaluation.pk)
    kind = PREVIEW_KIND if draft else RECORD_KIND
    snapshot = {
        "kind": kind,
        "record": number,
        "issued_at": _utc(issued_at) if issued_at else "",
        "evaluation": _evaluation_part(evaluation, decision),
        "scores": score_rows,
        "result": result,
        "contract": _contract_part(evaluation),
        "signoff": _signoff_part(evaluation),
        "audit": _audit_part(evaluation, head),
        "concentration": _concentration_part(evidence),
    }
    content = audit.canonical_json(snapshot)
    fingerprint = sha256_hex(content)
    # Rendered from the JSON form, so the PDF states exactly what was hashed.
    data = audit.to_jsonable(snapshot)
    radar = charts.radar_svg(
        [row["dimension"] for row in data["scores"]],
        [charts.Series(evaluation.title, [row["score"] for row in data["scores"]])],
        title=f"Scores of {evaluation.title} ({evaluation.vendor.name}) on each dimension",
        chart_id="record-radar",
    )
    html = render_to_string(
        TEMPLATE,
        {
            "record": data,
            "number": number,
            "fingerprint": fingerprint,
            "draft": draft,
            "kind": kind,
            "meta": META,
            "page_size": page_size,
            "radar": radar,
            "vendor_evidence": evidence,
            "created_iso": (issued_at or timezone.now()).astimezone(dt.UTC).isoformat(timespec="seconds"),
        },
    )
    return Document(number, kind, snapshot, content, fingerprint, html, page_size, issued_at)


# Audit head at decision time ----------------------------------------------------------------


def _decision_event_head(evaluation: Evaluation) -> tuple[audit.Checkpoint | None, str]:
    """The audit event that recorded the decision (status set to approved or rejected)."""
    event = (
        AuditEvent.objects.filter(
            object_type=Evaluation._meta.label_lower,
            object_id=str(evaluation.pk),
            changes__status__1__in=[str(s) for s in Evaluation.DECIDED_STATES],
        )
        .order_by("-sequence")
        .values_list("sequence", "hash", "changes")
        .first()
    )
    if event is None:
        return None, ""
    return audit.Checkpoint(event[0], event[1]), event[2]["status"][1]


def _decision_of(evaluation: Evaluation) -> tuple[str, audit.Checkpoint | None]:
    head, decided_as = _decision_event_head(evaluation)
    decision = evaluation.status if evaluation.status in Evaluation.DECIDED_STATES else decided_as
    return decision, head


def _failure_head(evaluation: Evaluation) -> audit.Checkpoint | None:
    failure = (
        DecisionRecordFailure.objects.filter(evaluation=evaluation, audit_head_sequence__isnull=False)
        .order_by("occurred_at", "pk")
        .first()
    )
    return audit.Checkpoint(failure.audit_head_sequence, failure.audit_head_hash) if failure else None


# Services -------------------------------------------------------------------------------------


def decision_record_issue_later(evaluation: Evaluation, *, actor=None) -> None:
    """Issue `evaluation`'s decision record once the current transaction commits.

    Call it inside the deciding transaction, after the decision's audit event: the chain head
    read here is the one printed on the record.
    """
    head = audit.head()
    evaluation_id = evaluation.pk
    actor_id = getattr(actor, "pk", None)

    def issue() -> None:
        from django.contrib.auth import get_user_model

        issuer = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
        try:
            decision_record_issue(evaluation_id=evaluation_id, actor=issuer, audit_head=head)
        except RecordError:
            pass  # logged and kept as a failure the evaluation's record page shows, with a retry
        except Exception:
            # Never let an after-commit hook break the request that decided.
            logger.exception("Issuing the decision record of evaluation %s failed", evaluation_id)

    if settings.DECISION_RECORD_IN_BACKGROUND:
        transaction.on_commit(lambda: _start_in_background(issue, name=f"decision-record-{evaluation_id}"))
    else:
        transaction.on_commit(issue)


# Rendering takes seconds: by default it runs in a thread of its own, so the signer's request
# answers at once. A process that dies mid-render leaves no record and no failure; the record
# page then offers to issue it, and issuing stays idempotent.
_background: list[threading.Thread] = []


def _start_in_background(issue, *, name: str) -> None:
    def run() -> None:
        try:
            issue()
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=run, name=name, daemon=False)
    _background[:] = [t for t in _background if t.is_alive()]
    _background.append(thread)
    thread.start()


def wait_for_background(timeout: float | None = None) -> None:
    """Wait until records being issued in the background are stored (commands, tests)."""
    for thread in list(_background):
        thread.join(timeout)


def _record_failure(evaluation_id: int, error: str, head, actor) -> None:
    """Keep a failed issue, with its audit event, in one transaction of its own."""
    try:
        with transaction.atomic():
            failure = DecisionRecordFailure.objects.create(
                evaluation_id=evaluation_id,
                occurred_at=timezone.now(),
                error=error[:2000],
                audit_head_sequence=head.sequence if head else None,
                audit_head_hash=head.hash if head else "",
                attempted_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            audit.record(
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                action="decision_record.fail",
                obj=failure.evaluation,
                after={"record": record_number(evaluation_id), "error": failure.error},
            )
    except Exception:
        logger.exception("Could not keep the failure of evaluation %s's decision record", evaluation_id)


def existing_record(evaluation_id: int) -> DecisionRecord | None:
    return DecisionRecord.objects.defer("pdf", "content").filter(evaluation_id=evaluation_id).first()


def _render_record(evaluation_id: int, audit_head: audit.Checkpoint | None = None):
    """Everything issuing does before storing: load, snapshot, HTML, PDF (no transaction held)."""
    evaluation = _load(evaluation_id)
    decision, decision_head = _decision_of(evaluation)
    if decision not in Evaluation.DECIDED_STATES:
        raise RecordError("This evaluation has not been decided: only a draft preview is available.")
    head = audit_head or _failure_head(evaluation) or decision_head or audit.head()
    document = build_document(
        evaluation,
        draft=False,
        head=head,
        page_size=pdf.page_size(),
        decision=decision,
        issued_at=timezone.now(),
    )
    return evaluation, decision, head, document, pdf.render(document.html)


def decision_record_render(evaluation_id: int) -> pdf.Rendered:
    """The record of a decided evaluation rendered as issuing would, without storing it (bench)."""
    return _render_record(evaluation_id)[-1]


def decision_record_issue(
    *, evaluation_id: int, actor=None, audit_head: audit.Checkpoint | None = None
) -> DecisionRecord:
    """Render and store the decision record of a decided evaluation; idempotent.

    The PDF is rendered outside any transaction (it is slow), then the record and its audit event
    are written in one transaction after locking the evaluation: two concurrent issues store one
    record, and a failure stores nothing but a DecisionRecordFailure.
    """
    found = existing_record(evaluation_id)
    if found is not None:
        return found
    started = time.monotonic()
    head = audit_head
    try:
        _evaluation, decision, head, document, rendered = _render_record(evaluation_id, audit_head)
    except RecordError:
        raise
    except pdf.LibrariesMissing as error:
        # Not a fault of this record: the server lacks Pango. Say so, with what to install.
        logger.error("Decision record of evaluation %s not rendered: %s", evaluation_id, error)
        _record_failure(evaluation_id, str(error), head, actor)
        raise RecordError(str(error)) from error
    except Exception as error:
        logger.exception("Rendering the decision record of evaluation %s failed", evaluation_id)
        _record_failure(evaluation_id, f"{type(error).__name__}: {error}", head, actor)
        raise RecordError(
            "The decision record could not be rendered. The failure was logged; try again, "
            "and tell an administrator if it keeps failing."
        ) from error
    render_ms = round((time.monotonic() - started) * 1000)
    try:
        return _store(
            evaluation_id=evaluation_id,
            document=document,
            rendered=rendered,
            decision=decision,
            head=head,
            actor=actor,
            issued_at=document.issued_at,
            render_ms=render_ms,
        )
    except IntegrityError:
        # Issued meanwhile by a concurrent call: the first one stands.
        found = existing_record(evaluation_id)
        if found is not None:
            return found
        raise
    except Exception as error:
        logger.exception("Storing the decision record of evaluation %s failed", evaluation_id)
        _record_failure(evaluation_id, f"{type(error).__name__}: {error}", head, actor)
        raise RecordError("The decision record could not be stored; nothing was kept. Try again.") from error


@transaction.atomic(durable=True)
def _store(
    *, evaluation_id, document: Document, rendered: pdf.Rendered, decision, head, actor, issued_at, render_ms
) -> DecisionRecord:
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation_id)
    found = DecisionRecord.objects.defer("pdf", "content").filter(evaluation=evaluation).first()
    if found is not None:
        return found
    record = DecisionRecord(
        evaluation=evaluation,
        number=document.number,
        decision=decision,
        pdf=rendered.data,
        size=len(rendered.data),
        page_count=rendered.page_count,
        page_size=document.page_size,
        sha256=sha256_hex(rendered.data),
        content=document.content,
        fingerprint=document.fingerprint,
        audit_head_sequence=head.sequence,
        audit_head_hash=head.hash,
        issued_at=issued_at,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        render_ms=render_ms,
    )
    record.full_clean()
    record.save()
    audit.record(
        actor=actor,
        action="decision_record.issue",
        obj=evaluation,
        after={
            "record": record.number,
            "decision": decision,
            "sha256": record.sha256,
            "fingerprint": record.fingerprint,
            "pages": record.page_count,
            "audit_head": f"#{head.sequence} {head.hash}",
        },
    )
    return record


class RenderersBusy(RecordError):
    """Every preview renderer of this process is busy: ask the reader to come back shortly."""


PREVIEW_CACHE_SECONDS = 60 * 60
_preview_renderers: threading.BoundedSemaphore | None = None
_preview_renderers_lock = threading.Lock()


def _renderers() -> threading.BoundedSemaphore:
    global _preview_renderers
    with _preview_renderers_lock:
        if _preview_renderers is None:
            limit = max(1, settings.DECISION_RECORD_MAX_CONCURRENT_RENDERS)
            _preview_renderers = threading.BoundedSemaphore(limit)
        return _preview_renderers


def decision_record_preview(evaluation_id: int, *, page_size: str | None = None) -> bytes:
    """A DRAFT-marked PDF of an evaluation not yet decided; never stored as a record.

    Rendering takes a second or more, and any reader may ask: one preview is kept per content
    fingerprint and page size in Django's cache (a changed evaluation has another fingerprint, so
    a stale preview is never served), and at most DECISION_RECORD_MAX_CONCURRENT_RENDERS render at
    once per process; beyond that the reader is asked to retry (RenderersBusy) instead of tying up
    every worker.
    """
    evaluation = _load(evaluation_id)
    if evaluation.status in Evaluation.DECIDED_STATES or evaluation.status == Evaluation.Status.SUPERSEDED:
        raise RecordError("This evaluation is decided: download its decision record instead.")
    size = pdf.page_size(page_size)
    document = build_document(evaluation, draft=True, head=audit.head(), page_size=size)
    key = f"decision-record-preview:{evaluation_id}:{size}:{document.fingerprint}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    renderers = _renderers()
    if not renderers.acquire(timeout=0.5):
        raise RenderersBusy("Other previews are being rendered right now. Try again in a few seconds.")
    try:
        data = pdf.render(document.html).data
    except pdf.LibrariesMissing as error:
        raise RecordError(str(error)) from error
    except Exception as error:
        logger.exception("Rendering the draft preview of evaluation %s failed", evaluation_id)
        raise RecordError("The preview could not be rendered. The failure was logged; try again.") from error
    finally:
        renderers.release()
    cache.set(key, data, PREVIEW_CACHE_SECONDS)
    return data


def record_html(evaluation_id: int, *, page_size: str | None = None) -> str:
    """The HTML a stored record would be rendered from now (the bench compares renderers on it)."""
    evaluation = _load(evaluation_id)
    decision, head = _decision_of(evaluation)
    return build_document(
        evaluation,
        draft=decision not in Evaluation.DECIDED_STATES,
        head=head or audit.head(),
        page_size=pdf.page_size(page_size),
        decision=decision,
    ).html


def latest_failure(evaluation_id: int) -> DecisionRecordFailure | None:
    return (
        DecisionRecordFailure.objects.filter(evaluation_id=evaluation_id)
        .order_by("-occurred_at", "-pk")
        .first()
    )


# Verification --------------------------------------------------------------------------------


@dataclass
class Verification:
    """What can be said about a file presented as a decision record."""

    verdict: str  # genuine | modified | draft | unknown | unreadable | damaged
    sha256: str
    size: int
    record: DecisionRecord | None = None  # the record the file is, or claims to be
    claims: dict = field(default_factory=dict)
    fingerprint_matches: bool | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verdict == "genuine"

    @property
    def headline(self) -> str:
        number = self.record.number if self.record else self.claims.get("record", "")
        return {
            "genuine": f"Genuine: this is decision record {number}, exactly as issued.",
            "modified": f"Not genuine: this file claims to be decision record {number}, "
            "but it is not the file that was issued.",
            "damaged": f"The stored copy of decision record {number} no longer matches its own hash.",
            "draft": "Not a decision record: this is a draft preview, marked DRAFT on every page.",
            "unknown": "Not a decision record of this system.",
            "unreadable": "Not a readable PDF file.",
        }[self.verdict]


def _claims(data: bytes) -> tuple[dict, bool]:
    """The record id, kind, evaluation and fingerprint the file says it carries (metadata, text)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    claims: dict = {}
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        info = reader.metadata or {}
        for key, name in META.items():
            value = info.get(f"/{name}")
            if value:
                claims[key] = str(value)
        if "record" not in claims:
            for page in reader.pages[:2]:
                match = NUMBER_PATTERN.search(page.extract_text() or "")
                if match:
                    claims["record"] = match.group(0)
                    break
        return claims, True
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as error:
        logger.info("A file presented for verification is not a readable PDF: %s", error)
        match = NUMBER_PATTERN.search(data.decode("latin-1"))
        if match:
            claims["record"] = match.group(0)
        return claims, False


def decision_record_verify(data: bytes) -> Verification:
    """Is `data` a genuine decision record of this system, and of which evaluation?"""
    digest = sha256_hex(data)
    result = Verification(verdict="unknown", sha256=digest, size=len(data))
    record = DecisionRecord.objects.select_related("evaluation__vendor").filter(sha256=digest).first()
    if record is not None:
        result.record = record
        result.claims = {"record": record.number, "fingerprint": record.fingerprint}
        if sha256_hex(bytes(record.pdf)) != record.sha256 or sha256_hex(record.content) != record.fingerprint:
            result.verdict = "damaged"
            result.notes.append(
                "The database copy was altered after it was issued: restore it from a backup."
            )
        else:
            result.verdict = "genuine"
            result.fingerprint_matches = True
        return result
    claims, readable = _claims(data)
    result.claims = claims
    if not data.startswith(b"%PDF-") or not readable:
        result.verdict = "unreadable"
        return result
    if claims.get("kind") == PREVIEW_KIND:
        result.verdict = "draft"
    claimed = None
    if claims.get("record"):
        claimed = (
            DecisionRecord.objects.defer("pdf")
            .select_related("evaluation__vendor")
            .filter(number=claims["record"])
            .first()
        )
    if claimed is not None:
        result.record = claimed
        if result.verdict != "draft":
            result.verdict = "modified"
        if claims.get("fingerprint"):
            result.fingerprint_matches = claims["fingerprint"] == claimed.fingerprint
            result.notes.append(
                "Its fingerprint matches the record's content, so the text may be the same but the file "
                "was changed or re-saved after it was issued."
                if result.fingerprint_matches
                else "Its fingerprint differs from the record's: the content it was made from is different."
            )
        result.notes.append(f"Download the genuine record {claimed.number} from the system and compare.")
    elif claims.get("record") and result.verdict != "draft":
        result.notes.append(f"No record {claims['record']} has been issued by this system.")
    return result
