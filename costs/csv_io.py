"""CSV export and import of offers with their capacity lines, as the vendor register does it for
contracts and capacity planning for forecasts.

One row per offer line; the offer's columns are repeated on each of its lines. Columns carry the
FinOps FOCUS name where FOCUS has one (BillingCurrency, CommitmentDiscountQuantity, PricingUnit,
ListUnitPrice, ContractedUnitPrice), our field name otherwise. The vendor by name, the contract by
its reference among the vendor's. Rows with the same vendor and offer name are one offer: they
must agree on the offer's columns. An offer whose vendor already has one of that name is updated
(its lines replaced by the file's); others are created.

Every row is checked with the validation the services run (the models' fields and rules), so the
preview lists what the write would refuse; nothing is written unless every row is valid and the
upload is confirmed, and then all of it in one transaction.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.db import models

from vendors import csv_io as vendor_csv
from vendors.csv_io import ImportPreview, RowResult, escape_cell, read_table, stream_rows, unescape_cell
from vendors.models import CapacityBand, Contract, Vendor

from .models import Offer, OfferLine
from .services import LINE_FIELDS, OFFER_FIELDS

# Column -> model field. Order is the file's.
OFFER_COLUMN_FIELDS = {
    "vendor": "vendor",
    "offer": "name",
    "contract": "contract",
    "BillingCurrency": "billing_currency",
    "valid_until": "valid_until",
    "storage_rate_per_gb_month": "storage_rate_per_gb_month",
    "egress_rate_per_gb": "egress_rate_per_gb",
    "exit_egress_rate_per_gb": "exit_egress_rate_per_gb",
    "queue_wait_hours": "queue_wait_hours",
    "switching_engineer_days": "switching_engineer_days",
    "engineer_day_rate": "engineer_day_rate",
    "parallel_run_weeks": "parallel_run_weeks",
    "loss_probability": "loss_probability",
    "notes": "notes",
}
LINE_COLUMN_FIELDS = {
    "band": "band",
    "accelerator_class": "accelerator_class",
    "region": "region",
    "CommitmentDiscountQuantity": "quantity",
    "PricingUnit": None,  # always the GPU-hour: exported for FOCUS readers, checked on import
    "ListUnitPrice": "list_unit_price",
    "ContractedUnitPrice": "contracted_unit_price",
    "effective_unit_price": "effective_unit_price",
    "commitment_term_months": "commitment_term_months",
    "expected_utilisation_percent": "expected_utilisation_percent",
}
OFFER_COLUMNS = [*OFFER_COLUMN_FIELDS, *LINE_COLUMN_FIELDS]
REQUIRED = {
    "vendor",
    "offer",
    "BillingCurrency",
    "band",
    "accelerator_class",
    "CommitmentDiscountQuantity",
    "ContractedUnitPrice",
    "effective_unit_price",
}
PRICING_UNIT = "GPU-hour"
PRICING_UNITS = {"gpu-hour", "gpu-hours", "gpu hour", "gpu hours", "gpuhour"}
# The offer's figures (rates, hours, days, weeks, percentages), in the order of the form.
OFFER_FIGURES = [f for f in OFFER_FIELDS if isinstance(Offer._meta.get_field(f), models.DecimalField)]

__all__ = ["OFFER_COLUMNS", "offer_rows", "preview_offers", "sign_payload", "stream_rows", "unsign_payload"]
assert set(OFFER_COLUMN_FIELDS.values()) == set(OFFER_FIELDS)  # a new offer field needs a column
assert {f for f in LINE_COLUMN_FIELDS.values() if f} == set(LINE_FIELDS)


def _plain(value) -> str:
    """A figure as written in the file: no trailing zeros (2.500000 -> 2.5), empty for none."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def offer_rows(offers: Iterable[Offer]) -> Iterator[list]:
    """One row per line; offers come with vendor, contract and lines prefetched."""
    for offer in offers:
        head = [
            offer.vendor.name,
            offer.name,
            offer.contract.reference if offer.contract_id else "",
            offer.billing_currency,
            offer.valid_until.isoformat() if offer.valid_until else "",
            *(_plain(getattr(offer, field)) for field in OFFER_FIGURES),
            offer.notes,
        ]
        for line in offer.lines.all():
            yield [
                *head,
                line.band,
                line.accelerator_class,
                line.region,
                line.quantity,
                PRICING_UNIT,
                _plain(line.list_unit_price),
                _plain(line.contracted_unit_price),
                _plain(line.effective_unit_price),
                _plain(line.commitment_term_months),
                _plain(line.expected_utilisation_percent),
            ]


# Import -----------------------------------------------------------------------------------


@dataclass
class _Group:
    """The rows of one offer: its terms (from its first row) and its lines."""

    first_line: int
    fields: dict
    lines: list
    existing: Offer | None


