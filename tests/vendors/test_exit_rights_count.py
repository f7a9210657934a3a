"""The stored count of missing exit rights on each contract stays right after every service that
changes clauses, contracts or kinds of exit right, and after the migration that fills it."""

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse

from vendors import selectors, services
from vendors.models import Contract, ExitRightKind

from .factories import ContractFactory, VendorFactory, cover_all_exit_rights

pytestmark = pytest.mark.django_db


def _active() -> int:
    return ExitRightKind.objects.filter(is_active=True).count()


def _stored(contract) -> int:
    return Contract.objects.values_list("exit_rights_missing", flat=True).get(pk=contract.pk)


def _counted(contract) -> int:
    """The count the hard way: active kinds without a present or negotiated clause."""
    covered = contract.clauses.filter(kind__is_active=True, status__in=selectors.COVERED_STATUSES).count()
    return _active() - covered


def _kind(code):
    return ExitRightKind.objects.get(code=code)


def test_a_new_contract_lacks_every_active_exit_right(procurement_user):
    contract = services.contract_create(
        actor=procurement_user,
        vendor=VendorFactory(),
        reference="NEW-1",
        title="Reservation",
        start_date=date(2026, 1, 1),
        end_date=date(2027, 1, 1),
        committed_spend=Decimal("10.00"),
        currency="USD",
    )
    assert contract.exit_rights_missing == _stored(contract) == _active() > 0


def test_imported_contracts_store_their_missing_exit_rights(procurement_user):
    vendor = VendorFactory()
    row = {"vendor": vendor, "title": "T", "start_date": date(2026, 1, 1), "end_date": date(2027, 1, 1)}
    row |= {"committed_spend": Decimal("1.00"), "currency": "EUR"}
    contracts = services.contracts_import(
        actor=procurement_user, rows=[{**row, "reference": "I-1"}, {**row, "reference": "I-2"}]
    )
    assert [_stored(c) for c in contracts] == [_active(), _active()]


def test_setting_clauses_keeps_the_count_in_the_same_transaction(legal_user):
    contract, other = ContractFactory(), ContractFactory()
    active = _active()
    services.clause_set(actor=legal_user, contract=contract, kind=_kind("ramp-down"), status="present")
    assert _stored(contract) == _counted(contract) == active - 1
    clause = services.clause_set(
        actor=legal_user, contract=contract, kind=_kind("ramp-down"), status="negotiated"
    )
    assert clause.contract.exit_rights_missing == _stored(contract) == active - 1
    services.clause_set(actor=legal_user, contract=contract, kind=_kind("ramp-down"), status="missing")
    assert _stored(contract) == _counted(contract) == active
    assert _stored(other) == active  # only the contract whose clause changed is touched


def test_a_fully_covered_contract_stores_zero_and_leaves_the_missing_filter(legal_user, auditor_user):
    contract = ContractFactory()
    for kind in ExitRightKind.objects.filter(is_active=True):
        services.clause_set(actor=legal_user, contract=contract, kind=kind, status="present")
    assert _stored(contract) == _counted(contract) == 0
    assert contract not in selectors.with_exit_rights_missing(Contract.objects.all())
    assert contract in selectors.with_exit_rights_missing(Contract.objects.all(), missing=False)


def test_updating_a_contract_keeps_its_stored_count(procurement_user):
    contract = ContractFactory()
    cover_all_exit_rights(contract)
    services.contract_update(actor=procurement_user, contract=contract, title="Renamed")
    assert _stored(contract) == 0


def test_adding_an_active_kind_recounts_every_contract(admin):
    covered, bare = ContractFactory(), ContractFactory()
    cover_all_exit_rights(covered)
    services.exit_right_kind_save(actor=admin, kind=ExitRightKind(code="audit", name="Audit rights"))
    assert (_stored(covered), _stored(bare)) == (1, _active())
    services.exit_right_kind_save(
        actor=admin, kind=ExitRightKind(code="later", name="Later right", is_active=False)
    )
    assert (_stored(covered), _stored(bare)) == (1, _active())


def test_retiring_and_reactivating_a_kind_recounts_every_contract(admin, legal_user):
    covered, partial = ContractFactory(), ContractFactory()
    cover_all_exit_rights(covered)
    ramp = _kind("ramp-down")
    services.clause_set(actor=legal_user, contract=partial, kind=ramp, status="present")
    ramp.is_active = False
    services.exit_right_kind_save(actor=admin, kind=ramp)
    assert (_stored(covered), _stored(partial)) == (0, _counted(partial)) == (0, _active())
    ramp.is_active = True
    services.exit_right_kind_save(actor=admin, kind=ramp)
    assert (_stored(covered), _stored(partial)) == (0, _active() - 1)


def test_renaming_a_kind_does_not_recount(admin):
    contract = ContractFactory()
    Contract.objects.filter(pk=contract.pk).update(exit_rights_missing=0)  # a sentinel to detect a recount
    ramp = _kind("ramp-down")
    ramp.name = "Ramp-down period"
    services.exit_right_kind_save(actor=admin, kind=ramp)
    assert _stored(contract) == 0


def test_retiring_a_kind_in_the_admin_recounts_contracts(client, admin):
    contract = ContractFactory()
    cover_all_exit_rights(contract, status="missing")
    before = _stored(contract)
    kind = _kind("ramp-down")
    client.force_login(admin)
    data = {"name": kind.name, "description": kind.description, "position": kind.position}
    client.post(reverse("admin:vendors_exitrightkind_change", args=[kind.pk]), data)
    assert _stored(contract) == before - 1 == _counted(contract)


def test_the_migration_fills_the_count_of_existing_contracts():
    covered, partial, bare = ContractFactory(), ContractFactory(), ContractFactory()
    cover_all_exit_rights(covered)
    cover_all_exit_rights(partial, status="missing")
    Contract.objects.update(exit_rights_missing=0)
    migration = importlib.import_module("vendors.migrations.0006_contract_exit_rights_missing")
    migration.fill_exit_rights_missing(apps, None)
    assert [_stored(c) for c in (covered, partial, bare)] == [0, _active(), _active()]
