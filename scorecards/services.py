"""Every write to scorecard templates, evaluations, scores and evidence.

Each public service is the outermost transaction (durable), locks the rows whose state changes,
validates with `full_clean`, writes, and records one audit event with before/after values.
"""

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max

from costs.models import Comparison
from procurement import audit, policies

from . import scoring, tce_evidence
from .models import Dimension, DimensionKind, Evaluation, Evidence, Score, ScorecardTemplate


class ScorecardError(Exception):
    """A domain rule refused the change; the message is written for the person who tried."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(ScorecardError):
    pass


class TemplateError(ScorecardError):
    pass


class EvaluationLocked(ScorecardError):
    pass


class EvidenceRejected(ScorecardError):
    pass


class ComparisonRefused(ScorecardError):
    pass


EVALUATION_FIELDS = [
    "vendor",
    "contract",
    "template",
    "title",
    "purpose",
    "tier",
    "data_sensitivity",
    "commitment_amount",
    "commitment_currency",
    "author",
    "status",
    "revises",
]
EDITABLE_FIELDS = [
    "vendor",
    "contract",
    "title",
    "purpose",
    "tier",
    "data_sensitivity",
    "commitment_amount",
    "commitment_currency",
]
TEMPLATE_FIELDS = ["key", "version", "name", "description", "is_active"]
DIMENSION_FIELDS = ["name", "guiding_questions", "weight", "gate_minimum"]

# Magic bytes of the only file types accepted as evidence.
FILE_SIGNATURES = {
    b"%PDF-": ("application/pdf", "pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
}


# Templates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionSpec:
    kind: str
    name: str
    guiding_questions: str
    weight: int
    gate_minimum: int | None = None


def _check_dimensions(specs: Sequence[DimensionSpec]) -> None:
    kinds = [spec.kind for spec in specs]
    if len(set(kinds)) != len(kinds):
        raise TemplateError("Each dimension appears once per template.")
    unknown = set(kinds) - set(DimensionKind.values)
    if unknown:
        raise TemplateError(f"Unknown dimension: {', '.join(sorted(unknown))}.")
    error = scoring.weights_error(spec.weight for spec in specs)
    if error:
        raise TemplateError(error)


def template_snapshot(template: ScorecardTemplate) -> dict:
    data = audit.snapshot(template, TEMPLATE_FIELDS)
    for dimension in template.dimensions.all():
        for name in DIMENSION_FIELDS:
            data[f"{dimension.kind}.{name}"] = audit.to_jsonable(getattr(dimension, name))
    return data


def _write_dimensions(template: ScorecardTemplate, specs: Sequence[DimensionSpec]) -> None:
    template.dimensions.all().delete()
    for position, spec in enumerate(specs):
        dimension = Dimension(
            template=template,
            kind=spec.kind,
            name=spec.name.strip(),
            guiding_questions=spec.guiding_questions.strip(),
            weight=spec.weight,
            gate_minimum=spec.gate_minimum,
            position=position,
        )
        dimension.full_clean()
        dimension.save()


def template_is_used(template: ScorecardTemplate) -> bool:
    return Evaluation.objects.filter(template=template).exists()


@transaction.atomic(durable=True)
def template_create(
    *, actor, key: str, name: str, description: str = "", dimensions: Sequence[DimensionSpec]
) -> ScorecardTemplate:
    if not policies.can_manage_templates(actor):
        raise NotAllowed("Only administrators manage scorecard templates.")
    _check_dimensions(dimensions)
    if ScorecardTemplate.objects.filter(key=key).exists():
        raise TemplateError("A template with this key already exists: edit it to create a new version.")
    template = ScorecardTemplate(key=key, version=1, name=name, description=description, created_by=actor)
    template.full_clean()
    template.save()
    _write_dimensions(template, dimensions)
    audit.record(
        actor=actor, action="scorecard_template.create", obj=template, after=template_snapshot(template)
    )
    return template


@transaction.atomic(durable=True)
def template_update(
    *,
    actor,
    template: ScorecardTemplate,
    name: str,
    description: str,
    is_active: bool = True,
    dimensions: Sequence[DimensionSpec],
) -> ScorecardTemplate:
    """Edit a template. A version already used by an evaluation is never changed: the edit
    becomes the next version, and the old one stays exactly as evaluations scored it."""
    if not policies.can_manage_templates(actor):
        raise NotAllowed("Only administrators manage scorecard templates.")
    _check_dimensions(dimensions)
    # Lock every version of this template: two editors cannot both create "the next version",
    # and no evaluation can start using this version while we decide (evaluation_create locks it too).
    versions = list(
        ScorecardTemplate.objects.select_for_update().filter(key=template.key).order_by("version")
    )
    current = next(v for v in versions if v.pk == template.pk)
    if current.version != versions[-1].version:
        raise TemplateError(
            f"Version {current.version} is not the latest: edit version {versions[-1].version}."
        )
    before = template_snapshot(current)
    if template_is_used(current):
        target = ScorecardTemplate(
            key=current.key,
            version=current.version + 1,
            name=name,
            description=description,
            is_active=is_active,
            created_by=actor,
        )
        action = "scorecard_template.new_version"
        # The old version stops being offered for new evaluations; it is still read by old ones.
        audit_before = {}
    else:
        target = current
        target.name, target.description, target.is_active = name, description, is_active
        action = "scorecard_template.update"
        audit_before = before
    target.full_clean(validate_unique=False)
    target.save()
    _write_dimensions(target, dimensions)
    audit.record(actor=actor, action=action, obj=target, before=audit_before, after=template_snapshot(target))
    return target


def latest_template_versions():
    """The newest version of every template; only active ones are offered for new evaluations."""
    newest = ScorecardTemplate.objects.values("key").annotate(latest=Max("version"))
    pairs = {(row["key"], row["latest"]) for row in newest}
    return [t for t in ScorecardTemplate.objects.all() if (t.key, t.version) in pairs]


# Evaluations ----------------------------------------------------------------------------


def _evaluation_snapshot(evaluation: Evaluation) -> dict:
    return audit.snapshot(evaluation, EVALUATION_FIELDS)


def locked_message(evaluation: Evaluation) -> str:
    return f"This evaluation is {evaluation.get_status_display().lower()}: its content can no longer change."


def _lock_draft(evaluation: Evaluation, actor) -> Evaluation:
    """The evaluation row, locked, after checking that `actor` may still change its content."""
    locked = Evaluation.objects.select_for_update().select_related("template").get(pk=evaluation.pk)
    if not locked.is_draft:
        raise EvaluationLocked(locked_message(locked))
    if not policies.can_edit_evaluation(actor, locked):
        raise NotAllowed("Only the author of a draft evaluation (or an administrator) can change it.")
    return locked


@transaction.atomic(durable=True)
def evaluation_create(
    *,
    actor,
    vendor,
    template: ScorecardTemplate,
    title: str,
    purpose: str,
    tier: str,
    data_sensitivity: str,
    commitment_amount: Decimal,
    commitment_currency: str,
    contract=None,
) -> Evaluation:
    if not policies.can_create_evaluations(actor):
        raise NotAllowed("Only procurement staff create evaluations.")
    # Shares the lock template_update takes, so a version cannot be edited in place while a
    # new evaluation starts using it.
    locked_template = ScorecardTemplate.objects.select_for_update().get(pk=template.pk)
    newest = ScorecardTemplate.objects.filter(key=locked_template.key).aggregate(v=Max("version"))["v"]
    if not locked_template.is_active or locked_template.version != newest:
        raise TemplateError("Use the latest version of an active scorecard template.")
    evaluation = Evaluation(
        vendor=vendor,
        contract=contract,
        template=locked_template,
        title=title.strip(),
        purpose=purpose.strip(),
        tier=tier,
        data_sensitivity=data_sensitivity,
        commitment_amount=commitment_amount,
        commitment_currency=commitment_currency,
        author=actor,
    )
    evaluation.full_clean()
    evaluation.save()
    Score.objects.bulk_create(
        Score(evaluation=evaluation, dimension=dimension) for dimension in locked_template.dimensions.all()
    )
    audit.record(
        actor=actor, action="evaluation.create", obj=evaluation, after=_evaluation_snapshot(evaluation)
    )
    return evaluation


@transaction.atomic(durable=True)
def evaluation_update(*, actor, evaluation: Evaluation, **changes) -> Evaluation:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    locked = _lock_draft(evaluation, actor)
    before = _evaluation_snapshot(locked)
    for name, value in changes.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    locked.full_clean()
    locked.save()
    after = _evaluation_snapshot(locked)
    if before != after:
        audit.record(actor=actor, action="evaluation.update", obj=locked, before=before, after=after)
    return locked


# Scores and evidence --------------------------------------------------------------------


@dataclass
class ScoreEntry:
    score: int | None
    rationale: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (title, url)
    files: list[UploadedFile] = field(default_factory=list)


def _scores_snapshot(scores: Iterable[Score]) -> dict:
    data = {}
    for score in scores:
        kind = score.dimension.kind
        data[f"{kind}.score"] = score.score
        data[f"{kind}.rationale"] = score.rationale
        data[f"{kind}.evidence"] = [
            f"{e.original_name} (sha256 {e.sha256[:12]})" if e.is_file else e.url
            for e in score.evidence.all()
        ]
    return data


def result_of(scores: Iterable[Score], values: Mapping[str, int | None] | None = None) -> scoring.Result:
    """The scoring result of an evaluation's scores (dimensions already loaded); `values` (by
    dimension kind) replaces the saved scores, for the live total of a form being filled in."""
    return scoring.evaluate(
        scoring.DimensionInput(
            key=s.dimension.kind,
            name=s.dimension.name,
            weight=s.dimension.weight,
            gate_minimum=s.dimension.gate_minimum,
            score=values.get(s.dimension.kind) if values is not None else s.score,
        )
        for s in scores
    )


def sniff_upload(upload: UploadedFile) -> tuple[str, str]:
    """(content type, extension) from the file's first bytes; the declared type is not trusted."""
    if upload.size is None or upload.size > settings.MAX_UPLOAD_BYTES:
        limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
        raise EvidenceRejected(f"“{upload.name}” is larger than the {limit} MB limit.")
    if upload.size == 0:
        raise EvidenceRejected(f"“{upload.name}” is empty.")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, kind in FILE_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    raise EvidenceRejected(
        f"“{upload.name}” is not a PDF or PNG file. Only PDF and PNG evidence is accepted."
    )


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _store_files(score: Score, uploads: Sequence[UploadedFile], actor, stored: list[str]) -> None:
    for upload in uploads:
        content_type, _extension = sniff_upload(upload)
        evidence = Evidence(
            score=score,
            original_name=upload.name[:255],
            content_type=content_type,
            size=upload.size,
            sha256=_sha256(upload),
            added_by=actor,
        )
        # Written through the storage API (filesystem or S3); removed again if the transaction fails.
        evidence.file.save(evidence.sha256, upload, save=False)
        stored.append(evidence.file.name)
        evidence.full_clean()
        evidence.save()


