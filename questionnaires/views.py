"""Procurement's questionnaire pages: list, send, one questionnaire with its answers and review,
an answer (where evidence links back to), files, contacts, CSV export. Thin views."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from procurement import policies
from procurement.web import require, save_form
from vendors.csv_io import stream_rows

from . import answers, checks, selectors, services
from .forms import RecipientAddForm, ReopenForm, ReviewForm, SendForm
from .models import Questionnaire

PAGE_SIZE = 25


def _save(form, call):
    return save_form(form, call, (services.QuestionnaireError,))


@require_GET
def questionnaire_list(request):
    require(policies.can_view_questionnaires(request.user))
    rows = selectors.questionnaire_rows(request.user)
    status = request.GET.get("status", "")
    if status in Questionnaire.Status.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "questionnaires/questionnaire_list.html",
        {
            "page_obj": page,
            "status": status,
            "statuses": Questionnaire.Status.choices,
            "can_send": policies.can_send_questionnaires(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def questionnaire_send(request):
    require(policies.can_send_questionnaires(request.user))
    initial = {"template": services.default_template()}
    vendor_id = request.GET.get("vendor", "")
    if vendor_id.isdigit():
        initial["vendor"] = int(vendor_id)
    form = SendForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        questionnaire = _save(
            form,
            lambda: services.questionnaire_send(
                actor=request.user,
                vendor=data["vendor"],
                template=data["template"],
                title=data["title"],
                due_date=data["due_date"],
                contacts=data["contacts"],
                message=data["message"],
            ),
        )
        if questionnaire:
            messages.success(
                request,
                f"Questionnaire sent to {questionnaire.recipients.count()} contact(s) of {questionnaire.vendor}.",
            )
            return redirect("questionnaires:detail", pk=questionnaire.pk)
    return render(request, "questionnaires/questionnaire_send.html", {"form": form})


def _detail_context(request, questionnaire, *, review_forms=None, **extra) -> dict:
    all_answers = selectors.answers_of(questionnaire)
    can_send = policies.can_send_questionnaires(request.user)
    evaluations = selectors.evaluations_for_evidence(request.user, questionnaire) if can_send else None
    review_forms = review_forms or {}
    reviewing = can_send and questionnaire.status == Questionnaire.Status.SUBMITTED
    flags = checks.register_flags(questionnaire.vendor, all_answers)
    rows = [
        {
            "answer": a,
            "display": answers.with_unit(a),
            "flags": flags.get(a.pk, []),
            "form": review_forms.get(a.pk)
            or (ReviewForm(evaluations=evaluations, answer=a) if reviewing else None),
        }
        for a in all_answers
    ]
    return {
        "questionnaire": questionnaire,
        "rows": rows,
        "flag_count": sum(len(f) for f in flags.values()),
        "recipients": list(questionnaire.recipients.all()),
        "submissions": list(questionnaire.submissions.all()),
        "can_send": can_send,
        "reviewing": reviewing,
        "now": timezone.now(),
        "recipient_form": extra.pop("recipient_form", None) or (RecipientAddForm() if can_send else None),
        "reopen_form": extra.pop("reopen_form", None) or (ReopenForm() if reviewing else None),
        "has_evaluations": bool(evaluations is not None and evaluations.exists()),
        **extra,
    }


@require_GET
def questionnaire_detail(request, pk: int):
    questionnaire = selectors.questionnaire_for_user(request.user, pk)
    return render(
        request, "questionnaires/questionnaire_detail.html", _detail_context(request, questionnaire)
    )


@require_POST
def answer_review(request, pk: int, answer_pk: int):
    require(policies.can_send_questionnaires(request.user))
    answer = selectors.answer_for_user(request.user, pk, answer_pk)
    questionnaire = answer.questionnaire
    evaluations = selectors.evaluations_for_evidence(request.user, questionnaire)
    form = ReviewForm(request.POST, evaluations=evaluations, answer=answer)
    if form.is_valid():
        data = form.cleaned_data
        reviewed = _save(
            form,
            lambda: services.answer_review(
                actor=request.user,
                answer=answer,
                decision=data["decision"],
                note=data["note"],
                evaluation=data["evaluation"],
            ),
        )
        if reviewed:
            if reviewed.review == reviewed.Review.CLARIFICATION:
                messages.success(request, "Clarification asked: the questionnaire is back with the vendor.")
            elif reviewed.evidence_id:
                messages.success(request, f"Answer {answer.question.code} accepted and added as evidence.")
            else:
                messages.success(request, f"Answer {answer.question.code} accepted.")
            return redirect(f"{reverse('questionnaires:detail', args=[pk])}#answer-{answer.pk}")
    questionnaire = selectors.questionnaire_for_user(request.user, pk)
    context = _detail_context(request, questionnaire, review_forms={answer.pk: form})
    return render(request, "questionnaires/questionnaire_detail.html", context, status=200)


@require_POST
def questionnaire_reopen(request, pk: int):
    require(policies.can_send_questionnaires(request.user))
    questionnaire = selectors.questionnaire_for_user(request.user, pk)
    form = ReopenForm(request.POST)
    if form.is_valid() and _save(
        form,
        lambda: services.questionnaire_reopen(
            actor=request.user, questionnaire=questionnaire, note=form.cleaned_data["note"]
        ),
    ):
        messages.success(request, "The questionnaire is back with the vendor, with your note.")
        return redirect("questionnaires:detail", pk=pk)
    return render(
        request,
        "questionnaires/questionnaire_detail.html",
        _detail_context(request, questionnaire, reopen_form=form),
    )


@require_POST
def recipient_add(request, pk: int):
    require(policies.can_send_questionnaires(request.user))
    questionnaire = selectors.questionnaire_for_user(request.user, pk)
    form = RecipientAddForm(request.POST)
    if form.is_valid():
        try:
            recipient = services.recipient_add(
                actor=request.user,
                questionnaire=questionnaire,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
            )
        except (ValidationError, services.QuestionnaireError) as error:
            messages_ = error.messages if isinstance(error, ValidationError) else [error.message]
            form.add_error(None, messages_)
        else:
            messages.success(request, f"Questionnaire sent to {recipient.name}.")
            return redirect("questionnaires:detail", pk=pk)
    return render(
        request,
        "questionnaires/questionnaire_detail.html",
        _detail_context(request, questionnaire, recipient_form=form),
    )


@require_POST
def recipient_revoke(request, pk: int, recipient_pk: int):
    require(policies.can_send_questionnaires(request.user))
    recipient = selectors.recipient_for_user(request.user, pk, recipient_pk)
    try:
        services.recipient_revoke(actor=request.user, recipient=recipient)
    except services.QuestionnaireError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"The links of {recipient.name} no longer work.")
    return redirect("questionnaires:detail", pk=pk)


@require_POST
def recipient_link(request, pk: int, recipient_pk: int):
    """A new link for a contact, shown once on this answer (hand it over another way than mail)."""
    require(policies.can_send_questionnaires(request.user))
    recipient = selectors.recipient_for_user(request.user, pk, recipient_pk)
    try:
        link = services.recipient_new_link(actor=request.user, recipient=recipient)
    except services.QuestionnaireError as error:
        messages.error(request, error.message)
        return redirect("questionnaires:detail", pk=pk)
    response = render(
        request,
        "questionnaires/recipient_link.html",
        {"questionnaire": recipient.questionnaire, "recipient": recipient, "link": link},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def answer_detail(request, pk: int, answer_pk: int):
    answer = selectors.answer_for_user(request.user, pk, answer_pk)
    flags = checks.register_flags(answer.questionnaire.vendor, [answer]).get(answer.pk, [])
    return render(
        request,
        "questionnaires/answer_detail.html",
        {
            "answer": answer,
            "questionnaire": answer.questionnaire,
            "display": answers.with_unit(answer),
            "flags": flags,
        },
    )


@require_GET
def file_download(request, pk: int):
    attached = selectors.answer_file_for_user(request.user, pk)
    try:
        handle = attached.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The stored file is missing.") from exc
    response = FileResponse(
        handle, as_attachment=True, filename=attached.original_name, content_type=attached.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


EXPORT_COLUMNS = [
    "questionnaire",
    "vendor",
    "section",
    "code",
    "question",
    "type",
    "answer",
    "unit",
    "files",
    "dimension",
    "review",
    "review_note",
    "saved_by",
    "saved_at",
]


def export_rows(questionnaire, all_answers):
    for a in all_answers:
        q = a.question
        yield [
            questionnaire.title,
            questionnaire.vendor.name,
            q.section.title,
            q.code,
            q.text,
            q.get_kind_display(),
            answers.display(q.kind, a.value),
            q.unit,
            answers.files_line(a.files.all()),
            q.dimension,
            a.get_review_display(),
            a.review_note,
            a.saved_by.label if a.saved_by else "",
            a.saved_at.isoformat() if a.saved_at else "",
        ]


@require_GET
def answers_export(request, pk: int):
    questionnaire = selectors.questionnaire_for_user(request.user, pk)
    rows = export_rows(questionnaire, selectors.answers_of(questionnaire))
    response = StreamingHttpResponse(
        stream_rows(EXPORT_COLUMNS, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="questionnaire-{questionnaire.pk}-answers.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
