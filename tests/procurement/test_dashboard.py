"""The home dashboard as a whole: every app's panels, each read afresh in one query."""

import datetime as dt

import pytest
from django.urls import reverse

from procurement import dashboard, policies
from scorecards import signoff
from tests.scorecards.factories import EvaluationFactory, all_scores, evaluation_with_contract
from tests.vendors.test_dashboard import _contract
from vendors import selectors as vendor_selectors

from .factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader_who_signs(db):
    """Legal and auditor: every panel of the dashboard, the audit trail's and the sign-off's too."""
    user = user_with_role(policies.LEGAL, username="lea.legal")
    user.groups.add(*user_with_role(policies.AUDITOR).groups.all())
    return user


def test_each_app_registers_its_panels_once_in_ready():
    providers = list(dashboard.PANEL_PROVIDERS)
    assert len(set(providers)) == len(providers)
    assert {"procurement", "vendors", "scorecards"} <= {p.__module__.split(".")[0] for p in providers}
    dashboard.register_panels(providers[0])  # a second ready() adds nothing
    assert providers == dashboard.PANEL_PROVIDERS


@pytest.mark.parametrize("size", [1, 20])
def test_the_dashboard_query_count_is_the_same_for_one_and_for_twenty_of_each(
    client, procurement_user, reader_who_signs, django_assert_num_queries, size
):
    for _ in range(size):
        _contract(end_in_days=40)  # notice due, ending soon, exit rights missing
        EvaluationFactory(status="approved", reevaluation_due=dt.date(2020, 1, 1))
        evaluation = evaluation_with_contract(author=procurement_user, scores=all_scores(4))
        signoff.evaluation_submit(actor=procurement_user, evaluation=evaluation)
    client.force_login(reader_who_signs)
    client.get(reverse("vendors:vendor-list"))  # the first page after signing in stamps the session
    # Session, user, roles; the audit trail's head and latest verification; one query for each
    # of the three contract panels, the rehearsals and the overdue re-evaluations; two for the
    # sign-off queue (its ids, then the rows shown); the navigation's badge; three for the
    # capacity shortfalls (supply allocated per tier, forecasts, lead times).
    with django_assert_num_queries(16):
        response = client.get(reverse("home"))
    panels = {panel["title"]: panel for panel in response.context["panels"]}
    assert panels["Awaiting my sign-off"]["count"] == size
    assert panels["Re-evaluations overdue"]["count"] == size
    expiring = panels["Contracts expiring in the next 90 days"]
    assert expiring["count"] == size and len(expiring["rows"]) == min(size, vendor_selectors.DASHBOARD_ROWS)
