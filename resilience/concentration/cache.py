"""Results of the portfolio-wide computations, kept until the portfolio changes.

Concentration is the same for every reader, changes only when someone edits a workload, a
dependency, a vendor or a rehearsal, and is read far more often than it changes. The cache key
carries a version read from the data itself (row counts and the latest change of each table),
so any write through the services, the admin or an import makes the next read compute afresh:
nothing has to remember to invalidate it.
"""

import hashlib
from collections.abc import Callable

from django.db import connection

from procurement import memo
from vendors.models import Layer, Vendor

from ..models import Dependency, Rehearsal, Workload


def portfolio_version() -> str:
    """Row count and latest change of every table the computations read, in one statement
    (one scan of each table; a deletion changes a count, an edit or an insert a timestamp)."""
    parts = []
    for position, model in enumerate((Dependency, Workload, Vendor, Rehearsal, Layer)):
        table = connection.ops.quote_name(model._meta.db_table)
        latest = "MAX(updated_at)" if model is not Layer else "NULL"
        parts.append(f"SELECT {position}, COUNT(*), {latest} FROM {table}")  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        # Table names come from our own models, quoted; nothing from a request reaches this text.
        cursor.execute(" UNION ALL ".join(parts))
        rows = sorted(cursor.fetchall())
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:24]


def remember[T](name: str, compute: Callable[[], T], *, version: str | None = None) -> T:
    """`compute()`, or its result from the last call with the same name on the same portfolio."""
    return memo.remember(f"concentration|{name}|{version or portfolio_version()}", compute)
