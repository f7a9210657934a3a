"""The access matrix: every URL of the URLconf, every principal, every method, against the table.

The URL list is read from the URLconf at run time, so a URL added without an entry in
`tests/hardening/expectations.py` fails `test_every_url_has_an_expectation`. For each principal
the sweep requests every page (GET and an empty POST) and every API operation (with a valid body,
so a refusal is about access, not input), each inside a rolled-back savepoint, and checks:
the outcome matches the table; a GET writes nothing; a refused request is logged; a guessed id
answers 404; nothing answers 5xx.
"""

import copy
import json
import logging

import pytest
from django.test import Client
from django.urls import reverse

from scorecards.records import pdf
from tests.vendors.factories import PDF_BYTES

from .expectations import API, CATCH_ALLS, NOT_SIGNED_IN, PAGES, Page
from .matrix import missing_security_headers, outcome, rolled_back, unexpected_writes, watching_writes
from .urlconf import all_endpoints
from .world import MISSING_ID, PRINCIPALS, build_world

pytestmark = pytest.mark.django_db

HOW_TO_ADD = (
    "Add each to PAGES (a page or form) or API (a JSON API operation) in tests/hardening/expectations.py, "
    "naming who may GET and POST it; see the docstring at the top of that file."
)


def test_every_url_has_an_expectation():
    endpoints = [e for e in all_endpoints() if not e.is_admin_site]
    known = set(PAGES) | set(API) | CATCH_ALLS
    missing = [f"  {e.name}  ({e.route}, view in {e.module})" for e in endpoints if e.name not in known]
    assert not missing, "URLs with no expected access:\n" + "\n".join(missing) + "\n" + HOW_TO_ADD
    names = {e.name for e in endpoints}
    stale = sorted(known - names)
    assert not stale, f"tests/hardening/expectations.py names URLs that no longer exist: {stale}"


@pytest.fixture
def world(db, monkeypatch):
    # The matrix is about who reaches what; PDFs are checked by the decision-record tests.
    # A stub renderer keeps fifty previews and re-issues from taking a minute.
    monkeypatch.setattr(pdf, "render", lambda html, **kwargs: pdf.Rendered(PDF_BYTES, 1))
    return build_world()


class DeniedLog(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.INFO)
        self.paths: list[str] = []

    def emit(self, record):
        self.paths.append(getattr(record, "path", ""))


@pytest.fixture
def denied_log():
    handler = DeniedLog()
    logger = logging.getLogger("procurement.denied")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def client_for(world, principal: str) -> Client:
    client = Client()
    if principal == "vendor_contact":
        # Holds a portal link and has used it: whatever the portal gave it (cookies) it keeps.
        assert (
            client.get(reverse("questionnaires:portal", kwargs={"token": world.portal_token})).status_code
            == 200
        )
    elif principal != "anonymous":
        client.force_login(world.users[principal])
    return client


def expected_page_outcome(spec: Page, principal: str, method: str) -> str:
    allowed = spec.get if method == "GET" else spec.post
    if principal in NOT_SIGNED_IN and not spec.public:
        return "login"
    if allowed is None:
        return "method"
    return spec.allowed_outcome if principal in allowed else "denied"


# A redirect back with a message that wrote nothing is a refusal too (the sign-off actions
# answer that way); for an allowed principal it is an empty form that changed nothing.
ACCEPTED = {"ok": {"ok", "refused"}, "denied": {"denied", "refused"}}


