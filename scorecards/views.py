from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from procurement import policies, signin
from procurement.middleware import log_denied
from procurement.web import add_refusal, is_htmx_fragment, signer_authentication
from vendors.models import Vendor

from . import selectors, services, signoff
from .filters import EvaluationFilter
from .forms import (
    EvaluationForm,
    ScoresForm,
    SignoffForm,
    TCEComparisonForm,
    TemplateForm,
    WithdrawForm,
    typed_scores,
)
from .models import Evidence

PAGE_SIZE = 25


# Evaluations ----------------------------------------------------------------------------


@require_GET
def evaluation_list(request):
    if not policies.can_view_evaluations(request.user):
        raise PermissionDenied
    filterset = EvaluationFilter(request.GET, queryset=selectors.evaluation_rows_for_user(request.user))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page_obj": page,
        "can_create": policies.can_create_evaluations(request.user),
    }
    template = "scorecards/evaluation_list.html"
    if is_htmx_fragment(request):
        template += "#evaluation-results"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def evaluation_create(request):
    if not policies.can_create_evaluations(request.user):
        raise PermissionDenied
    initial = {"vendor": request.GET.get("vendor"), "contract": request.GET.get("contract")}
    form = EvaluationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = services.evaluation_create(actor=request.user, **form.cleaned_data)
        except (services.ScorecardError, ValidationError) as error:
            add_refusal(form, error)
        else:
            messages.success(request, "Evaluation created. Score each dimension below.")
            return redirect("scorecards:evaluation-scores", pk=evaluation.pk)
    return render(request, "scorecards/evaluation_form.html", {"form": form})


@require_GET
def evaluation_detail(request, pk: int):
    evaluation = selectors.evaluation_for_user(request.user, pk)
    context = selectors.evaluation_context(evaluation)
    user = request.user
    context.update(
        can_edit=policies.can_edit_evaluation(user, evaluation),
        can_submit=policies.can_submit_evaluation(user, evaluation),
        can_withdraw=policies.can_withdraw_evaluation(user, evaluation),
        can_revise=policies.can_revise_evaluation(user, evaluation),
        rounds=(rounds := selectors.signoff_rounds(evaluation)),
        can_sign=bool(selectors.open_roles_for(user, evaluation, rounds)),
    )
    if context["can_edit"]:
        context["tce_form"] = TCEComparisonForm(
            evaluation=evaluation,
            initial={"comparison": evaluation.tce_comparison_id},
        )
    return render(request, "scorecards/evaluation_detail.html", context)


@require_http_methods(["GET", "POST"])
def evaluation_edit(request, pk: int):
    evaluation = selectors.evaluation_for_user(request.user, pk)
    if not policies.can_edit_evaluation(request.user, evaluation):
        raise PermissionDenied
    form = EvaluationForm(request.POST or None, instance=evaluation)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_update(actor=request.user, evaluation=evaluation, **form.cleaned_data)
        except (services.ScorecardError, ValidationError) as error:
            add_refusal(form, error)
        else:
            messages.success(request, "Evaluation details saved.")
            return redirect("scorecards:evaluation-detail", pk=evaluation.pk)
    return render(request, "scorecards/evaluation_form.html", {"form": form, "evaluation": evaluation})


def _summary_context(evaluation, data=None) -> dict:
    """The total, gates and radar for the scores typed in `data` (the saved ones without data)."""
    scores = list(evaluation.scores.all())
    values = typed_scores(scores, data) if data is not None else {s.dimension.kind: s.score for s in scores}
    result = services.result_of(scores, values)
    return {
        "result": result,
        "summary": selectors.summary_rows(scores, result, values),
        "radar": selectors.radar_for(evaluation, values),
    }


def _scores_page(request, evaluation, form, *, status=200):
    summary = _summary_context(evaluation, form.data if form.is_bound else None)
    context = selectors.evaluation_context(evaluation, with_result=False) | summary | {"form": form}
    return render(request, "scorecards/evaluation_scores.html", context, status=status)


