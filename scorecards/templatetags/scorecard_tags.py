"""Template tags other apps include: `{% load scorecard_tags %}{% vendor_evaluations vendor %}`."""

from django import template

from scorecards import scoring, selectors

register = template.Library()


@register.inclusion_tag("scorecards/_vendor_evaluations.html", takes_context=True)
def vendor_evaluations(context, vendor):
    """A vendor's evaluations over time with the trend of their weighted totals."""
    return selectors.vendor_history(context["request"].user, vendor) | {"request": context["request"]}


@register.filter
def score_label(value) -> str:
    return selectors.level_label(value)


@register.filter
def total(value) -> str:
    return selectors.total_display(value)


@register.filter
def signed(value) -> str:
    """A delta with its sign: +1, −2, 0."""
    if value is None:
        return ""
    if value > 0:
        return f"+{value}"
    if value < 0:
        return f"−{abs(value)}"
    return "0"


@register.simple_tag
def score_levels():
    return [(value, label, meaning) for value, (label, meaning) in scoring.SCORE_LEVELS.items()]


@register.simple_tag(takes_context=True)
def awaiting_signoff_count(context) -> str | None:
    """How many evaluations wait for the signed-in user's signature ("99+" past the badge's
    limit); None for non-signers. Counted on every page, in one query, and written nowhere."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return selectors.awaiting_signoff_badge(user)
