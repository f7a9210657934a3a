"""Shared fixtures: one named user per role, fast password hashing, Playwright on Debian's Chromium."""

import shutil

import pytest

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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL, let Django's test flush TRUNCATE the append-only audit table.

    The trigger allows TRUNCATE only when `procurement.audit_maintenance` is 'on'; this turns
    it on for the test database alone (never elsewhere). Tests of the refusals turn it off.
    """
    from django.db import connection, connections

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            name = connection.ops.quote_name(connection.settings_dict["NAME"])
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER DATABASE {name} SET procurement.audit_maintenance = 'on'")
            connections.close_all()  # new sessions pick the setting up


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
    if _chromium_installed():
        return
    skip = pytest.mark.skip(
        reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


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