@require_http_methods(["GET", "POST"])
def evaluation_scores(request, pk: int):
    """The scoring form. Saves on POST; the live total comes from `evaluation_scores_preview`."""
    evaluation = selectors.evaluation_for_user(request.user, pk)
    if not policies.can_edit_evaluation(request.user, evaluation):
        raise PermissionDenied
    form = ScoresForm(request.POST or None, request.FILES or None, evaluation=evaluation)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.evaluation_save_scores(
                    actor=request.user, evaluation=evaluation, entries=form.entries()
                )
            except (services.ScorecardError, ValidationError) as error:
                add_refusal(form, error)
            else:
                messages.success(request, "Scores saved.")
                return redirect("scorecards:evaluation-detail", pk=evaluation.pk)
        return _scores_page(request, evaluation, form, status=422)
    return _scores_page(request, evaluation, form)


@require_POST
def evaluation_scores_preview(request, pk: int):
    """The weighted total and gates for the scores as typed, without saving anything.

    htmx swaps the summary panel; without JavaScript the "Recalculate" button posts here and
    gets the whole form back with what was typed and the new total.
    """
    if is_htmx_fragment(request):
        # The live total: only the scores and their dimensions, no form, nothing saved.
        evaluation = selectors.evaluation_for_user(request.user, pk, with_evidence=False)
        if not policies.can_edit_evaluation(request.user, evaluation):
            raise PermissionDenied
        context = {"evaluation": evaluation} | _summary_context(evaluation, request.POST)
        return render(request, "scorecards/evaluation_scores.html#score-summary", context)
    evaluation = selectors.evaluation_for_user(request.user, pk)
    if not policies.can_edit_evaluation(request.user, evaluation):
        raise PermissionDenied
    return _scores_page(request, evaluation, ScoresForm(request.POST, evaluation=evaluation))


def _tce_evaluation(request, pk: int):
    """The evaluation whose TCE evidence is changed: someone else's draft is refused (403); a
    frozen one is not a matter of permission, the page says why."""
    evaluation = selectors.evaluation_for_user(request.user, pk, with_evidence=False)
    if evaluation.is_draft and not policies.can_edit_evaluation(request.user, evaluation):
        raise PermissionDenied
    return evaluation


@require_POST
def evaluation_tce_attach(request, pk: int):
    evaluation = _tce_evaluation(request, pk)
    form = TCEComparisonForm(request.POST, evaluation=evaluation)
    if not evaluation.is_draft:
        messages.error(request, services.locked_message(evaluation))
    elif not form.is_valid():
        messages.error(request, " ".join(form.errors.get("comparison", form.non_field_errors())))
    else:
        try:
            services.evaluation_attach_tce(
                actor=request.user, evaluation=evaluation, comparison=form.cleaned_data["comparison"]
            )
        except services.ScorecardError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"Attached “{form.cleaned_data['comparison'].name}” as commercial evidence."
            )
    return redirect("scorecards:evaluation-detail", pk=evaluation.pk)


@require_POST
def evaluation_tce_detach(request, pk: int):
    evaluation = _tce_evaluation(request, pk)
    try:
        services.evaluation_detach_tce(actor=request.user, evaluation=evaluation)
    except services.ScorecardError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The TCE comparison is no longer attached (it stays saved).")
    return redirect("scorecards:evaluation-detail", pk=evaluation.pk)


@require_GET
def evidence_download(request, pk: int):
    evidence = get_object_or_404(Evidence.objects.select_related("score__evaluation"), pk=pk)
    # Same visibility as the evaluation itself: a 404 for anyone who may not see it.
    selectors.evaluation_for_user(request.user, evidence.score.evaluation_id)
    if not evidence.is_file:
        raise Http404
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
def evidence_delete(request, pk: int):
    evidence = get_object_or_404(Evidence.objects.select_related("score__evaluation"), pk=pk)
    evaluation = selectors.evaluation_for_user(request.user, evidence.score.evaluation_id)
    try:
        services.evidence_delete(actor=request.user, evidence=evidence)
    except services.NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except services.ScorecardError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Removed “{evidence.label}”.")
    return redirect("scorecards:evaluation-scores", pk=evaluation.pk)


