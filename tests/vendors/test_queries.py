"""Pages hold their query count as the register grows (10 rows and 500 rows, same ceiling)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from vendors import services
from vendors.models import (
    CapacityLine,
    Contract,
    ContractDocument,
    ExitRightClause,
    ExitRightKind,
    Layer,
    Vendor,
)

pytestmark = pytest.mark.django_db
SIZES = [10, 500]


def _vendors(n, host=None, prefix="Vendor"):
    vendors = Vendor.objects.bulk_create(
        Vendor(name=f"{prefix} {i:04d}", kind="neocloud", hq_jurisdiction=f"Country {i % 7}", runs_on=host)
        for i in range(n)
    )
    layers = list(Layer.objects.all())
    through = Vendor.layers.through
    through.objects.bulk_create(
        through(vendor_id=v.pk, layer_id=layer.pk) for v in vendors for layer in layers[: 1 + v.pk % 3]
    )
    return vendors


def _contracts(vendors, per_vendor=1, status=Contract.Status.ACTIVE):
    today = timezone.localdate()
    contracts = Contract.objects.bulk_create(
        Contract(
            vendor=v,
            reference=f"C-{v.pk}-{i}",
            title="Reservation",
            start_date=today - timedelta(days=300),
            end_date=today + timedelta(days=60),
            notice_period_days=30,
            notice_deadline=today + timedelta(days=30),
            committed_spend=Decimal("1000.00"),
            currency="USD",
            status=status,
        )
        for v in vendors
        for i in range(per_vendor)
    )
    kinds = list(ExitRightKind.objects.all()[:4])
    ExitRightClause.objects.bulk_create(
        ExitRightClause(contract=c, kind=k, status="present", reference="§1")
        for c in contracts
        for k in kinds
    )
    services.exit_rights_recount(contracts=[c.pk for c in contracts])  # bulk_create skips the services
    return contracts


@pytest.mark.parametrize("size", SIZES)
def test_vendor_list_query_count_does_not_grow(client, auditor_user, django_assert_max_num_queries, size):
    host = Vendor.objects.create(name="Host", kind="hyperscaler", hq_jurisdiction="US")
    _contracts(_vendors(size, host=host))
    client.force_login(auditor_user)
    for query in ({}, {"sort": "-contracts", "layer": "compute", "q": "vendor", "page": "2"}):
        with django_assert_max_num_queries(15):
            response = client.get(reverse("vendors:vendor-list"), query)
        assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_contract_list_query_count_does_not_grow(client, auditor_user, django_assert_max_num_queries, size):
    _contracts(_vendors(size))
    client.force_login(auditor_user)
    query = {"sort": "-missing", "currency": "USD", "missing_exit_rights": "true", "layer": "compute"}
    for params in ({}, query):
        with django_assert_max_num_queries(16):
            response = client.get(reverse("vendors:contract-list"), params)
        assert response.status_code == 200
    assert len(response.context["page_obj"].object_list) == min(size, 25)


@pytest.mark.parametrize("size", SIZES)
def test_vendor_detail_query_count_does_not_grow_with_contracts(
    client, auditor_user, django_assert_max_num_queries, size
):
    [vendor] = _vendors(1)
    _vendors(size, host=vendor, prefix="Tenant")
    _contracts([vendor], per_vendor=size)
    client.force_login(auditor_user)
    with django_assert_max_num_queries(15):
        response = client.get(vendor.get_absolute_url())
    assert response.status_code == 200
    page = response.context["page_obj"]
    assert page.paginator.count == size and len(page.object_list) == min(size, 25)
    assert all(contract.exit_rights_missing == 5 for contract in page.object_list)


@pytest.mark.parametrize("size", SIZES)
def test_contract_detail_query_count_does_not_grow_with_lines_clauses_and_documents(
    client, auditor_user, admin, django_assert_max_num_queries, size
):
    [contract] = _contracts(_vendors(1))
    ExitRightKind.objects.bulk_create(
        ExitRightKind(code=f"extra-{i}", name=f"Extra {i}") for i in range(size)
    )
    ExitRightClause.objects.bulk_create(
        ExitRightClause(contract=contract, kind=k, status="negotiated", reference="§2")
        for k in ExitRightKind.objects.filter(code__startswith="extra-")
    )
    CapacityLine.objects.bulk_create(
        CapacityLine(contract=contract, accelerator_model="H100", count=i + 1, region="eu", band="burst")
        for i in range(size)
    )
    ContractDocument.objects.bulk_create(
        ContractDocument(
            contract=contract,
            file=f"x/{i}.pdf",
            original_name=f"{i}.pdf",
            size=1,
            sha256=f"{i}",
            uploaded_by=admin,
        )
        for i in range(size)
    )
    client.force_login(auditor_user)
    with django_assert_max_num_queries(15):
        response = client.get(contract.get_absolute_url())
    assert len(response.context["checklist"]) >= size


@pytest.mark.parametrize("size", SIZES)
def test_dashboard_query_count_does_not_grow(client, auditor_user, django_assert_max_num_queries, size):
    _contracts(_vendors(size))
    client.force_login(auditor_user)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert f">{size}<" in response.content.decode()  # the panel counts every due contract


@pytest.mark.parametrize("size", SIZES)
def test_exports_query_count_does_not_grow(client, auditor_user, django_assert_max_num_queries, size):
    _contracts(_vendors(size))
    client.force_login(auditor_user)
    for name in ("vendor-export", "contract-export"):
        with django_assert_max_num_queries(10):
            response = client.get(reverse(f"vendors:{name}"))
            lines = b"".join(response.streaming_content).decode().splitlines()
        assert len(lines) == size + 1
