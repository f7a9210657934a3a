"""The home dashboard: each app contributes panels of things that need attention.

A panel is a dict with a title, a template to include and its context; apps add their
providers to PANEL_PROVIDERS so the home view stays one line.
"""

from collections.abc import Callable

PANEL_PROVIDERS: list[Callable] = []


def panel_provider(func: Callable) -> Callable:
    PANEL_PROVIDERS.append(func)
    return func


def panels_for(user) -> list[dict]:
    panels = []
    for provider in PANEL_PROVIDERS:
        panels.extend(provider(user))
    return panels