def _sync_links(score: Score, links: Sequence[tuple[str, str]], actor) -> None:
    # Links typed on the scores form; evidence with a source is managed where it came from.
    existing = {(e.title, e.url): e for e in score.evidence.all() if not e.is_file and not e.source}
    wanted = list(dict.fromkeys((title.strip()[:200], url.strip()) for title, url in links))
    for key, evidence in existing.items():
        if key not in wanted:
            evidence.delete()
    for title, url in wanted:
        if (title, url) not in existing:
            evidence = Evidence(score=score, title=title, url=url, added_by=actor)
            evidence.full_clean()
            evidence.save()


def _refresh_total(evaluation: Evaluation) -> scoring.Result:
    scores = list(evaluation.scores.select_related("dimension"))
    result = result_of(scores)
    evaluation.weighted_total = result.total
    evaluation.gates_passed = result.gates_passed
    evaluation.save(update_fields=["weighted_total", "gates_passed", "updated_at"])
    return result


def evaluation_save_scores(*, actor, evaluation: Evaluation, entries: Mapping[int, ScoreEntry]) -> Evaluation:
    """Save scores, rationales and evidence of a draft (keyed by dimension id), in one event.

    Files are written to storage before the transaction commits; if it fails they are removed,
    so storage never keeps evidence that the database does not list.
    """
    stored: list[str] = []
    try:
        return _save_scores(actor=actor, evaluation=evaluation, entries=entries, stored=stored)
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


