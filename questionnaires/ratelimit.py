"""Rate limits of the portal: requests per minute per link and per client address.

Counted in the database (`PortalRateCounter`), not in Django's cache: the count must hold across
every app server (the cache here is a database table too, but its `incr` reads then writes, so
two requests at once count as one, and culling may drop a counter); an UPDATE ... SET count =
count + 1 is exact under concurrency on PostgreSQL and SQLite alike. Fixed one-minute windows;
windows older than ten minutes are deleted when a new one starts.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from procurement.middleware import client_ip

from .models import PortalRateCounter
from .tokens import digest_of


def _count(key: str) -> int:
    window = timezone.now().replace(second=0, microsecond=0)
    counters = PortalRateCounter.objects.filter(key=key, window_start=window)
    with transaction.atomic():
        if not counters.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    PortalRateCounter.objects.create(key=key, window_start=window, count=1)
            except IntegrityError:  # another request started the window meanwhile
                counters.update(count=F("count") + 1)
            else:
                PortalRateCounter.objects.filter(window_start__lt=window - timedelta(minutes=10)).delete()
        return counters.values_list("count", flat=True).first() or 0


def portal_request_allowed(request, token: str) -> bool:
    """Count this request against its address and its token; False when either is over its limit.

    Wrong tokens count too (against the address and the guessed value), so guessing is slow."""
    address = client_ip(request) or "unknown"
    by_address = _count(f"ip:{address}"[:100])
    by_token = _count(f"token:{digest_of(token[:200])}")
    return by_address <= settings.PORTAL_RATE_PER_ADDRESS and by_token <= settings.PORTAL_RATE_PER_TOKEN
