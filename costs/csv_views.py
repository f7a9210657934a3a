"""CSV export and import of offers: upload → dry-run preview with each row's errors → confirm.

Thin, as capacity's forecast import: check the policy, preview, and on confirm re-validate the
signed copy of the same file and write every offer in one transaction, or none.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from procurement import policies
from procurement.web import require
from vendors.forms import CsvUploadForm

from . import csv_io, selectors, services
from .models import OfferLine


@require_GET
def offer_export(request):
    require(policies.can_read(request.user))
    offers = (
        selectors.offers_for(request.user)
        .prefetch_related(Prefetch("lines", queryset=OfferLine.objects.order_by("pk")))
        .order_by("vendor__name", "name", "pk")
    )
    response = StreamingHttpResponse(
        csv_io.stream_rows(csv_io.OFFER_COLUMNS, csv_io.offer_rows(offers.iterator(chunk_size=500))),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="offers-{timezone.localdate().isoformat()}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def offer_import(request):
    require(policies.can_edit_offers(request.user))
    context = {"form": CsvUploadForm(), "columns": csv_io.OFFER_COLUMNS}
    if request.method == "POST" and "payload" in request.POST:
        text = csv_io.unsign_payload(request.POST["payload"])
        if text is None:
            messages.error(request, "The preview has expired or was altered. Upload the file again.")
            return redirect(request.path)
        preview = csv_io.preview_offers(text)
        if preview.is_valid:
            try:
                saved = services.offers_import(actor=request.user, offers=preview.offers)
            except ValidationError as exc:
                preview.file_errors.append(f"Nothing was imported: {' '.join(exc.messages)}")
            else:
                messages.success(request, f"Imported {len(saved)} offer{'s' if len(saved) != 1 else ''}.")
                return redirect("costs:offer-import")
        context.update(preview=preview, payload=csv_io.sign_payload(text))
    elif request.method == "POST":
        form = CsvUploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            text = form.cleaned_data["file"]
            context.update(preview=csv_io.preview_offers(text), payload=csv_io.sign_payload(text))
    return render(request, "costs/offer_import.html", context)