class Sweep:
    def __init__(self, world, principal, denied_log):
        self.world = world
        self.principal = principal
        self.client = client_for(world, principal)
        self.denied_log = denied_log
        self.failures: list[str] = []

    def request(self, method: str, path: str, **kwargs):
        """One request in a rolled-back savepoint; returns (response, tables a GET wrote)."""
        cookies = copy.copy(self.client.cookies)  # a sign-out must not end the sweep's session
        with rolled_back(), watching_writes() as tables:
            try:
                response = self.client.generic(method, path, **kwargs)
            except Exception as error:  # a 500 in production: report it with the others
                self.failures.append(f"{method} {path}: raised {error!r}")
                return None, []
            finally:
                self.client.cookies = cookies
            if response.streaming:
                # Read to the end: the test client then closes the file, inside the savepoint.
                b"".join(response.streaming_content)
        return response, tables

    def check(self, label: str, method: str, path: str, expected: str, *, exact_status=None, **kwargs):
        logged_before = len(self.denied_log.paths)
        response, tables = self.request(method, path, **kwargs)
        if response is None:
            return
        got = outcome(response)
        if (
            got == "ok"
            and method != "GET"
            and response.status_code in (302, 303)
            and not unexpected_writes(tables)
        ):
            got = "refused"
        where = f"{label}: {method} {path} as {self.principal}"
        if got not in ACCEPTED.get(expected, {expected}):
            self.failures.append(f"{where}: expected {expected}, got {got} ({response.status_code})")
        elif exact_status is not None and response.status_code != exact_status:
            self.failures.append(f"{where}: expected status {exact_status}, got {response.status_code}")
        missing = missing_security_headers(response)
        if missing:
            self.failures.append(f"{where}: response without {missing}")
        if method == "GET" and unexpected_writes(tables):
            self.failures.append(f"{where}: a GET wrote to {unexpected_writes(tables)}")
        if response.status_code in (401, 403, 404) and len(self.denied_log.paths) == logged_before:
            self.failures.append(f"{where}: refused with {response.status_code} but not logged")

    def pages(self):
        for name, spec in PAGES.items():
            self.page(name, spec, "")
            if spec.others is not None:
                self.page(name, spec.others, " (someone else's object)")

    def page(self, name: str, spec: Page, note: str):
        kwargs = spec.args(self.world) if spec.args else {}
        path = reverse(name, kwargs=kwargs)
        for method in ("GET",) if spec.any_method else ("GET", "POST"):
            self.check(name + note, method, path, expected_page_outcome(spec, self.principal, method))
        if self.principal == "admin" and not spec.any_method:
            # Methods the page does not list are refused before anything else happens.
            self.check(name + note, "DELETE", path, "method")
            self.guessed_ids(name, spec, kwargs)

    def guessed_ids(self, name: str, spec: Page, kwargs: dict):
        """An admin passes every role check, so a made-up id must be a plain 404."""
        for key, value in kwargs.items():
            if not isinstance(value, int):
                continue
            path = reverse(name, kwargs={**kwargs, key: MISSING_ID})
            for method, allowed in (("GET", spec.get), ("POST", spec.post)):
                if allowed is not None:
                    self.check(f"{name} with a guessed {key}", method, path, "denied", exact_status=404)

    def api(self):
        token = self.world.tokens.get(self.principal)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for name, spec in API.items():
            kwargs = spec.args(self.world) if spec.args else {}
            body = json.dumps(spec.body(self.world)) if spec.body else ""
            send = {"data": body, "content_type": "application/json", "headers": headers}
            if self.principal in NOT_SIGNED_IN:
                expected = "login"  # a portal token is no API token: 401
            else:
                expected = "ok" if self.principal in spec.allowed else "denied"
            self.check(name, spec.method, reverse(name, kwargs=kwargs), expected, **send)
            if self.principal == "admin":
                for key, value in kwargs.items():
                    if isinstance(value, int):
                        path = reverse(name, kwargs={**kwargs, key: MISSING_ID})
                        self.check(
                            f"{name} with a guessed {key}",
                            spec.method,
                            path,
                            "denied",
                            exact_status=404,
                            **send,
                        )


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_access_matrix(world, principal, denied_log):
    sweep = Sweep(world, principal, denied_log)
    sweep.pages()
    sweep.api()
    assert not sweep.failures, f"{len(sweep.failures)} access failures:\n" + "\n".join(sweep.failures)


def test_the_admin_site_is_for_staff_only(world):
    """Every admin page without arguments (index, each model's list and add page): staff only."""
    admin_paths = [
        reverse(e.name)
        for e in all_endpoints()
        # Signing out of the admin is POST-only, like the app's own sign-out (checked above).
        if e.is_admin_site and "<" not in e.route and "(?P" not in e.route and e.name != "admin:logout"
    ]
    assert len(admin_paths) > 5
    staff, someone = client_for(world, "admin"), client_for(world, "procurement")
    failures = []
    for path in admin_paths:
        as_staff = staff.get(path)
        if as_staff.status_code not in (200, 302, 403):
            failures.append(f"{path} as staff: {as_staff.status_code}")
        as_someone = someone.get(path)
        # The admin's own sign-in page tells a signed-in non-staff user they may not enter.
        if outcome(as_someone) != "login" and path != reverse("admin:login"):
            failures.append(f"{path} as a non-staff user: {as_someone.status_code}")
    assert not failures, "\n".join(failures)
