"""Every URL pattern of the project's URLconf, read at run time, so a new URL cannot be forgotten."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Endpoint:
    name: str  # "namespace:name" as reverse() takes it, or the route when the pattern has no name
    route: str  # the pattern as written, e.g. "vendors/<int:pk>/edit/"
    module: str  # where its view lives, for the failure message

    @property
    def is_admin_site(self) -> bool:
        # Named admin views, and the redirects Django's admin adds for old object URLs.
        return self.name.startswith("admin:") or self.route.startswith("admin/")


def _walk(resolver: URLResolver, prefix: str, namespace: str | None):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            qualified = f"{namespace}:{entry.name}" if namespace else entry.name
            name = qualified if entry.name else route
            callback = entry.callback
            module = getattr(callback, "__module__", "") or type(callback).__module__
            yield Endpoint(name=name, route=route, module=module)


def all_endpoints() -> list[Endpoint]:
    """Every pattern, admin site included, in URLconf order."""
    return list(_walk(get_resolver(), "", None))