@transaction.atomic(durable=True)
def _save_scores(*, actor, evaluation, entries, stored) -> Evaluation:
    locked = _lock_draft(evaluation, actor)
    scores = list(
        locked.scores.select_related("dimension").prefetch_related("evidence").select_for_update(of=("self",))
    )
    by_dimension = {s.dimension_id: s for s in scores}
    unknown = set(entries) - set(by_dimension)
    if unknown:
        raise ValueError(f"dimensions not in this evaluation's template: {sorted(unknown)}")
    before = _scores_snapshot(scores) | {"weighted_total": audit.to_jsonable(locked.weighted_total)}
    for dimension_id, entry in entries.items():
        score = by_dimension[dimension_id]
        score.score = entry.score
        score.rationale = entry.rationale.strip()
        if score.score is not None or score.rationale:
            try:
                scoring.validate_rationale(score.rationale)
            except ValidationError as error:
                raise ValidationError({f"{score.dimension.kind}-rationale": error.messages}) from error
        score.full_clean()
        score.save()
        _sync_links(score, entry.links, actor)
        _store_files(score, entry.files, actor, stored)
    _refresh_total(locked)
    after_scores = list(locked.scores.select_related("dimension").prefetch_related("evidence"))
    after = _scores_snapshot(after_scores) | {"weighted_total": audit.to_jsonable(locked.weighted_total)}
    if before != after:
        audit.record(actor=actor, action="evaluation.scores_update", obj=locked, before=before, after=after)
    return locked


