"""What a decision record holds: one snapshot of the evaluation, its canonical text, its fingerprint,
and the HTML rendered from it."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from costs import tce
from procurement import audit, policies
from procurement.models import AuditEvent

from .. import scoring, selectors, tce_evidence
from ..models import Evaluation, Evidence, RequiredSignoff, Score, Signature, SignoffRound
from ..services import result_of
from . import charts, pdf
from .storage import META, PREVIEW_KIND, RECORD_KIND, record_number, sha256_hex

AUDIT_EXCERPT_LIMIT = 40
TEMPLATE = "scorecards/record/decision_record.html"


def _utc(value) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value else ""


def _date(value) -> str:
    return value.isoformat() if value else ""


def _display(model, field_name: str) -> str:
    return getattr(model, f"get_{field_name}_display")()


def load_evaluation(evaluation_id: int) -> Evaluation:
    scores = Score.objects.select_related("dimension").prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.order_by("added_at", "pk"))
    )
    return (
        Evaluation.objects.select_related(
            "vendor", "contract", "template", "author", "revises", "tce_comparison"
        )
        .prefetch_related(Prefetch("scores", queryset=scores), "tce_comparison__offers")
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
            if e.source or e.excerpt:
                item |= {"source": e.source, "excerpt": e.excerpt}
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


def _tce_part(evaluation: Evaluation) -> dict | None:
    """The attached TCE comparison: the vendor's figures (as signed), the whole frozen snapshot
    the table and chart are drawn from, and whether it still hashes to the comparison's SHA-256."""
    comparison = evaluation.tce_comparison
    if comparison is None:
        return None
    return tce_evidence.figures(comparison, evaluation.vendor_id) | {
        "sha256_verified": tce.snapshot_sha256(comparison.snapshot) == comparison.sha256,
        "snapshot": comparison.snapshot,
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
        "authenticated_by": signature.get_authenticated_by_display(),
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
    """The snapshot of `evaluation` (loaded by `load_evaluation`) and the HTML rendered from it."""
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
        "tce": _tce_part(evaluation),
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


def decision_of(evaluation: Evaluation) -> tuple[str, audit.Checkpoint | None]:
    head, decided_as = _decision_event_head(evaluation)
    decision = evaluation.status if evaluation.status in Evaluation.DECIDED_STATES else decided_as
    return decision, head


def record_html(evaluation_id: int, *, page_size: str | None = None) -> str:
    """The HTML a stored record would be rendered from now (the bench compares renderers on it)."""
    evaluation = load_evaluation(evaluation_id)
    decision, head = decision_of(evaluation)
    return build_document(
        evaluation,
        draft=decision not in Evaluation.DECIDED_STATES,
        head=head or audit.head(),
        page_size=pdf.page_size(page_size),
        decision=decision,
    ).html
