"""Results computed once per version of the data, kept in this process.

For reads that many pages repeat and that change only when the data does (concentration over
the whole portfolio, the dashboard's panels): the caller puts a version read from the data in
the key, so a write anywhere makes the next read compute afresh and nothing has to remember to
invalidate. Kept in the process rather than in Django's cache: the results are object graphs
that a cache backend would pickle and unpickle on every read, and each process can compute
them once per version. Readers share the objects: nothing may change a result once made.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable

from django.utils import timezone

MEMO_SIZE = 256
_memo: OrderedDict[str, object] = OrderedDict()
_lock = threading.Lock()


def remember[T](key: str, compute: Callable[[], T]) -> T:
    """`compute()`, or its result from the last call with the same key today."""
    # Today's date in the key too: what is due or overdue changes at midnight.
    key = f"{key}|{timezone.localdate():%Y%m%d}"
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


def forget(prefix: str) -> None:
    """Drop the remembered results whose keys start with `prefix` (the bench measures a page
    computed afresh, as after a change)."""
    with _lock:
        for key in [key for key in _memo if key.startswith(prefix)]:
            del _memo[key]