def _cleaned(model_class, fields: dict, raw: dict, columns: dict, exclude: list[str]) -> tuple[dict, list]:
    """Convert and validate `raw` (column -> text) as the model's fields, as `full_clean` does in
    the services; returns the field values and the errors labelled by column."""
    label = {field: column for column, field in columns.items() if field}
    values = dict(fields)
    for column, field in columns.items():
        if field is None or field in fields or column not in raw:
            continue
        text = raw[column]
        model_field = model_class._meta.get_field(field)
        if isinstance(model_field, models.DecimalField | models.IntegerField):
            # Spreadsheets write 1,000 or 1_000; the model field reads plain digits.
            text = text.replace(",", "").replace("_", "").strip()
        if text == "":
            if model_field.null:
                values[field] = None
            elif model_field.has_default():
                continue  # the model's default, as on the screen
            else:
                values[field] = ""
        else:
            values[field] = text
    obj = model_class(**values)
    try:
        obj.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as exc:
        errors = [
            f"{label.get(field, field) if field != '__all__' else 'Row'}: {message}"
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
        return {}, errors
    cleaned = {field: getattr(obj, field) for field in label if field not in exclude}
    return cleaned, []


def _choice(value: str) -> str:
    wanted = value.strip().lower()
    for code, label in CapacityBand.choices:
        if wanted in (code.lower(), str(label).lower()):
            return code
    return value.strip()


def preview_offers(text: str) -> ImportPreview:
    rows, file_errors = read_table(text, OFFER_COLUMNS, REQUIRED)
    vendor_names = {r.get("vendor", "").strip().lower() for r in rows}
    vendors = {v.name.lower(): v for v in Vendor.objects.only("pk", "name") if v.name.lower() in vendor_names}
    contracts = {
        (c.vendor_id, c.reference.lower()): c
        for c in Contract.objects.filter(vendor__in=vendors.values()).only("pk", "vendor_id", "reference")
    }
    existing: dict[tuple[int, str], list[Offer]] = {}
    for offer in Offer.objects.filter(vendor__in=vendors.values()).only("pk", "vendor_id", "name"):
        existing.setdefault((offer.vendor_id, offer.name.lower()), []).append(offer)
    groups: dict[tuple[int, str], _Group] = {}
    results = []
    for line, values in enumerate(rows, start=2):
        offer_name = values.get("offer", "").strip()
        result = RowResult(line=line, values={**values, "name": offer_name})
        results.append(result)
        if values.pop("__extra__", None):
            result.errors.append("The row has more cells than the header.")
        vendor = vendors.get(values.get("vendor", "").strip().lower())
        if vendor is None:
            result.errors.append(f"Vendor: no vendor named “{values.get('vendor', '')}” in the register.")
            continue
        fixed = {"vendor": vendor, "name": offer_name}
        reference = values.get("contract", "").strip()
        fixed["contract"] = contracts.get((vendor.pk, reference.lower())) if reference else None
        if reference and fixed["contract"] is None:
            result.errors.append(f"Contract: {vendor.name} has no contract with the reference “{reference}”.")
        values["BillingCurrency"] = values.get("BillingCurrency", "").strip().upper()
        offer_fields, errors = _cleaned(Offer, fixed, values, OFFER_COLUMN_FIELDS, ["created_by"])
        result.errors.extend(errors)
        unit = values.get("PricingUnit", "").strip()
        if unit and unit.lower() not in PRICING_UNITS:
            result.errors.append(f"PricingUnit: prices are per GPU-hour; “{unit}” is not one.")
        line_raw = {**values, "band": _choice(values.get("band", ""))}
        line_fields, errors = _cleaned(OfferLine, {}, line_raw, LINE_COLUMN_FIELDS, ["offer"])
        result.errors.extend(errors)
        if result.errors:
            continue
        key = (vendor.pk, offer_name.lower())
        group = groups.get(key)
        if group is None:
            matches = existing.get(key, [])
            if len(matches) > 1:
                result.errors.append(
                    f"Offer: {vendor.name} has {len(matches)} offers named “{offer_name}”; rename them "
                    "so the file says which one to update."
                )
                continue
            group = groups[key] = _Group(line, offer_fields, [], matches[0] if matches else None)
        elif group.fields != offer_fields:
            differing = [
                column
                for column, field in OFFER_COLUMN_FIELDS.items()
                if group.fields.get(field) != offer_fields.get(field)
            ]
            result.errors.append(
                f"Offer columns differ from line {group.first_line} for the same offer: {', '.join(differing)}."
            )
            continue
        group.lines.append(line_fields)
        result.values["name"] = f"{offer_name} ({'update' if group.existing else 'new'})"
        result.data = {"group": key}
    preview = ImportPreview(rows=results, file_errors=file_errors)
    preview.offers = [
        {"offer": g.existing, **g.fields, "lines": g.lines} for g in groups.values()
    ]  # what the service writes
    return preview


# The signed copy of the file the confirm step posts back, as the register's imports sign theirs.
sign_payload = partial(vendor_csv.sign_payload, kind="costs.offers")
unsign_payload = partial(vendor_csv.unsign_payload, kind="costs.offers")


__all__ += ["escape_cell", "unescape_cell"]
