import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procurement.models import AuditEvent
from scorecards import signoff
from scorecards.models import Evaluation, Signature
from tests.procurement.factories import PASSWORD

from .factories import all_scores, evaluation_with_contract

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(procurement_user):
    return evaluation_with_contract(author=procurement_user, scores=all_scores(4))


@pytest.fixture
def submitted(draft, procurement_user):
    signoff.evaluation_submit(actor=procurement_user, evaluation=draft)
    draft.refresh_from_db()
    return draft


def sign_data(role, decision="approve", comment="", password=PASSWORD, token=None):
    return {
        "role": role,
        "decision": decision,
        "comment": comment,
        "password": password,
        "request_token": str(token or uuid.uuid4()),
    }


@pytest.mark.parametrize("url_name", ["evaluation-submit", "evaluation-withdraw", "evaluation-revise"])
def test_workflow_actions_are_post_only(client, procurement_user, draft, url_name):
    client.force_login(procurement_user)
    assert client.get(reverse(f"scorecards:{url_name}", args=[draft.pk])).status_code == 405


def test_the_author_submits_from_the_evaluation_page(client, procurement_user, draft):
    client.force_login(procurement_user)
    page = client.get(reverse("scorecards:evaluation-detail", args=[draft.pk])).content.decode()
    assert "Submit for sign-off" in page
    response = client.post(reverse("scorecards:evaluation-submit", args=[draft.pk]), follow=True)
    assert "Submitted for sign-off by" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "submitted"


def test_submitting_an_incomplete_evaluation_is_a_message_not_an_error(client, procurement_user):
    evaluation = evaluation_with_contract(author=procurement_user, scores={"capacity": 3})
    client.force_login(procurement_user)
    response = client.post(reverse("scorecards:evaluation-submit", args=[evaluation.pk]), follow=True)
    assert response.status_code == 200 and "Score every dimension" in response.content.decode()


def test_a_signer_signs_through_the_form_with_their_password(client, legal_user, submitted):
    client.force_login(legal_user)
    url = reverse("scorecards:evaluation-sign", args=[submitted.pk])
    page = client.get(url).content.decode()
    assert "I approve this evaluation as the legal reviewer." in page and submitted.content_hash in page
    response = client.post(url, sign_data("legal"))
    assert response.status_code == 302
    assert Signature.objects.get().signer == legal_user


def test_a_wrong_password_is_shown_on_the_password_field(client, legal_user, submitted):
    client.force_login(legal_user)
    response = client.post(
        reverse("scorecards:evaluation-sign", args=[submitted.pk]), sign_data("legal", password="nope")
    )
    assert response.status_code == 422 and "password is not right" in response.content.decode()
    assert not Signature.objects.exists()


def test_a_double_submitted_sign_form_records_one_signature(client, legal_user, submitted):
    client.force_login(legal_user)
    url = reverse("scorecards:evaluation-sign", args=[submitted.pk])
    data = sign_data("legal")
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert Signature.objects.count() == 1


def test_the_author_is_told_they_cannot_sign(client, procurement_user, submitted, legal_user):
    procurement_user.groups.add(*legal_user.groups.all())
    client.force_login(procurement_user)
    url = reverse("scorecards:evaluation-sign", args=[submitted.pk])
    assert "You wrote this evaluation" in client.get(url).content.decode()
    response = client.post(url, sign_data("legal"))
    assert "You wrote this evaluation" in response.content.decode() and not Signature.objects.exists()


@pytest.mark.parametrize("user", ["procurement_user", "auditor_user", "no_role_user"])
def test_users_without_a_signing_role_cannot_open_the_sign_form(client, request, submitted, user):
    client.force_login(request.getfixturevalue(user))
    assert client.get(reverse("scorecards:evaluation-sign", args=[submitted.pk])).status_code in (403, 404)


def test_the_inbox_and_nav_count_show_what_awaits_the_user(client, legal_user, finance_user, submitted):
    client.force_login(legal_user)
    html = client.get(reverse("scorecards:signoff-inbox")).content.decode()
    assert submitted.title in html and "Awaiting my sign-off" in html
    assert "1 evaluation waits for your signature" in html
    assert '<span class="badge text-bg-danger">1<span class="visually-hidden"> evaluations' in html
    client.post(reverse("scorecards:evaluation-sign", args=[submitted.pk]), sign_data("legal"))
    html = client.get(reverse("scorecards:signoff-inbox")).content.decode()
    assert "Nothing is waiting for your signature." in html
    client.force_login(finance_user)
    assert submitted.title in client.get(reverse("scorecards:signoff-inbox")).content.decode()


def test_the_nav_badge_stops_counting_past_its_limit(client, legal_user, procurement_user, monkeypatch):
    from scorecards import selectors

    monkeypatch.setattr(selectors, "AWAITING_BADGE_LIMIT", 2)
    for _ in range(3):
        evaluation = evaluation_with_contract(author=procurement_user, scores=all_scores(4))
        signoff.evaluation_submit(actor=procurement_user, evaluation=evaluation)
    client.force_login(legal_user)
    html = client.get(reverse("scorecards:signoff-inbox")).content.decode()
    assert '<span class="badge text-bg-danger">2+<span class="visually-hidden"> evaluations' in html
    assert html.count("GPU capacity decision") >= 3  # the inbox itself lists every one
    client.force_login(procurement_user)  # the author signs for no role: no badge at all
    assert "Awaiting my sign-off" not in client.get(reverse("home")).content.decode()


