from django.contrib.auth.models import User

from procurement import demo as procurement_demo
from procurement.models import AuditEvent
from vendors import demo
from vendors.models import Contract, ExitRightClause, Vendor
from vendors.selectors import contracts_with_missing_exit_rights, notice_deadlines_due


def _seed():
    procurement_demo.seed_users()
    return demo.seed()


def test_demo_covers_every_vendor_kind_and_returns_vendors_by_name(db):
    vendors = _seed()
    assert set(vendors) == {row[0] for row in demo.VENDORS}
    assert {v.kind for v in vendors.values()} == set(Vendor.Kind.values)
    assert vendors["Helix GPU Cloud"].runs_on == vendors["Nimbus Scale"]
    assert vendors["Nimbus Scale"].kind == Vendor.Kind.HYPERSCALER
    assert "雲海コンピュート" in vendors and "Al-Wāḥa Colocation" in vendors


def test_demo_is_written_by_the_admin_through_the_services_and_is_idempotent(db):
    _seed()
    admin = User.objects.get(username="admin")
    counts = (Vendor.objects.count(), Contract.objects.count(), ExitRightClause.objects.count())
    events = AuditEvent.objects.count()
    assert AuditEvent.objects.filter(action="vendor.create", actor=admin).count() == counts[0]
    demo.seed()
    assert (Vendor.objects.count(), Contract.objects.count(), ExitRightClause.objects.count()) == counts
    assert AuditEvent.objects.count() == events


def test_demo_has_notice_deadlines_due_soon_and_missing_exit_rights(db, admin):
    _seed()
    assert len(notice_deadlines_due(admin)) >= 2
    assert len(contracts_with_missing_exit_rights(admin)) >= 3
    assert Contract.objects.filter(capacity_lines__isnull=False).distinct().count() >= 5
