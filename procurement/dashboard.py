"""The home dashboard: each app contributes panels of things that need attention.

A panel is a dict with a title, a template to include and its context; apps add their
providers to PANEL_PROVIDERS so the home view stays one line.

Every change in the register is written with its audit event in the same transaction, so the
newest audit sequence (`audit.data_sequence`, sign-ins aside) is a version of all the data: a provider's panels are computed once per
person, roles, day and audit sequence, and read from memory until anything changes. A provider
whose panel reads something else (the audit trail's own verification) registers as `live`.
"""

from collections.abc import Callable

from . import audit, memo, policies

PANEL_PROVIDERS: list[Callable] = []


def panel_provider(func: Callable | None = None, *, live: bool = False):
    """Register a provider of dashboard panels (`@panel_provider`, or `@panel_provider(live=True)`
    for one computed on every view)."""

    def register(provider: Callable) -> Callable:
        provider.live = live
        PANEL_PROVIDERS.append(provider)
        return provider

    return register(func) if func is not None else register


def panels_for(user) -> list[dict]:
    roles = ",".join(sorted(policies.roles_of(user)))
    version = f"{user.pk}|{roles}|{user.is_superuser}|{audit.data_sequence()}"
    panels = []
    for provider in PANEL_PROVIDERS:
        if provider.live:
            panels.extend(provider(user))
        else:
            name = f"{provider.__module__}.{provider.__qualname__}"
            panels.extend(memo.remember(f"dashboard|{name}|{version}", lambda p=provider: p(user)))
    return panels
