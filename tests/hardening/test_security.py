"""Transport headers, session expiry and the log of refused requests.

The access matrix checks the security headers on every response it gets; this file adds what
only shows over HTTPS (HSTS), and what happens to a session left idle.
"""

import logging
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from .matrix import SECURITY_HEADERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def https(settings):
    """The production transport settings (tests run with HTTPS=0, so set them here)."""
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]


@pytest.mark.parametrize(
    ("path", "signed_in"),
    [
        ("/login/", False),
        ("/", True),
        ("/vendors/", True),
        ("/no-such-page/", True),
        ("/api/v1/vendors", False),  # a JSON 401
        ("/healthz", False),
        ("/static/css/app.css", False),
    ],
)
def test_https_responses_carry_hsts_and_every_security_header(client, legal_user, https, path, signed_in):
    if signed_in:
        client.force_login(legal_user)
    response = client.get(path, secure=True)
    if response.streaming:  # static files: read to the end so the file is closed
        b"".join(response.streaming_content)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert [h for h in SECURITY_HEADERS if not response.has_header(h)] == []
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
    # Pages run our own scripts only; a static file opened directly runs none at all.
    assert ("script-src 'self'" in csp) != path.startswith("/static/")


def test_plain_http_is_redirected_to_https(client, https, db):
    response = client.get("/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")


def test_a_session_left_idle_past_its_timeout_signs_the_user_out(client, legal_user):
    client.force_login(legal_user)
    assert client.get("/").status_code == 200
    # What the idle timeout does to the stored session when nobody uses it for that long.
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_using_the_app_slides_the_idle_timeout(client, legal_user, settings):
    # At most once a minute (tests/procurement/test_auth.py): the first request after sign-in does.
    client.force_login(legal_user)
    Session.objects.update(expire_date=timezone.now() + timedelta(seconds=5))
    client.get("/")
    expires = Session.objects.get().expire_date
    assert expires > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_a_refused_request_is_logged_with_user_method_path_and_status(client, auditor_user, caplog):
    client.force_login(auditor_user)
    with caplog.at_level(logging.WARNING, logger="procurement.denied"):
        assert client.post(reverse("vendors:vendor-create"), {"name": "x"}).status_code == 403
        assert client.get("/vendors/987654/").status_code == 404
    denied = [r for r in caplog.records if r.name == "procurement.denied"]
    assert [(r.method, r.path, r.status, r.user) for r in denied] == [
        ("POST", "/vendors/new/", 403, "aud.auditor"),
        ("GET", "/vendors/987654/", 404, "aud.auditor"),
    ]
    assert "request_id=" in denied[0].getMessage()


def test_an_api_call_without_a_token_is_logged_as_anonymous(client, db, caplog):
    with caplog.at_level(logging.WARNING, logger="procurement.denied"):
        assert client.get("/api/v1/vendors?search=secret").status_code == 401
    (record,) = [r for r in caplog.records if r.name == "procurement.denied"]
    assert record.user == "anonymous" and record.status == 401
    assert "secret" not in record.getMessage()  # query strings can carry data: never logged


def test_a_refused_workflow_action_is_logged_though_it_answers_with_a_message(
    client, legal_user, procurement_user, caplog
):
    from tests.scorecards.factories import all_scores, evaluation_with_contract

    evaluation = evaluation_with_contract(author=procurement_user, scores=all_scores(4))
    client.force_login(legal_user)  # not the author: may not submit it
    with caplog.at_level(logging.WARNING, logger="procurement.denied"):
        response = client.post(reverse("scorecards:evaluation-submit", args=[evaluation.pk]))
    assert response.status_code == 302
    (record,) = [r for r in caplog.records if r.name == "procurement.denied"]
    assert (record.method, record.status, record.user) == ("POST", 403, legal_user.username)
    assert "Only the author" in record.getMessage()
    evaluation.refresh_from_db()
    assert evaluation.status == "draft"
