"""Decision record pages: status with retry, download of the stored PDF, draft preview, verification."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from procurement import policies
from procurement.forms import StyledForm
from procurement.tasks import task_is_pending

from . import records, selectors
from .models import DecisionRecord, Evaluation
from .records import pdf
from .tasks import issue_decision_record

STATUS_TEMPLATE = "scorecards/record/record_status.html"
LATEST_LIMIT = 10
ISSUABLE = [*Evaluation.DECIDED_STATES, Evaluation.Status.SUPERSEDED]


def _evaluation(request, pk: int) -> Evaluation:
    evaluation = selectors.evaluation_for_user(request.user, pk)
    if not policies.can_download_decision_record(request.user, evaluation):
        raise PermissionDenied
    return evaluation


def _is_decided(evaluation: Evaluation) -> bool:
    return evaluation.status in Evaluation.DECIDED_STATES or evaluation.status == Evaluation.Status.SUPERSEDED


def _pdf_response(data: bytes, filename: str, *, inline: bool, etag: str = "") -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Content-Length"] = str(len(data))
    response["Cache-Control"] = "private, no-store" if not etag else "private, max-age=0, must-revalidate"
    if etag:
        response["ETag"] = f'"{etag}"'
    return response


def _status_context(request, evaluation: Evaluation) -> dict:
    record = records.existing_record(evaluation.pk)
    return {
        "evaluation": evaluation,
        "record": record,
        "failure": None if record else records.latest_failure(evaluation.pk),
        "queued": record is None and task_is_pending(issue_decision_record, evaluation.pk),
        "decided": _is_decided(evaluation),
        "can_retry": policies.can_retry_decision_record(request.user, evaluation),
        "page_sizes": DecisionRecord.PageSize.choices,
    }


def _status_page(request, evaluation: Evaluation):
    template = STATUS_TEMPLATE
    if request.htmx and not request.htmx.boosted:
        template += "#record-panel"
    return render(request, template, _status_context(request, evaluation))


@require_GET
def record_status(request, pk: int):
    return _status_page(request, _evaluation(request, pk))


@require_GET
def record_download(request, pk: int):
    """The stored bytes, identical on every download; never rendered here."""
    evaluation = _evaluation(request, pk)
    record = DecisionRecord.objects.filter(evaluation=evaluation).only("number", "pdf", "sha256").first()
    if record is None:
        if _is_decided(evaluation):
            messages.warning(request, "The decision record has not been issued yet: see below.")
        else:
            messages.info(request, "This evaluation is not decided: a draft preview is available instead.")
        return redirect("scorecards:record-status", pk=evaluation.pk)
    if request.headers.get("If-None-Match") == f'"{record.sha256}"':
        response = HttpResponse(status=304)
        response["ETag"] = f'"{record.sha256}"'
        return response
    return _pdf_response(
        bytes(record.pdf), f"decision-record-{record.number}.pdf", inline=False, etag=record.sha256
    )


@require_GET
def record_preview(request, pk: int):
    """A DRAFT-marked PDF of an undecided evaluation (one per content fingerprint, never a record)."""
    evaluation = _evaluation(request, pk)
    if _is_decided(evaluation):
        return redirect("scorecards:record-download", pk=evaluation.pk)
    try:
        data = records.decision_record_preview(evaluation.pk, page_size=request.GET.get("size"))
    except records.RenderersBusy as error:
        response = render(
            request, STATUS_TEMPLATE, _status_context(request, evaluation) | {"busy": error.message}
        )
        response.status_code = 503
        response["Retry-After"] = "5"
        return response
    except records.RecordError as error:
        messages.error(request, error.message)
        return redirect("scorecards:record-status", pk=evaluation.pk)
    size = pdf.page_size(request.GET.get("size"))
    return _pdf_response(data, f"draft-preview-evaluation-{evaluation.pk}-{size}.pdf", inline=True)


@require_POST
def record_retry(request, pk: int):
    evaluation = _evaluation(request, pk)
    if not policies.can_retry_decision_record(request.user, evaluation):
        raise PermissionDenied
    try:
        record = records.decision_record_issue(evaluation_id=evaluation.pk, actor=request.user)
    except records.RecordError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Decision record {record.number} is issued.")
    if request.htmx and not request.htmx.boosted:
        return _status_page(request, evaluation)
    return redirect("scorecards:record-status", pk=evaluation.pk)


class VerifyForm(StyledForm):
    file = forms.FileField(
        label="PDF file to check",
        help_text="The decision record as you received it. It is hashed and compared, never stored.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"This file is larger than {settings.MAX_UPLOAD_BYTES // (1024 * 1024)} MB: no record is that big."
            )
        return upload


@require_http_methods(["GET", "POST"])
def record_verify(request):
    if not policies.can_verify_decision_records(request.user):
        raise PermissionDenied
    bound = request.method == "POST"
    form = VerifyForm(request.POST if bound else None, request.FILES if bound else None)
    result = None
    if bound and form.is_valid():
        upload = form.cleaned_data["file"]
        result = records.decision_record_verify(b"".join(upload.chunks()))
    context = {"form": form, "result": result, "file_name": request.FILES["file"].name if result else ""}
    template = "scorecards/record/record_verify.html"
    if request.htmx and not request.htmx.boosted:
        template += "#verify-result"
    else:
        context |= latest_records(request.user)
    return render(request, template, context)


# Dashboard -------------------------------------------------------------------------------------
# Registered when the URLconf imports this module, before any page (the dashboard included) runs.
# A link only: the dashboard spends no query on it; the verification page lists the records.


def decision_records_panel(user) -> list[dict]:
    if not policies.can_view_evaluations(user):
        return []
    return [{"title": "Decision records", "template": "scorecards/record/_panel_records.html", "count": None}]


def latest_records(user) -> dict:
    """The latest decision records, and decided evaluations still without one (to issue)."""
    evaluations = selectors.evaluations_for_user(user)
    latest = (
        DecisionRecord.objects.filter(evaluation__in=evaluations.values("pk"))
        .select_related("evaluation__vendor")
        .defer("pdf", "content")
        .order_by("-issued_at", "-pk")[:LATEST_LIMIT]
    )
    missing = evaluations.filter(status__in=ISSUABLE, decision_record__isnull=True).select_related(None)
    return {"latest": list(latest), "missing": list(missing.only("pk", "title")[:LATEST_LIMIT])}
