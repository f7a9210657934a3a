"""Results computed once per version of the data, kept in this process: what
`vendors/concentration/cache.py` uses, and nothing else (the dashboard and the sign-off queue
read the database on every view). It goes when concentration stops using it.

The caller puts a version read from the data in the key, so a write anywhere makes the next read
compute afresh and nothing has to remember to invalidate. Readers share the objects: nothing may
change a result once made.
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
