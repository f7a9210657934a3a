from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from vendors import services
from vendors.models import Contract

from .factories import ContractFactory, cover_all_exit_rights

pytestmark = pytest.mark.django_db


def _contract(end_in_days, notice_days=30, status=Contract.Status.ACTIVE, **kwargs):
    today = timezone.localdate()
    end = today + timedelta(days=end_in_days)
    return ContractFactory(
        start_date=today - timedelta(days=400),
        end_date=end,
        notice_period_days=notice_days,
        notice_deadline=end - timedelta(days=notice_days),
        status=status,
        **kwargs,
    )


def _panels(client, user):
    client.force_login(user)
    return {p["title"]: p for p in client.get(reverse("home")).context["panels"]}


def test_notice_deadlines_panel_lists_active_contracts_due_within_90_days(client, finance_user):
    due = _contract(end_in_days=100, notice_days=30)  # notice in 70 days
    _contract(end_in_days=200, notice_days=30)  # notice in 170 days
    _contract(end_in_days=20, notice_days=30)  # notice passed 10 days ago
    _contract(end_in_days=100, notice_days=30, status=Contract.Status.DRAFT)
    panel = _panels(client, finance_user)["Notice deadlines in the next 90 days"]
    assert panel["rows"] == [due] and panel["count"] == 1


def test_expiring_panel_lists_active_contracts_ending_within_90_days_soonest_first(client, legal_user):
    later, sooner = _contract(end_in_days=80), _contract(end_in_days=10)
    _contract(end_in_days=120)
    _contract(end_in_days=-1)
    panel = _panels(client, legal_user)["Contracts expiring in the next 90 days"]
    assert panel["rows"] == [sooner, later]


def test_missing_exit_rights_panel_ignores_complete_and_closed_contracts(client, auditor_user):
    gap = _contract(end_in_days=300)
    complete = _contract(end_in_days=300)
    cover_all_exit_rights(complete)
    _contract(end_in_days=300, status=Contract.Status.TERMINATED)
    panel = _panels(client, auditor_user)["Contracts with missing exit rights"]
    assert panel["rows"] == [gap]
    assert "9 missing" in client.get(reverse("home")).content.decode()


def test_a_negotiated_clause_counts_as_covered_and_a_missing_one_does_not(client, auditor_user):
    contract = _contract(end_in_days=300)
    cover_all_exit_rights(contract, status="negotiated")
    clause = contract.clauses.first()
    services.clause_set(actor=auditor_user, contract=contract, kind=clause.kind, status="missing")
    panel = _panels(client, auditor_user)["Contracts with missing exit rights"]
    assert panel["rows"] == [contract] and panel["rows"][0].exit_rights_missing == 1


def test_users_without_a_role_get_no_register_panels(client, no_role_user):
    _contract(end_in_days=10)
    assert not {"Contracts expiring in the next 90 days"} & set(_panels(client, no_role_user))


def test_a_committed_change_shows_on_the_next_view(client, auditor_user):
    contract = _contract(end_in_days=300)
    cover_all_exit_rights(contract)
    assert _panels(client, auditor_user)["Contracts with missing exit rights"]["rows"] == []
    services.clause_set(
        actor=auditor_user, contract=contract, kind=contract.clauses.first().kind, status="missing"
    )
    assert _panels(client, auditor_user)["Contracts with missing exit rights"]["rows"] == [contract]
