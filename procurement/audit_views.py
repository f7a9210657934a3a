"""The audit trail in the product: the per-object history fragment and the audit log page."""

import csv
import datetime as dt
import json

import django_filters
from django import forms
from django.contrib import messages
from django.db import connection
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from . import audit, policies
from .forms import StyledForm
from .models import AuditEvent, AuditVerification

HISTORY_LIMIT = 50
EVENTS_PER_PAGE = 50
EXPORT_CHUNK = 2000

# Object history ----------------------------------------------------------------------------


def _display_value(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def change_rows(changes) -> list[tuple[str, str | None, str | None]]:
    """(field, before, after) rows of an event's changes, values spelled for reading."""
    if not isinstance(changes, dict):
        return []
    rows = []
    for field in sorted(changes):
        pair = changes[field]
        before, after = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        rows.append((field, _display_value(before), _display_value(after)))
    return rows


def _with_change_rows(events):
    for event in events:
        event.change_rows = change_rows(event.changes)
    return events


@require_GET
def object_history(request, object_type: str, object_id: str):
    """The audit events of one object, newest first: the fragment every object page loads."""
    if not policies.can_view_object_history(request.user, object_type):
        raise Http404
    events = list(
        AuditEvent.objects.filter(
            object_type__in=audit.object_types(object_type), object_id=object_id
        ).order_by("-sequence")[: HISTORY_LIMIT + 1]
    )
    context = {
        "events": _with_change_rows(events[:HISTORY_LIMIT]),
        "truncated": len(events) > HISTORY_LIMIT,
        "object_type": object_type,
        "object_id": object_id,
        "can_view_audit_log": policies.can_view_audit_log(request.user),
    }
    template = "procurement/object_history.html"
    if request.htmx and not request.htmx.boosted:
        template += "#history-events"
    return render(request, template, context)


# Audit log ---------------------------------------------------------------------------------


def _type_label(object_type: str) -> str:
    model = audit.model_for_type(object_type)
    if model is None:
        return object_type
    return f"{str(model._meta.verbose_name).capitalize()} ({object_type})"


def _distinct_values(column: str) -> list[str]:
    """The distinct non-empty values of an indexed column, in order, one index probe each.

    A loose index scan (a recursive "next value after this one"), so the filter choice lists
    cost a handful of lookups however many events there are; DISTINCT would read every row.
    """
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    col = connection.ops.quote_name(AuditEvent._meta.get_field(column).column)
    # Identifiers from the model's own metadata, quoted; the only value is a parameter.
    sql = (
        f"WITH RECURSIVE v(value) AS ("  # noqa: S608  # nosec B608
        f" SELECT MIN({col}) FROM {table} WHERE {col} > %s"
        f" UNION ALL SELECT (SELECT MIN({col}) FROM {table} WHERE {col} > v.value) FROM v"
        f" WHERE v.value IS NOT NULL"
        f") SELECT value FROM v WHERE value IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [""])
        return [row[0] for row in cursor.fetchall()]


def _action_choices():
    return [(a, a) for a in _distinct_values("action")]


def _object_type_choices():
    return [(t, _type_label(t)) for t in _distinct_values("object_type")]


def _start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


class AuditEventFilter(django_filters.FilterSet):
    # The name snapshot, not the user row: it still matches after the account is deleted.
    actor = django_filters.CharFilter(
        field_name="actor_name",
        lookup_expr="icontains",
        label="Actor",
        widget=forms.TextInput(attrs={"placeholder": "Name or username"}),
    )
    action = django_filters.ChoiceFilter(choices=[], label="Action", empty_label="Any action")
    object_type = django_filters.ChoiceFilter(choices=[], label="Object type", empty_label="Any type")
    object_id = django_filters.CharFilter(label="Object id")
    date_from = django_filters.DateFilter(
        method="filter_date_from", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        method="filter_date_to", label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "object_type", "object_id", "date_from", "date_to"]
        form = StyledForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read once per request (a callable would be queried again for validation and rendering).
        self.filters["action"].extra["choices"] = _action_choices()
        self.filters["object_type"].extra["choices"] = _object_type_choices()

    # Whole UTC days (the page shows UTC), as ranges on the indexed timestamp (no __date cast).
    def filter_date_from(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=_start_of_day(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(occurred_at__lt=_start_of_day(value + dt.timedelta(days=1)))


def _filtered_events(request) -> AuditEventFilter:
    if not policies.can_view_audit_log(request.user):
        raise Http404
    return AuditEventFilter(request.GET or None, queryset=AuditEvent.objects.order_by("-sequence"))


def _integrity_context() -> dict:
    return {
        "head": audit.head(),
        "last_verification": AuditVerification.objects.order_by("-verified_at", "-pk").first(),
    }


def _cursor(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def event_page(events, *, older_than=None, newer_than=None, size=EVENTS_PER_PAGE) -> dict:
    """One keyset page of events, newest first, and the sequences its "newer"/"older" links use.

    Pages are bounded by sequence, not numbered: each page is an index range scan of `size`
    rows, with no COUNT over the filtered set and no OFFSET walking past earlier pages. Events
    appended while someone reads never shift what "older" shows (an append-only log grows at
    the newest end only).
    """
    if newer_than is not None:
        rows = list(events.filter(sequence__gt=newer_than).order_by("sequence")[: size + 1])
        has_newer = len(rows) > size
        rows = rows[:size][::-1]
        has_older = events.filter(sequence__lte=newer_than).exists()
    else:
        older = events if older_than is None else events.filter(sequence__lt=older_than)
        rows = list(older.order_by("-sequence")[: size + 1])
        has_older = len(rows) > size
        rows = rows[:size]
        has_newer = older_than is not None and events.filter(sequence__gte=older_than).exists()
    return {
        "events": rows,
        "newest": rows[0].sequence if rows else None,
        "oldest": rows[-1].sequence if rows else None,
        "has_newer": has_newer,
        "has_older": has_older,
    }


def _short(text: str) -> str:
    # As `truncatechars:13` spelled it, without a template filter call per cell.
    return text if len(text) <= 13 else f"{text[:12]}…"


def _with_list_cells(events):
    """Spell each row's time and truncated ids once in Python: per-cell template filters
    (date formatting, truncation) were most of the page's rendering time."""
    for event in events:
        when = event.occurred_at.astimezone(dt.UTC)
        event.occurred_iso = when.isoformat()
        event.occurred_text = when.strftime("%Y-%m-%d %H:%M:%S")
        event.short_request_id = _short(event.request_id)
        event.short_hash = _short(event.hash)
    return events


@require_GET
def event_list(request):
    """Every event, newest first, filtered, a keyset page at a time; with the chain head and last verification."""
    events = _filtered_events(request)
    page = event_page(
        events.qs, older_than=_cursor(request.GET.get("before")), newer_than=_cursor(request.GET.get("after"))
    )
    _with_list_cells(_with_change_rows(page["events"]))
    context = {"filter": events, "page": page, "events": page["events"], **_integrity_context()}
    template = "procurement/audit_event_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#audit-events"
    return render(request, template, context)


@require_POST
def verify(request):
    """Walk the whole chain now and keep the outcome (reading the trail changes nothing in it)."""
    if not policies.can_view_audit_log(request.user):
        raise Http404
    result = audit.verify_chain()
    audit.record_verification(result, source="web", requested_by=audit.actor_display(request.user))
    if request.htmx and not request.htmx.boosted:
        return render(request, "procurement/audit_event_list.html#audit-integrity", _integrity_context())
    if result.ok:
        messages.success(request, f"Audit chain verified: {result.event_count} events intact.")
    else:
        messages.error(
            request, f"Audit chain broken at sequence {result.first_bad_sequence}: {result.problem}."
        )
    return redirect("audit:event-list")


# Cells a spreadsheet would run as a formula (or that hide one behind a tab or line break).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_FIELDS = [
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "changes",
    "request_id",
    "client_ip",
    "prev_hash",
    "hash",
    "canonical",
]


def csv_cell(value) -> str:
    """A cell that a spreadsheet shows as text, never evaluates (formula injection)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        text = value.astimezone(dt.UTC).isoformat()
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    def write(self, value):
        return value


@require_GET
def event_export(request):
    """The filtered events as CSV, oldest first, streamed in chunks (memory stays flat)."""
    events = _filtered_events(request)
    rows = events.qs.order_by("sequence").values_list(*EXPORT_FIELDS).iterator(chunk_size=EXPORT_CHUNK)
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(EXPORT_FIELDS)
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row])

    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return StreamingHttpResponse(
        lines(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-log-{stamp}.csv"'},
    )


# Dashboard ---------------------------------------------------------------------------------


def audit_trail_panel(user) -> list[dict]:
    """For audit log readers: is the chain proven whole, and up to where."""
    if not policies.can_view_audit_log(user):
        return []
    return [
        {"title": "Audit trail", "template": "procurement/audit_dashboard_panel.html", **_integrity_context()}
    ]