@require_GET
def evaluation_compare(request):
    if not policies.can_view_evaluations(request.user):
        raise PermissionDenied
    ids = selectors.parse_ids(request.GET.getlist("ids"))
    context = {"ids": ids, "error": None}
    try:
        context.update(selectors.comparison(request.user, ids))
    except ValueError as error:
        context["error"] = str(error)
    return render(
        request, "scorecards/evaluation_compare.html", context, status=200 if not context["error"] else 400
    )


@require_GET
def vendor_history(request, vendor_pk: int):
    if not policies.can_view_evaluations(request.user):
        raise PermissionDenied
    vendor = get_object_or_404(Vendor, pk=vendor_pk)
    context = selectors.vendor_history(request.user, vendor)
    template = "scorecards/vendor_history.html"
    if is_htmx_fragment(request):
        template += "#vendor-evaluations"
    return render(request, template, context)


# Templates ------------------------------------------------------------------------------


@require_GET
def template_list(request):
    if not policies.can_view_evaluations(request.user):
        raise PermissionDenied
    templates = selectors.templates_for_user(request.user).order_by("name", "-version")
    context = {"templates": templates, "can_manage": policies.can_manage_templates(request.user)}
    return render(request, "scorecards/template_list.html", context)


@require_GET
def template_detail(request, pk: int):
    template = get_object_or_404(selectors.templates_for_user(request.user), pk=pk)
    context = {
        "template": template,
        "dimensions": list(template.dimensions.all()),
        "is_used": services.template_is_used(template),
        "versions": list(
            selectors.templates_for_user(request.user).filter(key=template.key).order_by("-version")
        ),
        "can_manage": policies.can_manage_templates(request.user),
    }
    return render(request, "scorecards/template_detail.html", context)


