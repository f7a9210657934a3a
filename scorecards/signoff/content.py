"""The content signers sign: a canonical snapshot of an evaluation and the hash that binds it.

The snapshot holds everything a signer approves; its canonical JSON text is stored with the round and
its SHA-256 is what every signature of the round carries.
"""

import hashlib

from procurement import audit

from .. import tce_evidence
from ..models import Evaluation, Evidence, Score
from ..services import result_of


def content_snapshot(evaluation: Evaluation) -> dict:
    """Everything a signer approves: the evaluation, vendor and contract facts, the template
    version, each score with its rationale and evidence, the result, and the attached TCE
    comparison (its SHA-256 and the figures of this vendor's offers and of the cheapest)."""
    vendor = evaluation.vendor
    contract = evaluation.contract
    scores = list(
        Score.objects.filter(evaluation=evaluation).select_related("dimension").prefetch_related("evidence")
    )
    result = result_of(scores)
    template = evaluation.template
    data = {
        "evaluation": audit.snapshot(
            evaluation,
            [
                "title",
                "purpose",
                "tier",
                "data_sensitivity",
                "commitment_amount",
                "commitment_currency",
                "author",
                "revises",
            ],
        )
        | {"id": evaluation.pk},
        "vendor": audit.snapshot(
            vendor, ["name", "legal_entity", "kind", "hq_jurisdiction", "processing_regions", "status"]
        )
        | {"id": vendor.pk},
        "contract": None,
        "template": {
            "key": template.key,
            "version": template.version,
            "name": template.name,
            "dimensions": [
                {
                    "kind": s.dimension.kind,
                    "name": s.dimension.name,
                    "weight": s.dimension.weight,
                    "gate_minimum": s.dimension.gate_minimum,
                    "guiding_questions": s.dimension.guiding_questions,
                }
                for s in scores
            ],
        },
        "scores": [
            {
                "dimension": s.dimension.kind,
                "score": s.score,
                "rationale": s.rationale,
                "evidence": [_evidence_entry(e) for e in s.evidence.all()],
            }
            for s in scores
        ],
        "result": {"weighted_total": result.total, "gates_passed": result.gates_passed},
    }
    if contract is not None:
        data["contract"] = audit.snapshot(
            contract,
            [
                "reference",
                "title",
                "start_date",
                "end_date",
                "auto_renewal",
                "notice_period_days",
                "committed_spend",
                "currency",
                "status",
            ],
        ) | {
            "id": contract.pk,
            "capacity_lines": [
                [line.accelerator_model, line.count, line.region, line.band]
                for line in contract.capacity_lines.order_by("pk")
            ],
            "exit_rights": [
                [clause.kind.code, clause.status, clause.reference]
                for clause in contract.clauses.select_related("kind").order_by("kind__code")
            ],
        }
    # Only when attached, so an evaluation without one keeps the snapshot (and hash) it always had.
    if evaluation.tce_comparison_id is not None:
        data["tce"] = tce_evidence.figures(evaluation.tce_comparison, vendor.pk)
    return audit.to_jsonable(data)


def _evidence_entry(evidence: Evidence) -> dict:
    if evidence.is_file:
        entry = {"file": evidence.original_name, "sha256": evidence.sha256, "size": evidence.size}
    else:
        entry = {"title": evidence.title, "url": evidence.url}
    # Only when present, so evidence without them keeps the snapshot (and hash) it always had.
    if evidence.source:
        entry["source"] = evidence.source
    if evidence.excerpt:
        entry["excerpt"] = evidence.excerpt
    return entry


def hash_content(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()


def canonical_content(evaluation: Evaluation) -> tuple[str, str]:
    """(canonical text, its SHA-256) of the evaluation's content as it is now."""
    canonical = audit.canonical_json(content_snapshot(evaluation))
    return canonical, hash_content(canonical)
