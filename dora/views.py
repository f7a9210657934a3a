"""The register of information: overview with derived fields and their sources, the lint,
record forms beside vendors, contracts and workloads, the package and its sign-off.

Thin: check the policy, bind the form, call one service, redirect.
"""

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from procurement import policies, signin
from procurement.web import add_refusal, require, save_form, signer_authentication
from resilience.selectors import workload_for_user
from scorecards.services import ScorecardError
from vendors.selectors import contract_for_user, vendor_for_user

from . import definitions, lint, package, register, services
from .evidence import contract_evidence
from .forms import (
    ContractRecordForm,
    EntityForm,
    FunctionRecordForm,
    OverrideForm,
    SignForm,
    SubmissionForm,
    VendorRecordForm,
)
from .forms import VerifyForm as PackageVerifyForm
from .models import (
    ContractRecord,
    DerivedField,
    FinancialEntity,
    FunctionRecord,
    Override,
    Submission,
    VendorRecord,
)
from .verification import package_verify

MAX_PACKAGE_BYTES = 20 * 1024 * 1024


def default_ref_date(today: date | None = None) -> date:
    """31 December of the current year until it has passed, then of the year before it."""
    today = today or timezone.localdate()
    return date(today.year, 12, 31)


def _ref_date(request) -> date:
    value = request.GET.get("ref_date", "")
    try:
        day = date.fromisoformat(value) if value else default_ref_date()
    except ValueError:
        day = default_ref_date()
    return day if package.ref_period_ok(day) else default_ref_date()


@require_GET
def register_page(request):
    require(policies.can_read(request.user))
    ref_date = _ref_date(request)
    reg = register.build(ref_date)
    findings = lint.lint(reg)
    context = {
        "reg": reg,
        "ref_date": ref_date,
        "blocking": len(lint.blocking(findings)),
        "warnings": len(findings) - len(lint.blocking(findings)),
        "evidence": [reg.evidence[c.pk] for c in reg.contracts],
        "vendor_records": VendorRecord.objects.select_related("vendor", "ultimate_parent").order_by(
            "vendor__name"
        ),
        "submissions": Submission.objects.defer("package").select_related("author")[:10],
        "counts": [(code, t.title, len(reg.rows[code])) for code, t in definitions.templates().items()],
        "can_edit": policies.can_edit_dora_register(request.user),
        "can_prepare": policies.can_prepare_dora_submission(request.user),
        "submission_form": SubmissionForm(initial={"ref_date": ref_date}),
    }
    return render(request, "dora/register.html", context)


@require_GET
def lint_page(request):
    require(policies.can_read(request.user))
    ref_date = _ref_date(request)
    reg = register.build(ref_date)
    findings = lint.lint(reg)
    context = {
        "ref_date": ref_date,
        "blocking": lint.blocking(findings),
        "warnings_list": [f for f in findings if not f.blocking],
        "indicators": reg.filing_indicators(),
    }
    return render(request, "dora/lint.html", context)


