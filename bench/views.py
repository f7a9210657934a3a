"""The baseline: a bare Django view rendering a 50-row table from the same database.

It goes through the same middleware as every page (session, sign-in, CSP), so a page's ratio
to it is the cost of the page's own work: its queries, its templates, its layout.
"""

from django.http import HttpResponse
from django.template import engines
from django.views.decorators.http import require_GET

from vendors.models import Contract

BASELINE_ROWS = 50

_TEMPLATE = engines["django"].from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Baseline</title></head>
<body><table>
<thead><tr><th>Reference</th><th>Title</th><th>Vendor</th><th>Status</th><th>Ends</th><th>Notice by</th><th>Committed</th></tr></thead>
<tbody>{% for contract in contracts %}
<tr><td>{{ contract.reference }}</td><td>{{ contract.title }}</td><td>{{ contract.vendor.name }}</td><td>{{ contract.get_status_display }}</td><td>{{ contract.end_date|date:"Y-m-d" }}</td><td>{{ contract.notice_deadline|date:"Y-m-d" }}</td><td>{{ contract.committed_spend }} {{ contract.currency }}</td></tr>
{% endfor %}</tbody>
</table></body></html>"""
)


@require_GET
def baseline(request):
    contracts = Contract.objects.select_related("vendor").order_by("notice_deadline", "pk")[:BASELINE_ROWS]
    return HttpResponse(_TEMPLATE.render({"contracts": contracts}, request))
