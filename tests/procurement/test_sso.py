"""OIDC single sign-on against a real identity provider started in the test: allauth's own OpenID
provider (allauth.idp.oidc) served by the live server on `localhost`, our app as the relying party.

The authorization-code flow is real end to end: the browser (a requests session) signs in at the
IdP and is redirected back with a code; our app exchanges it at the IdP's token endpoint over
HTTP, checks the ID token's signature against the IdP's JWKS, reads the userinfo, and signs the
person in. Only the IdP's choice of groups is ours (a claim its adapter adds).
"""

import re
from urllib.parse import urlsplit

import pytest
import requests
from allauth.idp.oidc.adapter import DefaultOIDCAdapter
from allauth.idp.oidc.models import Client as OIDCClient
from allauth.socialaccount.models import SocialAccount
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import Group
from django.test import Client

from procurement import accounts
from procurement.models import AuditEvent
from tests.procurement.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

CALLBACK = "http://testserver/accounts/oidc/sso/login/callback/"
CLIENT_SECRET = "rp-secret-for-tests-only"
# What the IdP says each of its people belongs to (a test changes it between two sign-ins).
IDP_GROUPS: dict[str, list[str]] = {}


class GroupsClaimAdapter(DefaultOIDCAdapter):
    """The IdP's adapter: a `groups` claim, as Keycloak or Entra ID would send it."""

    def get_claims(self, purpose, user, client, scopes, email=None, **kwargs):
        claims = super().get_claims(purpose, user, client, scopes, email=email, **kwargs)
        claims["groups"] = IDP_GROUPS.get(user.username, [])
        return claims


def _private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture
def idp(live_server, settings):
    """The identity provider at live_server.url, with our app registered as its client."""
    settings.ROOT_URLCONF = "tests.procurement.sso_urls"
    settings.IDP_OIDC_PRIVATE_KEY = _private_key_pem()
    settings.IDP_OIDC_ADAPTER = f"{__name__}.GroupsClaimAdapter"
    client = OIDCClient(
        id="compute-register",
        name="Compute Register",
        scopes="openid\nprofile\nemail",
        redirect_uris=CALLBACK,
        skip_consent=True,
    )
    client.set_secret(CLIENT_SECRET)
    client.save()
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": "Example IdP",
                    "client_id": client.id,
                    "secret": CLIENT_SECRET,
                    "settings": {
                        "server_url": live_server.url,
                        "token_auth_method": "client_secret_basic",
                        "oauth_pkce_enabled": True,
                    },
                }
            ]
        }
    }
    settings.OIDC_GROUP_ROLES = "cr-finance=finance, cr-audit=auditor, cr-legal=legal"
    IDP_GROUPS.clear()
    yield live_server
    IDP_GROUPS.clear()


