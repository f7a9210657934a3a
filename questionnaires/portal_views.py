"""The portal: the only pages a vendor contact reaches, with the link's token as the only credential.

No session and no sign-in (exempt from LoginRequiredMiddleware, one view at a time); nothing
here reads request.user. Every request is counted against its token and its client address
first. A wrong, expired or revoked token gets the same page and status, which says nothing
about which of the three it was, or about the questionnaire.
"""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from procurement.web import add_refusal

from . import answers, portal, ratelimit, selectors, tokens, uploads
from .forms import PortalForm
from .models import Answer, Questionnaire
from .services import QuestionnaireError

SAVE, SUBMIT = "save", "submit"


def _no_store(response):
    # The path holds the token: never cached. (The site's Referrer-Policy, same-origin, already
    # keeps it from other sites; "no-referrer" would make browsers post forms with Origin: null,
    # which the CSRF check rightly refuses.)
    response["Cache-Control"] = "no-store"
    return response


def _refused(request, status=404):
    return _no_store(render(request, "questionnaires/portal_invalid.html", status=status))


def _too_many(request):
    return _no_store(render(request, "questionnaires/portal_throttled.html", status=429))


def _recipient(request, token):
    """(recipient, None) for a valid token within the limits, else (None, the page to answer)."""
    if not ratelimit.portal_request_allowed(request, token):
        return None, _too_many(request)
    recipient = tokens.recipient_for(token)
    if recipient is None:
        return None, _refused(request)
    return recipient, None


def _page(request, recipient, form=None, status=200, error=""):
    questionnaire = Questionnaire.objects.select_related("vendor").get(pk=recipient.questionnaire_id)
    all_answers = selectors.answers_of(questionnaire)
    context = {
        "questionnaire": questionnaire,
        "recipient": recipient,
        "vendor": questionnaire.vendor,
        "error": error,
    }
    if questionnaire.is_open:
        context["form"] = form or PortalForm(answers=all_answers)
        context["clarifications"] = [a for a in all_answers if a.review == Answer.Review.CLARIFICATION]
        template = "questionnaires/portal_form.html"
    else:
        submission = questionnaire.submissions.order_by("-round").first()
        context["submission"] = submission
        sections: list = []
        for a in all_answers:
            if not sections or sections[-1][0].pk != a.question.section_id:
                sections.append((a.question.section, []))
            sections[-1][1].append((a, answers.with_unit(a), list(a.files.all())))
        context["sections"] = sections
        template = "questionnaires/portal_submitted.html"
    return _no_store(render(request, template, context, status=status))


@login_not_required
@require_http_methods(["GET", "POST"])
def portal_questionnaire(request, token: str):
    recipient, refusal = _recipient(request, token)
    if refusal:
        return refusal
    if request.method == "GET":
        if recipient.first_opened_at is None:
            portal.portal_open(recipient=recipient)
        return _page(request, recipient)
    questionnaire = recipient.questionnaire
    form = PortalForm(request.POST, request.FILES, answers=selectors.answers_of(questionnaire))
    if not questionnaire.is_open:
        return _page(request, recipient)
    if form.is_valid():
        submit = request.POST.get("action") == SUBMIT
        try:
            portal.portal_save(recipient=recipient, values=form.values(), files=form.uploads(), submit=submit)
        except (QuestionnaireError, uploads.FileRefused) as error:
            add_refusal(form, error)
        else:
            return redirect("questionnaires:portal", token=token)
    return _page(request, recipient, form=form)


@login_not_required
@require_POST
def portal_file_remove(request, token: str, file_pk: int):
    recipient, refusal = _recipient(request, token)
    if refusal:
        return refusal
    try:
        portal.portal_file_remove(recipient=recipient, file_id=file_pk)
    except QuestionnaireError as error:
        # A file id outside this questionnaire is a plain 404 (as a guessed id is everywhere).
        status = 404 if isinstance(error, portal.FileNotAttached) else 200
        return _page(request, recipient, error=error.message, status=status)
    return redirect("questionnaires:portal", token=token)
