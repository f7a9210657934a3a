"""The client's address behind TRUSTED_PROXY_COUNT proxies, and whose request id events carry."""

import logging

import pytest
from axes.helpers import get_client_ip_address
from django.test import RequestFactory
from django.urls import reverse

from procurement.middleware import client_ip
from procurement.models import AuditEvent

PROXY = "10.0.0.2"


def request_from(forwarded_for=None, remote=PROXY):
    headers = {} if forwarded_for is None else {"X-Forwarded-For": forwarded_for}
    return RequestFactory().get("/", headers=headers, REMOTE_ADDR=remote)


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        # No trusted proxy: the header is whatever the client wrote, and is ignored.
        (0, None, PROXY),
        (0, "198.51.100.7", PROXY),
        (0, "198.51.100.7, 203.0.113.9", PROXY),
        # One proxy appends the address it saw: the right-most entry.
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "1.1.1.1, 203.0.113.9", "203.0.113.9"),  # the left-most is forged
        (1, " 2001:DB8:0:0::7 ", "2001:db8::7"),
        # Two proxies: the outer one wrote the client, the inner one the outer proxy.
        (2, "198.51.100.7, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (2, "203.0.113.9, 10.0.0.1", "203.0.113.9"),
        # Too short for the proxies said to be there: only the connection's address is known.
        (1, None, PROXY),
        (1, "", PROXY),
        (2, "198.51.100.7", PROXY),
        # Malformed where the client should be: fall back, never to an entry further left.
        (1, "198.51.100.7, not-an-address", PROXY),
        (1, "198.51.100.7,", PROXY),
        (1, "203.0.113.9:4711", PROXY),
        (1, "fe80::1%eth0", PROXY),
        (2, "198.51.100.7, garbage, 10.0.0.1", PROXY),
    ],
)
def test_the_client_address_is_the_entry_the_trusted_proxies_wrote(
    settings, proxies, forwarded_for, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request_from(forwarded_for)) == expected


def test_a_malformed_connection_address_is_no_address(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from(remote="not-an-ip")) is None


def test_axes_reads_the_same_client_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert settings.AXES_CLIENT_IP_CALLABLE == "procurement.middleware.client_ip"
    assert get_client_ip_address(request_from("1.1.1.1, 203.0.113.9")) == "203.0.113.9"


def test_audit_events_record_the_client_behind_the_proxy(client, legal_user, password, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client.post(
        reverse("account_login"),
        {"login": legal_user.username, "password": password},
        headers={"X-Forwarded-For": "192.0.2.1, 203.0.113.9"},
        REMOTE_ADDR=PROXY,
    )
    assert AuditEvent.objects.get(action="auth.login").client_ip == "203.0.113.9"


@pytest.mark.parametrize(
    "forged",
    ["req-42", "x" * 64, "a" * 500, "evil\u2028id", "<script>", "feedface" * 4],
)
def test_a_client_request_id_never_becomes_the_audited_request_id(client, legal_user, password, forged):
    response = client.post(
        reverse("account_login"),
        {"login": legal_user.username, "password": password},
        headers={"X-Request-ID": forged},
    )
    event = AuditEvent.objects.get(action="auth.login")
    assert event.request_id != forged and len(event.request_id) == 32
    assert int(event.request_id, 16) >= 0  # our own uuid4 hex
    assert forged not in event.canonical
    assert response["X-Request-ID"] == event.request_id


def test_a_well_formed_client_request_id_is_logged_beside_ours(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="procurement.request"):
        response = client.get(reverse("account_login"), headers={"X-Request-ID": "trace-7f3a.b_1:2"})
    (record,) = [r for r in caplog.records if r.name == "procurement.request"]
    assert record.getMessage() == f"request_id={response['X-Request-ID']} client_request_id=trace-7f3a.b_1:2"


@pytest.mark.parametrize("bad", ["has space", "a" * 65, "new\nline", "semi;colon", "é"])
def test_a_malformed_client_request_id_is_not_even_logged(client, db, caplog, bad):
    with caplog.at_level(logging.INFO, logger="procurement.request"):
        client.get(reverse("account_login"), headers={"X-Request-ID": bad})
    assert not [r for r in caplog.records if r.name == "procurement.request"]