def _csrf(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    page.raise_for_status()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def sso_sign_in(
    app: Client,
    idp_url: str,
    username: str,
    *,
    browser: requests.Session | None = None,
    start_url: str = "/accounts/oidc/sso/login/",
):
    """One authorization-code flow: our app -> the IdP's sign-in -> back to our callback."""
    app.get("/login/")
    start = app.post(start_url, {"process": "login"})
    assert start.status_code == 302, start.content[:500]
    authorize = start["Location"]
    assert authorize.startswith(f"{idp_url}/identity/o/authorize"), authorize
    browser = browser or requests.Session()
    step = browser.get(authorize, allow_redirects=False, timeout=30)
    for _ in range(5):  # the IdP's own pages: sign in (or confirm the password) when it asks
        location = step.headers.get("Location", "") if step.status_code == 302 else ""
        if location.startswith(("/login/", "/accounts/reauthenticate/")):
            url = idp_url + location
            data = {"password": PASSWORD, "csrfmiddlewaretoken": _csrf(browser, url)}
            if location.startswith("/login/"):
                data["login"] = username
            answer = browser.post(url, data=data, allow_redirects=False, timeout=30)
            assert answer.status_code == 302, answer.text[:500]
            nxt = answer.headers["Location"]
            step = browser.get(
                nxt if nxt.startswith("http") else idp_url + nxt, allow_redirects=False, timeout=30
            )
        else:
            break
    back = urlsplit(step.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    assert "code=" in back.query
    return app.get(f"{back.path}?{back.query}")


def test_sso_sign_in_creates_the_account_with_the_mapped_role(idp):
    UserFactory(username="ines", first_name="Ines", last_name="Idp")  # her account at the IdP
    IDP_GROUPS["ines"] = ["cr-finance", "staff-everyone"]
    app = Client()
    landed = sso_sign_in(app, idp.url, "ines")
    assert landed.status_code == 302 and landed["Location"] == "/"
    home = app.get("/")
    assert home.status_code == 200
    account = SocialAccount.objects.get(provider="sso")
    user = account.user
    assert set(user.groups.values_list("name", flat=True)) == {"finance"}
    assert not user.has_usable_password()  # signs in through the IdP only
    assert b"Finance" in home.content
    created = AuditEvent.objects.get(action="auth.user_created")
    assert created.object_id == str(user.pk)
    synced = AuditEvent.objects.get(action="auth.roles_synced")
    assert synced.changes["roles"] == [[], ["finance"]]
    login = AuditEvent.objects.filter(action="auth.login", actor_id=user.pk).get()
    assert login.changes == {"method": "sso", "provider": "sso"}


def test_roles_follow_the_idp_groups_on_every_sign_in(idp):
    UserFactory(username="ines")
    IDP_GROUPS["ines"] = ["cr-finance"]
    sso_sign_in(Client(), idp.url, "ines")
    user = SocialAccount.objects.get(provider="sso").user
    user.groups.add(Group.objects.get(name="procurement"))  # given by hand: the IdP decides
    IDP_GROUPS["ines"] = ["cr-audit", "cr-legal"]
    second = Client()
    assert sso_sign_in(second, idp.url, "ines").status_code == 302
    assert set(user.groups.values_list("name", flat=True)) == {"auditor", "legal"}
    last = AuditEvent.objects.filter(action="auth.roles_synced").order_by("-sequence").first()
    assert last.changes["roles"] == [["finance", "procurement"], ["auditor", "legal"]]
    # Unchanged groups on the next sign-in: nothing to audit.
    count = AuditEvent.objects.filter(action="auth.roles_synced").count()
    sso_sign_in(Client(), idp.url, "ines")
    assert AuditEvent.objects.filter(action="auth.roles_synced").count() == count


def test_no_account_for_someone_the_idp_gives_no_role(idp):
    UserFactory(username="walter")
    IDP_GROUPS["walter"] = ["staff-everyone"]
    app = Client()
    response = sso_sign_in(app, idp.url, "walter")
    assert response.status_code == 200
    assert b"No account for you here yet" in response.content
    assert not SocialAccount.objects.exists()
    assert app.get("/").status_code == 302  # not signed in


def test_group_mapping_setting_is_checked(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.OIDC_GROUP_ROLES = "cr-x=superuser"
    with pytest.raises(ImproperlyConfigured):
        accounts.group_roles()
    settings.OIDC_GROUP_ROLES = "a=b=legal, , c=auditor"
    assert accounts.group_roles() == {"a=b": "legal", "c": "auditor"}
    settings.OIDC_GROUPS_CLAIM = "roles"
    assert accounts.roles_from_claims({"roles": "c,zzz"}) == {"auditor"}
    assert accounts.roles_from_claims({"roles": {"c": 1}}) == set()


def test_an_sso_signer_signs_after_signing_in_again_at_the_idp(idp, procurement_user):
    import html
    import uuid

    from scorecards import signoff
    from scorecards.models import Signature
    from tests.scorecards.factories import all_scores, ensure_reference_data, evaluation_with_contract

    ensure_reference_data()
    UserFactory(username="ines")
    IDP_GROUPS["ines"] = ["cr-finance"]
    evaluation = evaluation_with_contract(author=procurement_user, scores=all_scores(4))
    signoff.evaluation_submit(actor=procurement_user, evaluation=evaluation)
    app, browser = Client(), requests.Session()
    sso_sign_in(app, idp.url, "ines", browser=browser)
    sign_url = f"/evaluations/{evaluation.pk}/sign/"
    form = {"role": "finance", "decision": "approve", "comment": ""}
    # Signed in a moment ago, but that was the sign-in: signing asks for a fresh one... which the
    # sign-in just was. Make it stale, as it would be half an hour into the session.
    session = app.session
    for record in session["account_authentication_methods"]:
        record["at"] -= 3600
    session.save()
    refused = app.post(sign_url, form | {"request_token": str(uuid.uuid4())})
    assert refused.status_code == 422
    assert "Sign in again at your identity provider first" in refused.content.decode()
    page = app.get(sign_url).content.decode()
    again = html.unescape(re.search(r'<form method="post" action="([^"]+)" class="mt-3">', page).group(1))
    assert "prompt%3Dlogin" in again and "next=" in again
    # The IdP asks for the password again (prompt=login), though its own session is still open.
    back = sso_sign_in(app, idp.url, "ines", browser=browser, start_url=again)
    assert back.status_code == 302 and back["Location"] == sign_url
    signed = app.post(sign_url, form | {"request_token": str(uuid.uuid4())})
    assert signed.status_code == 302
    assert Signature.objects.get().authenticated_by == "sso"