def _badge(client, path):
    html = client.get(path).content.decode()
    return html.split("Awaiting my sign-off <span", 1)[1].split(">", 1)[1].split("<", 1)[0]


def test_the_nav_badge_counts_on_every_page_and_writes_nothing(
    client, legal_user, procurement_user, submitted
):
    client.force_login(legal_user)
    assert _badge(client, reverse("vendors:vendor-list")) == "1"
    another = evaluation_with_contract(author=procurement_user, scores=all_scores(4))
    signoff.evaluation_submit(actor=procurement_user, evaluation=another)
    assert _badge(client, reverse("vendors:vendor-list")) == "2"  # someone else's submission, at once
    client.post(reverse("scorecards:evaluation-sign", args=[submitted.pk]), sign_data("legal"))
    with CaptureQueriesContext(connection) as page:
        assert _badge(client, reverse("vendors:vendor-list")) == "1"
    session_writes = [q["sql"] for q in page.captured_queries if "django_session" in q["sql"]]
    assert all(sql.startswith("SELECT") for sql in session_writes)


@pytest.mark.parametrize("waiting", [1, 20])
def test_an_ordinary_page_counts_the_badge_in_one_query(
    client, legal_user, procurement_user, django_assert_num_queries, waiting
):
    for _ in range(waiting):
        evaluation = evaluation_with_contract(author=procurement_user, scores=all_scores(4))
        signoff.evaluation_submit(actor=procurement_user, evaluation=evaluation)
    client.force_login(legal_user)
    client.get(reverse("home"))  # the first page after signing in stamps the session's expiry
    # The page's own queries and one for the badge, however long the queue.
    with django_assert_num_queries(10):
        assert _badge(client, reverse("vendors:vendor-list")) == str(waiting)


@pytest.mark.parametrize("rows", [10, 300])
def test_the_inbox_query_count_does_not_grow(
    client, legal_user, procurement_user, django_assert_num_queries, rows
):
    for _ in range(rows // 10):
        evaluation = evaluation_with_contract(author=procurement_user, scores=all_scores(4))
        signoff.evaluation_submit(actor=procurement_user, evaluation=evaluation)
    client.force_login(legal_user)
    client.get(reverse("home"))  # the first page after signing in stamps the session's expiry
    # Session, user, roles; the queue's count, its page and the navigation's badge.
    with django_assert_num_queries(6):
        response = client.get(reverse("scorecards:signoff-inbox"))
    assert len(response.context["page_obj"].object_list) == min(rows // 10, 25)


def test_the_evaluation_page_shows_the_timeline_conditions_and_void_rounds(
    client, auditor_user, procurement_user, legal_user, finance_user, platform_user, submitted
):
    signoff.signoff_record(
        actor=legal_user,
        evaluation=submitted,
        role="legal",
        decision="request_changes",
        comment="Attach the SLA.",
        password=PASSWORD,
        request_token=uuid.uuid4(),
    )
    signoff.evaluation_submit(actor=procurement_user, evaluation=submitted)
    for user, role, decision, comment in [
        (legal_user, "legal", "approve", ""),
        (finance_user, "finance", "approve_with_conditions", "Quarterly spend review."),
        (platform_user, "platform", "approve", ""),
    ]:
        signoff.signoff_record(
            actor=user,
            evaluation=submitted,
            role=role,
            decision=decision,
            comment=comment,
            password=PASSWORD,
            request_token=uuid.uuid4(),
        )
    client.force_login(auditor_user)
    html = client.get(reverse("scorecards:evaluation-detail", args=[submitted.pk])).content.decode()
    assert "Round 2" in html and "Round 1" in html and "signatures void" in html
    assert "Conditions of the approval" in html and "Finance: Quarterly spend review." in html
    assert "I approve this evaluation as the platform engineering reviewer." in html
    assert "Revise this decision" not in html  # auditors read only


def test_procurement_revises_a_decision_and_withdraws_the_revision(
    client, procurement_user, legal_user, submitted
):
    signoff.signoff_record(
        actor=legal_user,
        evaluation=submitted,
        role="legal",
        decision="reject",
        comment="Not this vendor.",
        password=PASSWORD,
        request_token=uuid.uuid4(),
    )
    client.force_login(procurement_user)
    response = client.post(reverse("scorecards:evaluation-revise", args=[submitted.pk]))
    revision = Evaluation.objects.get(revises=submitted)
    assert response["Location"] == reverse("scorecards:evaluation-scores", args=[revision.pk])
    client.post(
        reverse("scorecards:evaluation-withdraw", args=[revision.pk]), {"reason": "Changed our mind."}
    )
    revision.refresh_from_db()
    assert revision.status == "withdrawn"
    assert AuditEvent.objects.get(action="evaluation.withdraw").changes["reason"] == [
        None,
        "Changed our mind.",
    ]


def test_the_dashboard_lists_what_awaits_my_signature(client, legal_user, auditor_user, submitted):
    client.force_login(legal_user)
    html = client.get(reverse("home")).content.decode()
    assert (
        "Awaiting my sign-off" in html and reverse("scorecards:evaluation-sign", args=[submitted.pk]) in html
    )
    client.force_login(auditor_user)
    assert (
        reverse("scorecards:evaluation-sign", args=[submitted.pk])
        not in client.get(reverse("home")).content.decode()
    )
