"""Shared fixtures: one named user per role, fast password hashing, Playwright on Debian's Chromium."""

import contextlib
import shutil

import pytest
from django.core.servers.basehttp import WSGIServer
from playwright.sync_api import Error as PlaywrightError

from procurement import policies
from tests.procurement.factories import PASSWORD, admin_user, user_with_role

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def _fast_passwords_and_isolated_media(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (decision-record previews are kept there)."""
    from django.core.cache import cache

    cache.clear()


class _OneRequestAtATime(WSGIServer):
    """The live server without a thread per request. On SQLite the test database lives in memory,
    one connection that the live server's threads share; a page whose htmx panels load at once
    would use it from several threads together, which SQLite refuses ("bad parameter or other
    API misuse"). Django closes each connection of a server without threads, so browsers simply
    queue their requests."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)  # the server thread already uses the shared connection


@pytest.fixture(scope="session", autouse=True)
def _serial_live_server_on_sqlite(django_db_setup):
    from django.db import connection
    from django.test.testcases import LiveServerThread

    if connection.vendor == "sqlite":
        LiveServerThread.server_class = _OneRequestAtATime


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL, let Django's test flush TRUNCATE the append-only audit table.

    The trigger allows TRUNCATE only when `procurement.audit_maintenance` is 'on'; this turns
    it on for the test database alone (never elsewhere). Tests of the refusals turn it off.
    """
    from django.db import connection, connections

    global _SERIALIZED_CONTENTS
    _SERIALIZED_CONTENTS = getattr(connection, "_test_serialized_contents", None)
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            name = connection.ops.quote_name(connection.settings_dict["NAME"])
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER DATABASE {name} SET procurement.audit_maintenance = 'on'")
            connections.close_all()  # new sessions pick the setting up


_SERIALIZED_CONTENTS = None


@pytest.fixture(autouse=True)
def _keep_serialized_contents(django_db_setup):
    """The migrated rows serialized at test-database creation (see _restore_migrated_rows_after_flush)
    live on the connection object; a live server's teardown can replace that object, so put them back."""
    from django.db import connection

    if _SERIALIZED_CONTENTS is not None and not hasattr(connection, "_test_serialized_contents"):
        connection._test_serialized_contents = _SERIALIZED_CONTENTS


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def procurement_user(db):
    return user_with_role(policies.PROCUREMENT, username="pat.procurement")


@pytest.fixture
def legal_user(db):
    return user_with_role(policies.LEGAL, username="lee.legal")


@pytest.fixture
def finance_user(db):
    return user_with_role(policies.FINANCE, username="fay.finance")


@pytest.fixture
def security_user(db):
    return user_with_role(policies.SECURITY, username="sam.security")


@pytest.fixture
def platform_user(db):
    return user_with_role(policies.PLATFORM, username="pia.platform")


@pytest.fixture
def auditor_user(db):
    return user_with_role(policies.AUDITOR, username="aud.auditor")


@pytest.fixture
def admin(db):
    return admin_user(username="ada.admin")


@pytest.fixture
def no_role_user(db):
    return user_with_role(None, username="nora.norole")


# Browser tests ----------------------------------------------------------------------------


def _chromium_installed() -> bool:
    return shutil.which("chromium") is not None


def pytest_collection_modifyitems(config, items):
    for item in items:
        _restore_migrated_rows_after_flush(item)
    if _chromium_installed():
        return
    skip = pytest.mark.skip(
        reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def _restore_migrated_rows_after_flush(item):
    """Transactional tests end with a flush, which also empties the rows our data migrations
    made (role groups, layers, exit-right kinds, the default scorecard and sign-off policies).
    Serialized rollback puts them back, so no test depends on running before a browser test."""
    marker = item.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction") and "serialized_rollback" not in marker.kwargs:
        item.add_marker(
            pytest.mark.django_db(*marker.args, **marker.kwargs, serialized_rollback=True), append=False
        )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Never `playwright install`: it downloads a browser, which fails here. Use the system one,
    # and keep it from calling home (this machine has no network).
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }


@pytest.fixture
def page(page):
    """pytest-playwright's page, which at the end of a test waits for htmx requests still in flight
    (a panel that reloads after a change): the live server must not be answering one while the
    test's database is torn down."""
    yield page
    if not page.is_closed():
        # A page that navigated away or crashed meanwhile has nothing in flight.
        with contextlib.suppress(PlaywrightError):
            page.wait_for_function("() => !document.querySelector('.htmx-request')", timeout=10_000)
            page.wait_for_timeout(50)  # the server thread finishes writing the response


@pytest.fixture
def sign_in(live_server, password):
    """Sign a Playwright page in through the login form."""

    def _sign_in(page, user):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return _sign_in
