"""The baseline: a bare Django view rendering a plain table of as many rows and columns as the
page it is compared with shows, read with one simple query from the same database.

It goes through the same middleware as every page (session, sign-in, CSP), so a page's ratio
to its baseline is the cost of the page's own work beyond Django's floor: its queries, its
templates, its layout.
"""

from django.http import HttpResponse
from django.template import engines
from django.views.decorators.http import require_GET

from procurement.models import AuditEvent

# The columns the baseline may show, widest first: the audit trail holds the most rows of any
# table (the bench builds 100,000 events at its default size), so any page's row count fits.
COLUMNS = (
    "sequence",
    "occurred_at",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "client_ip",
    "request_id",
    "prev_hash",
    "hash",
)
MAX_ROWS = 5000

_TEMPLATE = engines["django"].from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Baseline</title></head>
<body><table>
<thead><tr>{% for name in columns %}<th>{{ name }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in rows %}
<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table></body></html>"""
)


def _bounded(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(value), low), high)
    except (TypeError, ValueError):
        return default


@require_GET
def baseline(request):
    """`?rows=N&columns=M`: N rows of M columns (at most len(COLUMNS); more are repeated)."""
    rows = _bounded(request.GET.get("rows"), 50, 0, MAX_ROWS)
    wanted = _bounded(request.GET.get("columns"), 7, 1, 40)
    names = [COLUMNS[n % len(COLUMNS)] for n in range(wanted)]
    fields = list(dict.fromkeys(names))
    index = [fields.index(name) for name in names]
    read = AuditEvent.objects.order_by("sequence").values_list(*fields)[:rows]
    table = [[row[i] for i in index] for row in read]
    return HttpResponse(_TEMPLATE.render({"columns": names, "rows": table}, request))
