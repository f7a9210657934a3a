"""CSV export and import of demand forecasts, as the vendor register does it for contracts.

Columns: `tier, quarter, p50_gpu_hours, p90_gpu_hours, note`. The tier by code or name
(`experimental_training` or `Experimental training`), the quarter as YYYY-Qn. A row whose tier and
quarter already have a forecast updates it; others are created. Every row is validated with the
screen's form; nothing is written unless every row is valid and the upload is confirmed.
"""

import csv
import io
from collections.abc import Iterable, Iterator

from django.core import signing

from vendors.csv_io import MAX_ROWS, ImportPreview, RowResult, escape_cell, stream_rows, unescape_cell
from vendors.models import WorkloadTier

from .forms import DemandForecastForm
from .models import DemandForecast

FORECAST_COLUMNS = ["tier", "quarter", "p50_gpu_hours", "p90_gpu_hours", "note"]
REQUIRED = {"tier", "quarter", "p50_gpu_hours", "p90_gpu_hours"}
PAYLOAD_MAX_AGE = 60 * 60
SALT = "capacity.import.forecasts"

__all__ = ["FORECAST_COLUMNS", "escape_cell", "forecast_rows", "preview_forecasts", "stream_rows"]


def forecast_rows(forecasts: Iterable[DemandForecast]) -> Iterator[list]:
    for f in forecasts:
        yield [f.tier, f.quarter, f.p50_gpu_hours, f.p90_gpu_hours, f.note]


def _tier(value: str) -> str:
    wanted = value.strip().lower()
    for code, label in WorkloadTier.choices:
        if wanted in (code.lower(), str(label).lower()):
            return code
    return value.strip()


def _read(text: str) -> tuple[list[dict], list[str]]:
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        return [], [
            f"Line {reader.line_num}: the file is not valid CSV ({exc}). Save it as “CSV UTF-8” and retry."
        ]
    if not header:
        return [], ["The file is empty."]
    expected = ", ".join(FORECAST_COLUMNS)
    errors = []
    missing, unknown = REQUIRED - set(header), set(header) - set(FORECAST_COLUMNS)
    if missing:
        errors.append(f"Missing columns: {', '.join(sorted(missing))}. Expected: {expected}.")
    if unknown:
        errors.append(f"Unknown columns: {', '.join(sorted(unknown))}. Expected: {expected}.")
    if errors:
        return [], errors
    reader.fieldnames = header
    rows = []
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                return [], [f"The file has more than {MAX_ROWS:,} rows; split it into smaller files."]
            extra = row.pop(None, None)
            values = {key: unescape_cell(value or "") for key, value in row.items()}
            if extra:
                values["__extra__"] = "1"
            rows.append(values)
    except csv.Error as exc:
        return [], [
            f"Line {reader.line_num}: the file is not valid CSV ({exc}). Save it as “CSV UTF-8” and retry."
        ]
    if not rows:
        errors.append("The file has a header but no rows.")
    return rows, errors


def _form_errors(form) -> list[str]:
    errors = []
    for name, messages in form.errors.items():
        label = form[name].label if name in form.fields else ""
        errors.extend(f"{label}: {m}" if label else m for m in messages)
    return errors


def preview_forecasts(text: str) -> ImportPreview:
    rows, file_errors = _read(text)
    seen: dict[tuple[str, str], int] = {}
    results = []
    for line, values in enumerate(rows, start=2):
        result = RowResult(
            line=line, values={**values, "name": f"{values.get('tier', '')} {values.get('quarter', '')}"}
        )
        if values.pop("__extra__", None):
            result.errors.append("The row has more cells than the header.")
        form = DemandForecastForm(
            data={
                "tier": _tier(values.get("tier", "")),
                "quarter": values.get("quarter", ""),
                "p50_gpu_hours": values.get("p50_gpu_hours", "").replace(",", "").replace("_", ""),
                "p90_gpu_hours": values.get("p90_gpu_hours", "").replace(",", "").replace("_", ""),
                "note": values.get("note", ""),
            }
        )
        # The form's own uniqueness check is for the screens; an import updates what exists.
        form.validate_constraints = lambda: None
        if form.is_valid():
            result.data = {name: form.cleaned_data[name] for name in FORECAST_COLUMNS}
            key = (result.data["tier"], result.data["quarter"])
            if key in seen:
                result.errors.append(f"Tier and quarter: also on line {seen[key]}.")
            seen.setdefault(key, line)
        else:
            result.errors.extend(_form_errors(form))
        results.append(result)
    return ImportPreview(rows=results, file_errors=file_errors)


def sign_payload(text: str) -> str:
    return signing.dumps(text, salt=SALT, compress=True)


def unsign_payload(payload: str) -> str | None:
    try:
        return signing.loads(payload, salt=SALT, max_age=PAYLOAD_MAX_AGE)
    except signing.BadSignature:
        return None
