"""CSV export and import of vendors and contracts.

Export writes the columns import reads, so a file can go out, be edited in a spreadsheet and come
back. Cells that a spreadsheet would run as a formula are escaped with a leading apostrophe (and
unescaped again on import). Import validates every row with the same forms as the screens; the
preview lists each row's errors, and nothing is written unless every row is valid.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core import signing

from .forms import ContractForm, VendorForm, split_list
from .models import Contract, Layer, Vendor
from .services import VENDOR_FIELDS

# The columns are the fields of the vendor form, in the same order.
VENDOR_COLUMNS = VENDOR_FIELDS
CONTRACT_COLUMNS = [
    "vendor",
    "reference",
    "title",
    "status",
    "start_date",
    "end_date",
    "auto_renewal",
    "notice_period_days",
    "notice_deadline",
    "committed_spend",
    "currency",
]
# Computed, exported for reading only: import ignores it.
CONTRACT_COMPUTED = {"notice_deadline"}
REQUIRED = {"vendors": {"name", "kind", "hq_jurisdiction"}, "contracts": {"vendor", "reference", "title"}}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 5000
PAYLOAD_MAX_AGE = 60 * 60


class _Echo:
    def write(self, value):
        return value


def escape_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unescape_cell(text: str) -> str:
    text = (text or "").strip()
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def stream_rows(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)  # the BOM makes spreadsheets read UTF-8 names correctly
    for row in rows:
        yield writer.writerow([escape_cell(cell) for cell in row])


def vendor_rows(vendors) -> Iterator[list]:
    for v in vendors:
        yield [
            v.name,
            v.legal_entity,
            v.kind,
            v.hq_jurisdiction,
            "; ".join(v.processing_regions or []),
            "; ".join(layer.code for layer in v.layers.all()),
            v.runs_on.name if v.runs_on else "",
            v.status,
            v.owner.get_username() if v.owner else "",
            v.notes,
        ]


def contract_rows(contracts) -> Iterator[list]:
    for c in contracts:
        yield [
            c.vendor.name,
            c.reference,
            c.title,
            c.status,
            c.start_date.isoformat(),
            c.end_date.isoformat(),
            "yes" if c.auto_renewal else "no",
            c.notice_period_days,
            c.notice_deadline.isoformat(),
            f"{c.committed_spend:.2f}",
            c.currency,
        ]


# Import -----------------------------------------------------------------------------------


@dataclass
class RowResult:
    line: int
    values: dict
    errors: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.values.get("name") or self.values.get("reference") or ""


@dataclass
class ImportPreview:
    rows: list[RowResult]
    file_errors: list[str]

    @property
    def is_valid(self) -> bool:
        return not self.file_errors and bool(self.rows) and all(not r.errors for r in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if r.errors)


def _choice(value: str, choices) -> str:
    """Accept a choice by its code or its label, ignoring case ('Bare-metal host' or 'bare_metal')."""
    wanted = value.strip().lower()
    for code, label in choices.choices:
        if wanted in (code.lower(), str(label).lower()):
            return code
    return value.strip()


def _form_errors(form) -> list[str]:
    errors = []
    for name, messages in form.errors.items():
        label = form[name].label if name in form.fields else ""
        errors.extend(f"{label}: {m}" if label else m for m in messages)
    return errors


def _csv_error(exc: csv.Error, line: int) -> str:
    """The reader's refusal as a sentence for the page (the file is refused as a whole)."""
    if "field larger than field limit" in str(exc):
        limit = csv.field_size_limit()
        return f"Line {line}: a cell is longer than {limit:,} characters, more than any field holds."
    return f"Line {line}: the file is not valid CSV ({exc}). Save it as “CSV UTF-8” and retry."


def read_rows(text: str, kind: str) -> tuple[list[dict], list[str]]:
    columns = VENDOR_COLUMNS if kind == "vendors" else CONTRACT_COLUMNS
    return read_table(text, columns, REQUIRED[kind])