@require_http_methods(["GET", "POST"])
def template_create(request):
    if not policies.can_manage_templates(request.user):
        raise PermissionDenied
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_create(
                actor=request.user,
                key=form.cleaned_data["key"],
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                dimensions=form.specs(),
            )
        except (services.ScorecardError, ValidationError) as error:
            add_refusal(form, error)
        else:
            messages.success(request, "Template created.")
            return redirect("scorecards:template-detail", pk=template.pk)
    return render(request, "scorecards/template_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def template_edit(request, pk: int):
    if not policies.can_manage_templates(request.user):
        raise PermissionDenied
    template = get_object_or_404(selectors.templates_for_user(request.user), pk=pk)
    form = TemplateForm(request.POST or None, template=template)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.template_update(
                actor=request.user,
                template=template,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                is_active=form.cleaned_data["is_active"],
                dimensions=form.specs(),
            )
        except (services.ScorecardError, ValidationError) as error:
            add_refusal(form, error)
        else:
            if saved.pk != template.pk:
                messages.success(
                    request,
                    f"Version {template.version} is used by evaluations, so your changes became version {saved.version}.",
                )
            else:
                messages.success(request, "Template saved.")
            return redirect("scorecards:template-detail", pk=saved.pk)
    context = {"form": form, "template": template, "is_used": services.template_is_used(template)}
    return render(request, "scorecards/template_form.html", context)


# Sign-off -------------------------------------------------------------------------------


def _signoff_refused(request, error) -> None:
    """The refusal as a message on the evaluation page; one the person may not do is also
    logged as a denied request, like a 403 (a wrong state is not a denial)."""
    if isinstance(error, services.NotAllowed | signoff.SeparationOfDutiesViolation):
        log_denied(request, 403, error.message)
    messages.error(request, error.message)


@require_POST
def evaluation_submit(request, pk: int):
    evaluation = selectors.evaluation_for_user(request.user, pk, with_evidence=False)
    try:
        signoff_round = signoff.evaluation_submit(actor=request.user, evaluation=evaluation)
    except services.ScorecardError as error:
        _signoff_refused(request, error)
    else:
        roles = ", ".join(str(r) for r in signoff_round.requirements.all())
        messages.success(request, f"Submitted for sign-off by {roles}. The content is now frozen.")
    return redirect("scorecards:evaluation-detail", pk=evaluation.pk)


@require_http_methods(["GET", "POST"])
def evaluation_sign(request, pk: int):
    evaluation = selectors.evaluation_for_user(request.user, pk, with_evidence=False)
    all_roles = policies.signing_roles(request.user)
    if not all_roles:
        raise PermissionDenied
    rounds = selectors.signoff_rounds(evaluation)
    current = rounds[0] if rounds and rounds[0].round.outcome == "open" else None
    # The roles still open for this user first; otherwise all theirs, and the service says why not.
    roles = selectors.open_roles_for(request.user, evaluation, rounds) or all_roles
    authentication = signin.required_method(request.user)
    form = SignoffForm(request.POST or None, roles=roles, authentication=authentication)
    if request.method == "POST" and form.is_valid():
        try:
            signature = signoff.signoff_record(
                actor=request.user,
                evaluation=evaluation,
                role=form.cleaned_data["role"],
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
                password=form.cleaned_data.get("password", ""),
                code=form.cleaned_data.get("code", ""),
                request_token=form.cleaned_data["request_token"],
                request=request,
            )
        except signoff.ReauthenticationFailed as error:
            form.add_error(authentication if authentication in ("password", "code") else None, error.message)
        except services.ScorecardError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Signed: {signature.meaning}")
            return redirect("scorecards:evaluation-detail", pk=evaluation.pk)
    refusal = None
    if evaluation.author_id == request.user.pk:
        refusal = "You wrote this evaluation: someone else must sign it off."
    elif evaluation.status != evaluation.Status.SUBMITTED:
        refusal = (
            f"This evaluation is {evaluation.get_status_display().lower()}: it is not awaiting sign-off."
        )
    context = {
        "evaluation": evaluation,
        "form": form,
        "current": current,
        "refusal": refusal,
        **signer_authentication(request, sign_page=request.path),
    }
    return render(request, "scorecards/evaluation_sign.html", context, status=422 if form.errors else 200)


@require_POST
def evaluation_withdraw(request, pk: int):
    evaluation = selectors.evaluation_for_user(request.user, pk, with_evidence=False)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        signoff.evaluation_withdraw(actor=request.user, evaluation=evaluation, reason=reason)
    except services.ScorecardError as error:
        _signoff_refused(request, error)
    else:
        messages.success(request, "Evaluation withdrawn. Its signatures, if any, no longer count.")
    return redirect("scorecards:evaluation-detail", pk=evaluation.pk)


@require_POST
def evaluation_revise(request, pk: int):
    evaluation = selectors.evaluation_for_user(request.user, pk, with_evidence=False)
    try:
        revision = signoff.evaluation_revise(actor=request.user, evaluation=evaluation)
    except services.ScorecardError as error:
        _signoff_refused(request, error)
        return redirect("scorecards:evaluation-detail", pk=evaluation.pk)
    messages.success(
        request, "A new draft revises this decision: change what needs changing, then submit it."
    )
    return redirect("scorecards:evaluation-scores", pk=revision.pk)


@require_GET
def signoff_inbox(request):
    if not policies.can_view_evaluations(request.user):
        raise PermissionDenied
    page = Paginator(selectors.awaiting_evaluation_ids(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = selectors.evaluations_in_order(request.user, list(page.object_list))
    return render(request, "scorecards/signoff_inbox.html", {"page_obj": page})
