"""Requesting a URL as someone, inside a savepoint that is rolled back, and reading what came back.

Every request of the sweep runs in its own savepoint, so a POST that deletes a vendor leaves the
world as it was for the next one, and every GET is watched for SQL that writes.
"""

import re
from contextlib import contextmanager

from django.db import connection, transaction

# SQL a GET may run: the session (saved on every request to slide the idle timeout), the sign-in
# throttle's bookkeeping, an API token's "last used" stamp, and the questionnaire portal's rate-limit
# counters (every portal request is counted, refused ones too). Anything else is a state change.
GET_MAY_WRITE = re.compile(
    r"^(django_session|axes_\w+|procurement_apitoken|procurement_cache|questionnaires_portalratecounter)$"
)
_WRITE = re.compile(
    # SQLite's "INSERT OR IGNORE INTO" is how Django adds many-to-many rows there.
    r"^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO|TRUNCATE)\s+[\"`]?(\w+)",
    re.IGNORECASE,
)


@contextmanager
def rolled_back():
    """A savepoint that is always rolled back.

    Services open durable atomic blocks, which Django allows only directly inside a test case's
    own blocks; this savepoint exists only for the test, so it is marked as one of them.
    """
    atomic = transaction.atomic()
    atomic._from_testcase = True
    with atomic:
        yield
        transaction.set_rollback(True)


@contextmanager
def watching_writes():
    """Collects the tables that SQL statements write to while the block runs."""
    tables: list[str] = []

    def wrapper(execute, sql, params, many, context):
        match = _WRITE.match(sql)
        if match:
            tables.append(match.group(1))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield tables


def unexpected_writes(tables: list[str]) -> list[str]:
    return sorted({t for t in tables if not GET_MAY_WRITE.match(t)})


# On every response, errors and redirects included (HSTS too, on HTTPS: see test_security.py).
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "Referrer-Policy",
    "X-Content-Type-Options",
    "Cross-Origin-Opener-Policy",
)


def missing_security_headers(response) -> list[str]:
    return [name for name in SECURITY_HEADERS if not response.has_header(name)]


def outcome(response) -> str:
    """login | denied | method | ok | error: what the response means for access."""
    status = response.status_code
    if status >= 500:
        return "error"
    if status == 401:
        return "login"
    if status in (301, 302, 303) and response.get("Location", "").split("?")[0].endswith(
        ("/login/", "/admin/login/")
    ):
        return "login"
    if status in (403, 404):
        return "denied"
    if status == 405:
        return "method"
    return "ok"
