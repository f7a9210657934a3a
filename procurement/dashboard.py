"""The home dashboard: each app contributes panels of things that need attention.

A panel is a dict with a title, a template to include and its context. Each app's
`AppConfig.ready()` registers its providers with `register_panels`, so the home view stays one
line. Every view computes every panel afresh from the database: a provider reads its panel in
one query where it can (`first_rows_and_count`), on indexes that hold exactly its rows.
"""

from collections.abc import Callable

from django.db.models import Count, QuerySet, Window

PANEL_PROVIDERS: list[Callable] = []


def register_panels(*providers: Callable) -> None:
    """Add providers of dashboard panels: functions of the user returning a list of panels."""
    # Django may run an app's ready() twice (tests that swap INSTALLED_APPS): register once.
    PANEL_PROVIDERS.extend(provider for provider in providers if provider not in PANEL_PROVIDERS)


def panels_for(user) -> list[dict]:
    return [panel for provider in PANEL_PROVIDERS for panel in provider(user)]


def first_rows_and_count(queryset: QuerySet, limit: int) -> tuple[list, int]:
    """The first `limit` rows of `queryset` and how many rows it holds, in one query: the count
    is a window over the whole result, computed before the LIMIT."""
    rows = list(queryset.annotate(total_rows=Window(Count("pk")))[:limit])
    return rows, rows[0].total_rows if rows else 0
