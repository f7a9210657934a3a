"""Template helpers of capacity planning: a line's unallocated share, a vendor's demand visibility."""

from decimal import Decimal

from django import template

from .. import selectors

register = template.Library()


@register.simple_tag
def unallocated_share(line, allocations) -> Decimal:
    """Percent of the line no tier claims (from its prefetched allocations)."""
    return max(Decimal(0), Decimal(100) - sum((a.share_percent for a in allocations), Decimal(0)))


@register.inclusion_tag("capacity/_vendor_visibility.html", takes_context=True)
def vendor_demand_visibility(context, vendor):
    """The vendor's latest demand-visibility record, for its page (one query)."""
    user = context["request"].user
    return {"vendor": vendor, "visibility": selectors.latest_visibility_of(user, vendor)}