def read_table(text: str, columns: list[str], required: set[str]) -> tuple[list[dict], list[str]]:
    """The rows of a CSV file with a header of `columns` (the `required` ones at least), or the
    file's errors; other imports (offers) read their files with it too."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        return [], [_csv_error(exc, reader.line_num)]
    header = [h.strip() for h in (fieldnames or [])]
    if not header:
        return [], ["The file is empty."]
    missing = required - set(header)
    unknown = set(header) - set(columns)
    errors = []
    if missing:
        errors.append(f"Missing columns: {', '.join(sorted(missing))}. Expected: {', '.join(columns)}.")
    if unknown:
        errors.append(f"Unknown columns: {', '.join(sorted(unknown))}. Expected: {', '.join(columns)}.")
    if errors:
        return [], errors
    reader.fieldnames = header
    rows = []
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:  # checked while reading: a huge file is never held as rows
                return [], [f"The file has more than {MAX_ROWS:,} rows; split it into smaller files."]
            if None in row:
                row.pop(None)
                row["__extra__"] = "1"
            rows.append({key: unescape_cell(value or "") for key, value in row.items()})
    except csv.Error as exc:
        return [], [_csv_error(exc, reader.line_num)]
    if not rows:
        errors.append("The file has a header but no rows.")
    return rows, errors


def preview_vendors(text: str) -> ImportPreview:
    rows, file_errors = read_rows(text, "vendors")
    layers = {}
    for layer in Layer.objects.all():
        layers[layer.code.lower()] = layers[layer.name.lower()] = layer.pk
    users = {u.get_username().lower(): u.pk for u in get_user_model().objects.filter(is_active=True)}
    hosts = {name.lower(): pk for pk, name in Vendor.objects.values_list("pk", "name")}
    seen: dict[str, int] = {}
    results = []
    for line, values in enumerate(rows, start=2):
        result = RowResult(line=line, values=values)
        if values.pop("__extra__", None):
            result.errors.append("The row has more cells than the header.")
        layer_names = split_list(values.get("layers", ""))
        unknown_layers = [n for n in layer_names if n.lower() not in layers]
        if unknown_layers:
            result.errors.append(f"Layers: unknown {', '.join(unknown_layers)}.")
        host = values.get("runs_on", "")
        host_pk = hosts.get(host.lower()) if host else None
        if host and host_pk is None:
            result.errors.append(f"Runs on: no vendor named “{host}” in the register (import hosts first).")
        owner = values.get("owner", "")
        if owner and owner.lower() not in users:
            result.errors.append(f"Owner: no active user “{owner}”.")
        form = VendorForm(
            data={
                "name": values.get("name", ""),
                "legal_entity": values.get("legal_entity", ""),
                "kind": _choice(values.get("kind", ""), Vendor.Kind),
                "hq_jurisdiction": values.get("hq_jurisdiction", ""),
                "processing_regions": values.get("processing_regions", ""),
                "layers": [layers[n.lower()] for n in layer_names if n.lower() in layers],
                "runs_on": host_pk or "",
                "status": _choice(values.get("status", "") or "prospect", Vendor.Status),
                "owner": users.get(owner.lower(), "") if owner else "",
                "notes": values.get("notes", ""),
            }
        )
        if form.is_valid():
            result.data = form.service_data()
            key = result.data["name"].lower()
            if key in seen:
                result.errors.append(f"Name: “{result.data['name']}” is also on line {seen[key]}.")
            seen.setdefault(key, line)
        else:
            result.errors.extend(_form_errors(form))
        results.append(result)
    return ImportPreview(rows=results, file_errors=file_errors)


def _yes_no(value: str) -> str:
    return "on" if value.strip().lower() in {"1", "yes", "y", "true", "on"} else ""


def preview_contracts(text: str) -> ImportPreview:
    rows, file_errors = read_rows(text, "contracts")
    names = {r.get("vendor", "").strip().lower() for r in rows}
    vendors = {v.name.lower(): v for v in Vendor.objects.only("pk", "name") if v.name.lower() in names}
    seen: dict[tuple[int, str], int] = {}
    results = []
    for line, values in enumerate(rows, start=2):
        result = RowResult(line=line, values=values)
        if values.pop("__extra__", None):
            result.errors.append("The row has more cells than the header.")
        vendor = vendors.get(values.get("vendor", "").strip().lower())
        if vendor is None:
            result.errors.append(f"Vendor: no vendor named “{values.get('vendor', '')}” in the register.")
            results.append(result)
            continue
        form = ContractForm(
            vendor=vendor,
            data={
                "reference": values.get("reference", ""),
                "title": values.get("title", ""),
                "status": _choice(values.get("status", "") or "draft", Contract.Status),
                "start_date": values.get("start_date", ""),
                "end_date": values.get("end_date", ""),
                "auto_renewal": _yes_no(values.get("auto_renewal", "")),
                "notice_period_days": values.get("notice_period_days", "") or "90",
                "committed_spend": values.get("committed_spend", "").replace(",", ""),
                "currency": values.get("currency", "").strip().upper(),
            },
        )
        if form.is_valid():
            result.data = {"vendor": vendor, **form.service_data()}
            key = (vendor.pk, result.data["reference"].lower())
            if key in seen:
                result.errors.append(f"Reference: also on line {seen[key]} for the same vendor.")
            seen.setdefault(key, line)
        else:
            result.errors.extend(_form_errors(form))
        results.append(result)
    return ImportPreview(rows=results, file_errors=file_errors)


def sign_payload(text: str, kind: str) -> str:
    return signing.dumps(text, salt=f"vendors.import.{kind}", compress=True)


def unsign_payload(payload: str, kind: str) -> str | None:
    try:
        return signing.loads(payload, salt=f"vendors.import.{kind}", max_age=PAYLOAD_MAX_AGE)
    except signing.BadSignature:
        return None
