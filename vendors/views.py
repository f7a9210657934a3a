"""Screens of the vendor register. Thin: check the policy, bind the form, call one service, redirect.

htmx requests get the partial they swap; the same URLs work as full pages without JavaScript.
"""

import copy
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from procurement import policies
from procurement.web import confirm_delete, is_htmx_fragment, require, save_form

from . import csv_io, selectors, services
from .filters import ContractFilter, VendorFilter
from .forms import CapacityLineForm, ClauseForm, ContractForm, CsvUploadForm, DocumentForm, VendorForm
from .models import ExitRightKind

PAGE_SIZE = 25


def _save(form, call):
    return save_form(form, call, (services.VendorRegisterError,))


def _page(request, queryset, attach=None):
    """One page of the list; `attach` adds per-row figures to that page only."""
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    if attach:
        page.object_list = attach(list(page.object_list))
    return page


def _sorts_by(request, key: str) -> bool:
    # Sorting needs the figure computed in SQL for every row; showing it needs it for one page.
    return request.GET.get("sort", "").lstrip("-") == key


# Vendors ----------------------------------------------------------------------------------


@require_GET
def vendor_list(request):
    require(policies.can_read(request.user))
    in_sql = _sorts_by(request, "contracts")
    filterset = VendorFilter(request.GET, queryset=selectors.vendor_rows(request.user, with_counts=in_sql))
    context = {
        "filter": filterset,
        "page_obj": _page(request, filterset.qs, attach=None if in_sql else selectors.attach_contract_counts),
        "can_edit": policies.can_edit_vendors(request.user),
    }
    template = "vendors/vendor_list.html"
    return render(request, template + "#vendor-results" if is_htmx_fragment(request) else template, context)