@require_GET
def package_download(request):
    """The package as the register stands now, for review (not the signed-off submission)."""
    require(policies.can_read(request.user))
    reg = register.build(_ref_date(request))
    try:
        built = package.build(reg, timezone.now())
    except package.PackageRefused as error:
        messages.error(request, str(error))
        return redirect("dora:lint")
    response = HttpResponse(built.data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{built.filename}"'
    response["X-Package-SHA256"] = built.sha256
    return response


@require_http_methods(["GET", "POST"])
def entity_create(request):
    require(policies.can_edit_dora_register(request.user))
    form = EntityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        entity = save_form(form, lambda: services.entity_create(actor=request.user, **form.cleaned_data))
        if entity:
            messages.success(request, f"Entity “{entity}” added to the register.")
            return redirect("dora:register")
    return render(request, "dora/record_form.html", {"form": form, "title": "Add a financial entity"})


@require_http_methods(["GET", "POST"])
def entity_edit(request, pk):
    require(policies.can_edit_dora_register(request.user))
    entity = get_object_or_404(FinancialEntity, pk=pk)
    form = EntityForm(request.POST or None, instance=entity)
    if request.method == "POST" and form.is_valid():
        saved = save_form(
            form, lambda: services.entity_update(actor=request.user, entity=entity, **form.cleaned_data)
        )
        if saved:
            messages.success(request, f"Entity “{saved}” saved.")
            return redirect("dora:register")
    return render(request, "dora/record_form.html", {"form": form, "title": f"Edit {entity.name}"})


@require_http_methods(["GET", "POST"])
def vendor_record(request, pk):
    vendor = vendor_for_user(request.user, pk)
    require(policies.can_edit_dora_register(request.user))
    record = VendorRecord.objects.filter(vendor=vendor).first()
    form = VendorRecordForm(request.POST or None, instance=record, vendor=vendor)
    if request.method == "POST" and form.is_valid():
        saved = save_form(
            form, lambda: services.vendor_record_save(actor=request.user, vendor=vendor, **form.cleaned_data)
        )
        if saved:
            messages.success(request, f"Register record of {vendor.name} saved.")
            return redirect("dora:register")
    return render(
        request,
        "dora/record_form.html",
        {"form": form, "title": f"{vendor.name} as an ICT third-party service provider", "vendor": vendor},
    )


@require_http_methods(["GET", "POST"])
def contract_record(request, pk):
    contract = contract_for_user(request.user, pk)
    require(policies.can_read(request.user))
    can_edit = policies.can_edit_dora_register(request.user)
    record = ContractRecord.objects.filter(contract=contract).first()
    if request.method == "POST":
        require(can_edit)
    form = ContractRecordForm(request.POST or None, instance=record, contract=contract)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        entities = data.pop("entities")
        saved = save_form(
            form,
            lambda: services.contract_record_save(
                actor=request.user, contract=contract, entities=entities, **data
            ),
        )
        if saved:
            messages.success(request, f"Register record of contract {contract.reference} saved.")
            return redirect("dora:contract-record", pk=contract.pk)
    return render(
        request, "dora/contract_record.html", _contract_context(request, contract, record, form, can_edit)
    )


def _contract_context(request, contract, record, form, can_edit, override_form=None):
    evidence = None
    if record is not None:
        functions_by_vendor = {
            contract.vendor_id: sorted(
                FunctionRecord.objects.filter(workload__dependencies__vendor=contract.vendor)
                .select_related("workload")
                .distinct(),
                key=lambda f: f.identifier,
            )
        }
        evidence = contract_evidence([contract], functions_by_vendor)[contract.pk]
    override_forms = []
    if evidence is not None:
        for item in evidence:
            bound = (
                override_form if override_form is not None and override_form.prefix == item.field else None
            )
            override_forms.append((item, bound or OverrideForm(field_name=item.field)))
    return {
        "contract": contract,
        "record": record,
        "form": form,
        "can_edit": can_edit,
        "override_forms": override_forms,
        "history": Override.objects.filter(contract=contract).select_related("by")[:20],
    }


@require_POST
def override(request, pk):
    contract = contract_for_user(request.user, pk)
    require(policies.can_edit_dora_register(request.user))
    record = ContractRecord.objects.filter(contract=contract).first()
    if record is None:
        messages.error(request, "Fill in the contract's register record first.")
        return redirect("dora:contract-record", pk=contract.pk)
    name = request.POST.get("field") or next(
        (key.split("-")[0] for key in request.POST if key.endswith("-field")), ""
    )
    if name not in DerivedField.values:
        messages.error(request, "Choose a derived field to override.")
        return redirect("dora:contract-record", pk=contract.pk)
    form = OverrideForm(request.POST, field_name=name)
    if form.is_valid():
        done = save_form(
            form,
            lambda: services.override_record(
                actor=request.user,
                contract=contract,
                field=name,
                value=str(form.cleaned_data["value"] or ""),
                reason=form.cleaned_data["reason"],
            ),
        )
        if done:
            messages.success(request, f"{DerivedField(name).label}: override recorded.")
            return redirect("dora:contract-record", pk=contract.pk)
    form_main = ContractRecordForm(instance=record, contract=contract)
    return render(
        request,
        "dora/contract_record.html",
        _contract_context(request, contract, record, form_main, True, override_form=form),
        status=200,
    )


@require_http_methods(["GET", "POST"])
def function_record(request, pk):
    workload = workload_for_user(request.user, pk)
    require(policies.can_edit_dora_register(request.user))
    record = FunctionRecord.objects.filter(workload=workload).first()
    form = FunctionRecordForm(request.POST or None, instance=record, workload=workload)
    if request.method == "POST" and form.is_valid():
        saved = save_form(
            form,
            lambda: services.function_record_save(actor=request.user, workload=workload, **form.cleaned_data),
        )
        if saved:
            messages.success(request, f"{workload.name} is function {saved.identifier} of the register.")
            return redirect("dora:register")
    return render(
        request,
        "dora/record_form.html",
        {"form": form, "title": f"{workload.name} as a function", "workload": workload},
    )


@require_POST
def submission_create(request):
    require(policies.can_prepare_dora_submission(request.user))
    form = SubmissionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the reference date (31 December).")
        return redirect("dora:register")
    try:
        submission = services.submission_create(actor=request.user, ref_date=form.cleaned_data["ref_date"])
    except services.RegisterError as error:
        messages.error(request, str(error))
        return redirect(f"{reverse('dora:lint')}?ref_date={form.cleaned_data['ref_date']:%Y-%m-%d}")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("dora:register")
    messages.success(request, f"Package {submission.filename} generated and put up for sign-off.")
    return redirect("dora:submission-detail", pk=submission.pk)


def _open_roles(user, submission: Submission) -> list[str]:
    """The roles `user` may still sign for on this package (none for whoever generated it)."""
    if submission.status != Submission.Status.AWAITING:
        return []
    signed = {s.requirement_id for s in submission.signatures.all()}
    open_roles = {r.role for r in submission.requirements.all() if r.pk not in signed}
    return [r for r in policies.signing_roles(user, submission) if r in open_roles]


def _submission_context(request, submission, form=None):
    roles = _open_roles(request.user, submission)
    authentication = signer_authentication(
        request, sign_page=reverse("dora:submission-detail", args=[submission.pk])
    )
    if form is None and roles:
        form = SignForm(roles=roles, authentication=authentication["authentication"])
    return {
        "submission": submission,
        "requirements": submission.requirements.select_related("signature"),
        "form": form,
        **authentication,
    }


@require_GET
def submission_detail(request, pk):
    require(policies.can_read(request.user))
    submission = get_object_or_404(Submission.objects.defer("package").select_related("author"), pk=pk)
    return render(request, "dora/submission_detail.html", _submission_context(request, submission))


@require_POST
def submission_sign(request, pk):
    submission = get_object_or_404(Submission.objects.defer("package").select_related("author"), pk=pk)
    all_roles = policies.signing_roles(request.user)
    require(bool(all_roles))
    # The roles still open for this signer first; otherwise all theirs, and the service says why not.
    roles = _open_roles(request.user, submission) or all_roles
    authentication = signin.required_method(request.user)
    form = SignForm(request.POST, roles=roles, authentication=authentication)
    if form.is_valid():
        try:
            services.submission_sign(
                actor=request.user,
                submission=submission,
                role=form.cleaned_data["role"],
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
                password=form.cleaned_data.get("password", ""),
                code=form.cleaned_data.get("code", ""),
                request_token=form.cleaned_data["request_token"],
                request=request,
            )
        except services.ReauthenticationFailed as error:
            form.add_error(authentication if authentication in ("password", "code") else None, error.message)
        except (ScorecardError, ValidationError) as error:
            add_refusal(form, error)
        else:
            messages.success(request, "Your signature is recorded, bound to the package's SHA-256.")
            return redirect("dora:submission-detail", pk=submission.pk)
    submission.refresh_from_db(fields=["status"])
    context = _submission_context(request, submission, form)
    return render(request, "dora/submission_detail.html", context, status=422)


@require_GET
def submission_download(request, pk):
    require(policies.can_read(request.user))
    submission = get_object_or_404(Submission, pk=pk)
    if not submission.package:
        raise Http404
    response = HttpResponse(bytes(submission.package), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{submission.filename}"'
    response["X-Package-SHA256"] = submission.sha256
    return response


@require_http_methods(["GET", "POST"])
def verify(request):
    require(policies.can_read(request.user))
    form = PackageVerifyForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["package"]
        if uploaded.size > MAX_PACKAGE_BYTES:
            form.add_error("package", "That file is larger than any register package.")
        else:
            result = package_verify(uploaded.read())
    return render(request, "dora/verify.html", {"form": form, "result": result})
