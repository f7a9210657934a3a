"""Results of the portfolio-wide computations, kept until the portfolio changes.

Concentration is the same for every reader, changes only when someone edits a workload, a
dependency, a vendor or a rehearsal, and is read far more often than it changes. The cache key
carries a version read from the data itself (row counts and the latest change of each table),
so any write through the services, the admin or an import makes the next read compute afresh:
nothing has to remember to invalidate it.
"""

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection

from ..models import Dependency, Layer, Rehearsal, Vendor, Workload

CACHE_SECONDS = 60 * 60


def portfolio_version() -> str:
    """Counts and latest change of every table the computations read, in one query."""
    selects = []
    for model in (Dependency, Workload, Vendor, Rehearsal):
        table = connection.ops.quote_name(model._meta.db_table)
        selects += [f"(SELECT COUNT(*) FROM {table})", f"(SELECT MAX(updated_at) FROM {table})"]  # noqa: S608  # table names from our models, quoted  # nosec B608
    selects.append(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(Layer._meta.db_table)})")  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        # Table names come from our own models, quoted; nothing from a request reaches this text.
        cursor.execute("SELECT " + ", ".join(selects))
        row = cursor.fetchone()
    return hashlib.sha256("|".join(map(str, row)).encode()).hexdigest()[:24]


def remember[T](name: str, compute: Callable[[], T], *, version: str | None = None) -> T:
    """`compute()`, or its result from the last call with the same name on the same data."""
    # Hashed: the name may carry text from a request (a region), which some cache backends refuse.
    digest = hashlib.sha256(name.encode()).hexdigest()[:32]
    key = f"concentration:{digest}:{version or portfolio_version()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value