@require_GET
def vendor_detail(request, pk: int):
    vendor = selectors.vendor_detail(request.user, pk)
    return render(
        request,
        "vendors/vendor_detail.html",
        {
            "vendor": vendor,
            # The stored count of missing exit rights is all the page shows: nothing to attach.
            "page_obj": _page(request, selectors.contracts_of_vendor(vendor)),
            "can_edit": policies.can_edit_vendors(request.user),
            "can_edit_contracts": policies.can_edit_contracts(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def vendor_create(request):
    require(policies.can_edit_vendors(request.user))
    form = VendorForm(request.POST or None, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        vendor = _save(form, lambda: services.vendor_create(actor=request.user, **form.service_data()))
        if vendor:
            messages.success(request, f"Vendor “{vendor}” added.")
            return redirect("vendors:vendor-detail", pk=vendor.pk)
    return render(request, "vendors/vendor_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def vendor_edit(request, pk: int):
    vendor = selectors.vendor_for_user(request.user, pk)
    require(policies.can_edit_vendors(request.user))
    # The form works on a copy: a rejected edit must not rename the page's breadcrumbs and title.
    form = VendorForm(request.POST or None, instance=copy.copy(vendor))
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if _save(form, lambda: services.vendor_update(actor=request.user, vendor=vendor, **data)):
            messages.success(request, f"Vendor “{data['name']}” saved.")
            return redirect("vendors:vendor-detail", pk=pk)
    return render(request, "vendors/vendor_form.html", {"form": form, "vendor": vendor})


def _delete(request, obj, *, delete, refused, done_url: str, **page):
    """Delete through the service, or explain why not (what still refers to it)."""
    return confirm_delete(
        request,
        obj,
        delete=lambda: delete(actor=request.user, **{obj._meta.model_name: obj}),
        refusals=(refused,),
        deleted=f"{obj._meta.verbose_name.capitalize()} “{obj}” deleted.",
        done_url=done_url,
        cancel_url=obj.get_absolute_url(),
        **page,
    )


@require_http_methods(["GET", "POST"])
def vendor_delete(request, pk: int):
    vendor = selectors.vendor_for_user(request.user, pk)
    require(policies.can_edit_vendors(request.user))
    return _delete(
        request,
        vendor,
        delete=services.vendor_delete,
        refused=services.VendorInUse,
        done_url=reverse("vendors:vendor-list"),
        button="Delete vendor",
        consequences="Deleting removes the vendor from the register. It is only possible while nothing "
        "refers to it: vendors with contracts, evaluations or dependencies must be archived instead "
        "(edit the vendor and set its status to Retired), so past decisions keep their record.",
    )


# Contracts --------------------------------------------------------------------------------


@require_GET
def contract_list(request):
    require(policies.can_read(request.user))
    in_sql = _sorts_by(request, "missing")
    filterset = ContractFilter(request.GET, queryset=selectors.contract_rows(request.user, with_gap=in_sql))
    today = timezone.localdate()
    context = {
        "filter": filterset,
        "page_obj": _page(request, filterset.qs, attach=None if in_sql else selectors.attach_exit_rights_gap),
        "today": today,
        "soon": today + timedelta(days=selectors.DASHBOARD_HORIZON_DAYS),
        "can_edit": policies.can_edit_contracts(request.user),
    }
    template = "vendors/contract_list.html"
    return render(request, template + "#contract-results" if is_htmx_fragment(request) else template, context)


def _contract_page(request, contract, **extra):
    contract = selectors.contract_detail(request.user, contract.pk)
    can_edit = policies.can_edit_contracts(request.user)
    context = {
        "contract": contract,
        "checklist": selectors.exit_right_checklist(contract),
        "capacity_lines": contract.capacity_lines.all(),
        "documents": contract.documents.all(),
        "can_edit": can_edit,
        "can_edit_clauses": policies.can_edit_clauses(request.user),
        "line_form": CapacityLineForm(prefix="line") if can_edit else None,
        "document_form": DocumentForm(prefix="doc") if can_edit else None,
        "max_upload_mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024),
        "today": timezone.localdate(),
        **extra,
    }
    return render(request, "vendors/contract_detail.html", context)


@require_GET
def contract_detail(request, pk: int):
    return _contract_page(request, selectors.contract_for_user(request.user, pk))


@require_http_methods(["GET", "POST"])
def contract_create(request, vendor_pk: int):
    vendor = selectors.vendor_for_user(request.user, vendor_pk)
    require(policies.can_edit_contracts(request.user))
    form = ContractForm(request.POST or None, vendor=vendor, initial={"currency": "USD"})
    if request.method == "POST" and form.is_valid():
        contract = _save(
            form, lambda: services.contract_create(actor=request.user, vendor=vendor, **form.service_data())
        )
        if contract:
            messages.success(request, f"Contract {contract.reference} added. Now record its exit rights.")
            return redirect("vendors:contract-detail", pk=contract.pk)
    return render(request, "vendors/contract_form.html", {"form": form, "vendor": vendor})


@require_http_methods(["GET", "POST"])
def contract_edit(request, pk: int):
    contract = selectors.contract_for_user(request.user, pk)
    require(policies.can_edit_contracts(request.user))
    form = ContractForm(request.POST or None, instance=copy.copy(contract), vendor=contract.vendor)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if _save(form, lambda: services.contract_update(actor=request.user, contract=contract, **data)):
            messages.success(request, f"Contract {data['reference']} saved.")
            return redirect("vendors:contract-detail", pk=pk)
    return render(
        request, "vendors/contract_form.html", {"form": form, "vendor": contract.vendor, "contract": contract}
    )


@require_http_methods(["GET", "POST"])
def contract_delete(request, pk: int):
    contract = selectors.contract_for_user(request.user, pk)
    require(policies.can_edit_contracts(request.user))
    return _delete(
        request,
        contract,
        delete=services.contract_delete,
        refused=services.ContractInUse,
        done_url=contract.vendor.get_absolute_url(),
        what=f"contract {contract.reference}",
        button="Delete contract",
        consequences="This removes the contract with its capacity lines and exit-rights clauses. A "
        "contract with attached documents cannot be deleted: mark it terminated or expired instead.",
    )


# Capacity lines and documents -------------------------------------------------------------


def _capacity_response(request, contract, line_form):
    if is_htmx_fragment(request):
        contract = selectors.contract_detail(request.user, contract.pk)
        context = {
            "contract": contract,
            "capacity_lines": contract.capacity_lines.all(),
            "line_form": line_form,
            "can_edit": True,
        }
        return render(request, "vendors/contract_detail.html#capacity-lines", context)
    if line_form.is_bound and line_form.errors:
        return _contract_page(request, contract, line_form=line_form)
    return redirect(f"{contract.get_absolute_url()}#capacity-lines")


@require_POST
def capacity_line_add(request, pk: int):
    contract = selectors.contract_for_user(request.user, pk)
    require(policies.can_edit_contracts(request.user))
    form = CapacityLineForm(request.POST, prefix="line")
    if form.is_valid() and _save(
        form, lambda: services.capacity_line_add(actor=request.user, contract=contract, **form.cleaned_data)
    ):
        form = CapacityLineForm(prefix="line")
    return _capacity_response(request, contract, form)


@require_POST
def capacity_line_remove(request, pk: int, line_pk: int):
    contract = selectors.contract_for_user(request.user, pk)
    require(policies.can_edit_contracts(request.user))
    line = get_object_or_404(contract.capacity_lines, pk=line_pk)
    services.capacity_line_remove(actor=request.user, line=line)
    return _capacity_response(request, contract, CapacityLineForm(prefix="line"))


@require_POST
def document_upload(request, pk: int):
    contract = selectors.contract_for_user(request.user, pk)
    require(policies.can_edit_contracts(request.user))
    form = DocumentForm(request.POST, request.FILES, prefix="doc")
    if form.is_valid():
        document = _save(
            form,
            lambda: services.contract_document_add(
                actor=request.user,
                contract=contract,
                uploaded=form.cleaned_data["file"],
                max_bytes=settings.MAX_UPLOAD_BYTES,
            ),
        )
        if document:
            messages.success(request, f"Document “{document.original_name}” attached.")
            return redirect(f"{contract.get_absolute_url()}#documents")
    return _contract_page(request, contract, document_form=form)


@require_GET
def document_download(request, pk: int, document_pk: int):
    contract = selectors.contract_for_user(request.user, pk)
    document = get_object_or_404(contract.documents, pk=document_pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The stored file is missing.") from exc
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# Exit-rights clauses ----------------------------------------------------------------------


def _clause_context(request, contract, kind: ExitRightKind, form=None) -> dict:
    contract = selectors.contract_detail(request.user, contract.pk)
    item = next((i for i in selectors.exit_right_checklist(contract) if i.kind.pk == kind.pk), None)
    if item is None:  # an inactive kind never recorded on this contract
        item = selectors.ChecklistItem(kind=kind, clause=None)
    return {
        "contract": contract,
        "item": item,
        "form": form,
        "can_edit_clauses": policies.can_edit_clauses(request.user),
        "oob": True,
    }


@require_GET
def clause_row(request, pk: int, code: str):
    """The checklist row as displayed: what the inline editor's Cancel swaps back in."""
    contract = selectors.contract_for_user(request.user, pk)
    kind = get_object_or_404(ExitRightKind, code=code)
    if not is_htmx_fragment(request):
        return redirect(f"{contract.get_absolute_url()}#exit-right-{code}")
    return render(
        request, "vendors/contract_detail.html#clause-row", _clause_context(request, contract, kind)
    )


@require_http_methods(["GET", "POST"])
def clause_edit(request, pk: int, code: str):
    contract = selectors.contract_for_user(request.user, pk)
    kind = get_object_or_404(ExitRightKind, code=code)
    require(policies.can_edit_clauses(request.user))
    clause = contract.clauses.filter(kind=kind).first()
    if clause is None and not kind.is_active:
        raise Http404("This kind of exit right is retired.")
    form = ClauseForm(request.POST or None, instance=clause, prefix=f"clause-{code}")
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            lambda: services.clause_set(
                actor=request.user, contract=contract, kind=kind, **form.cleaned_data
            ),
        )
        if saved:
            if is_htmx_fragment(request):
                context = _clause_context(request, contract, kind)
                return render(request, "vendors/contract_detail.html#clause-saved", context)
            messages.success(request, f"{kind.name}: saved.")
            return redirect(f"{contract.get_absolute_url()}#exit-right-{code}")
    if is_htmx_fragment(request):
        context = _clause_context(request, contract, kind, form=form)
        return render(request, "vendors/contract_detail.html#clause-row", context)
    return render(request, "vendors/clause_form.html", {"contract": contract, "kind": kind, "form": form})


# CSV export and import --------------------------------------------------------------------


def _csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_io.stream_rows(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def vendor_export(request):
    require(policies.can_read(request.user))
    vendors = VendorFilter(
        request.GET, queryset=selectors.vendor_list(request.user, with_counts=_sorts_by(request, "contracts"))
    ).qs
    stamp = timezone.localdate().isoformat()
    return _csv_response(
        f"vendors-{stamp}.csv", csv_io.VENDOR_COLUMNS, csv_io.vendor_rows(vendors.iterator(chunk_size=1000))
    )


@require_GET
def contract_export(request):
    require(policies.can_read(request.user))
    contracts = ContractFilter(
        request.GET, queryset=selectors.contract_list(request.user, with_gap=_sorts_by(request, "missing"))
    ).qs
    stamp = timezone.localdate().isoformat()
    return _csv_response(
        f"contracts-{stamp}.csv",
        csv_io.CONTRACT_COLUMNS,
        csv_io.contract_rows(contracts.iterator(chunk_size=1000)),
    )


IMPORTS = {
    "vendors": {
        "title": "Import vendors",
        "columns": csv_io.VENDOR_COLUMNS,
        "preview": csv_io.preview_vendors,
        "service": services.vendors_import,
        "list": "vendors:vendor-list",
        "noun": "vendor",
        "may": policies.can_edit_vendors,
    },
    "contracts": {
        "title": "Import contracts",
        "columns": [c for c in csv_io.CONTRACT_COLUMNS if c not in csv_io.CONTRACT_COMPUTED],
        "preview": csv_io.preview_contracts,
        "service": services.contracts_import,
        "list": "vendors:contract-list",
        "noun": "contract",
        "may": policies.can_edit_contracts,
    },
}


def _csv_import(request, kind: str):
    """Upload → dry-run preview with each row's errors → confirm. The confirm step re-validates the
    signed copy of the same file and writes every row in one transaction, or none."""
    spec = IMPORTS[kind]
    require(spec["may"](request.user))
    context = {"spec": spec, "kind": kind, "form": CsvUploadForm()}
    if request.method == "POST" and "payload" in request.POST:
        text = csv_io.unsign_payload(request.POST["payload"], kind)
        if text is None:
            messages.error(request, "The preview has expired or was altered. Upload the file again.")
            return redirect(request.path)
        preview = spec["preview"](text)
        if preview.is_valid:
            try:
                created = spec["service"](actor=request.user, rows=[row.data for row in preview.rows])
            except (ValidationError, services.VendorRegisterError) as exc:
                preview.file_errors.append(f"Nothing was imported: {exc}")
            else:
                messages.success(
                    request, f"Imported {len(created)} {spec['noun']}{'s' if len(created) != 1 else ''}."
                )
                return redirect(spec["list"])
        context.update(preview=preview, payload=csv_io.sign_payload(text, kind))
    elif request.method == "POST":
        form = CsvUploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            text = form.cleaned_data["file"]
            context.update(preview=spec["preview"](text), payload=csv_io.sign_payload(text, kind))
    return render(request, "vendors/csv_import.html", context)


@require_http_methods(["GET", "POST"])
def vendor_import(request):
    return _csv_import(request, "vendors")


@require_http_methods(["GET", "POST"])
def contract_import(request):
    return _csv_import(request, "contracts")