@transaction.atomic
def evidence_add_sourced(
    *, actor, evaluation: Evaluation, dimension_kind: str, title: str, url: str, excerpt: str, source: str
) -> Evidence:
    """Add evidence brought in from elsewhere (e.g. an accepted questionnaire answer) to one
    dimension of a draft: a link back to where it came from, the text quoted and its source.

    Not durable: the caller (the service that accepts the answer) holds the transaction, so the
    evidence and the caller's own change commit or roll back together."""
    locked = _lock_draft(evaluation, actor)
    score = (
        Score.objects.select_for_update()
        .select_related("dimension")
        .filter(evaluation=locked, dimension__kind=dimension_kind)
        .first()
    )
    if score is None:
        raise ScorecardError(
            f"The evaluation's scorecard has no {DimensionKind(dimension_kind).label.lower()} dimension."
            if dimension_kind in DimensionKind.values
            else "The evaluation's scorecard has no such dimension."
        )
    evidence = Evidence(
        score=score,
        title=title.strip()[:200],
        url=url,
        excerpt=excerpt.strip(),
        source=source.strip()[:300],
        added_by=actor,
    )
    evidence.full_clean()
    evidence.save()
    audit.record(
        actor=actor,
        action="evaluation.evidence_add",
        obj=locked,
        after={f"{dimension_kind}.evidence": evidence.label, "source": evidence.source},
    )
    return evidence


@transaction.atomic(durable=True)
def evidence_delete(*, actor, evidence: Evidence) -> None:
    locked = _lock_draft(evidence.score.evaluation, actor)
    evidence = Evidence.objects.select_related("score__dimension").get(
        pk=evidence.pk, score__evaluation=locked
    )
    label = evidence.label
    kind = evidence.score.dimension.kind
    name = evidence.file.name if evidence.is_file else ""
    evidence.delete()
    # A revision points at its predecessor's stored files: delete only the last reference, and
    # only once the row is gone for good (a rollback must not leave a row without its file).
    if name and not Evidence.objects.filter(file=name).exists():
        transaction.on_commit(lambda: default_storage.delete(name))
    audit.record(
        actor=actor,
        action="evaluation.evidence_delete",
        obj=locked,
        before={f"{kind}.evidence": label},
        after={f"{kind}.evidence": None},
    )


# TCE comparison as commercial evidence --------------------------------------------------


def _comparison_label(comparison: Comparison | None) -> str | None:
    if comparison is None:
        return None
    return f"{comparison.name} (#{comparison.pk}, SHA-256 {comparison.sha256})"


@transaction.atomic(durable=True)
def evaluation_attach_tce(*, actor, evaluation: Evaluation, comparison: Comparison) -> Evaluation:
    """Attach a saved TCE comparison to a draft as commercial evidence (replacing one attached
    before). The comparison must price an offer of the evaluated vendor: otherwise its figures
    say nothing about this decision. Attaching the same comparison again changes nothing."""
    locked = _lock_draft(evaluation, actor)
    comparison = Comparison.objects.prefetch_related("offers").filter(pk=comparison.pk).first()
    if comparison is None:
        raise ComparisonRefused("This comparison no longer exists: choose another one.")
    if not tce_evidence.vendor_offer_ids(comparison, locked.vendor_id):
        raise ComparisonRefused(
            f"“{comparison.name}” compares no offer from {locked.vendor.name}: attach a comparison "
            "that includes this vendor's offer."
        )
    if locked.tce_comparison_id == comparison.pk:
        return locked
    before = {"tce_comparison": _comparison_label(locked.tce_comparison)}
    locked.tce_comparison = comparison
    locked.full_clean()
    locked.save(update_fields=["tce_comparison", "updated_at"])
    audit.record(
        actor=actor,
        action="scorecards.evaluation.attach_tce",
        obj=locked,
        before=before,
        after={"tce_comparison": _comparison_label(comparison)},
    )
    return locked


@transaction.atomic(durable=True)
def evaluation_detach_tce(*, actor, evaluation: Evaluation) -> Evaluation:
    """Remove the TCE comparison from a draft (the comparison itself stays saved)."""
    locked = _lock_draft(evaluation, actor)
    if locked.tce_comparison_id is None:
        raise ComparisonRefused("No TCE comparison is attached to this evaluation.")
    before = {"tce_comparison": _comparison_label(locked.tce_comparison)}
    locked.tce_comparison = None
    locked.save(update_fields=["tce_comparison", "updated_at"])
    audit.record(
        actor=actor,
        action="scorecards.evaluation.detach_tce",
        obj=locked,
        before=before,
        after={"tce_comparison": None},
    )
    return locked
