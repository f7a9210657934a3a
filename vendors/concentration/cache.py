"""Results of the portfolio-wide computations, kept until the portfolio changes.

Concentration is the same for every reader, changes only when someone edits a workload, a
dependency, a vendor or a rehearsal, and is read far more often than it changes. The cache key
carries a version read from the data itself (row counts and the latest change of each table),
so any write through the services, the admin or an import makes the next read compute afresh:
nothing has to remember to invalidate it.
"""

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from django.db import connection
from django.utils import timezone

from ..models import Dependency, Layer, Rehearsal, Vendor, Workload


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


# Results live in this process, not in Django's cache: they are large object graphs that a
# cache backend would pickle and unpickle on every read (milliseconds for a portfolio of 500
# workloads), and every process can compute them for itself once per version. Readers share the
# objects, so nothing may change a result after `compute()` returns it.
MEMO_SIZE = 64
_memo: OrderedDict[str, object] = OrderedDict()
_lock = threading.Lock()


def remember[T](name: str, compute: Callable[[], T], *, version: str | None = None) -> T:
    """`compute()`, or its result from the last call with the same name on the same data."""
    # Today's date too: what is overdue changes at midnight, not only when the data does.
    key = f"{name}|{version or portfolio_version()}|{timezone.localdate():%Y%m%d}"
    with _lock:
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key]  # type: ignore[return-value]
    value = compute()
    with _lock:
        _memo[key] = value
        while len(_memo) > MEMO_SIZE:
            _memo.popitem(last=False)
    return value


def forget_all() -> None:
    """Drop every remembered result (tests start from nothing)."""
    with _lock:
        _memo.clear()
