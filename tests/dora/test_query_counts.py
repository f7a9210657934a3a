"""The register and lint pages read the register in a fixed number of queries: more providers,
contracts and functions mean more rows, not more queries (no caching)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dora import services
from dora.demo import vendor_lei
from dora.models import FinancialEntity
from tests.dora.factories import record_contract, record_function
from tests.resilience.factories import DependencyFactory
from tests.vendors.factories import ClauseFactory, ContractFactory, VendorFactory


def add_providers(actor, count: int, start: int = 0) -> None:
    """`count` more providers, each with a recorded contract, a hosted vendor, an exit-rights
    clause and a function that depends on it."""
    entity = FinancialEntity.objects.get(maintains_register=True)
    for n in range(start, start + count):
        host = VendorFactory(name=f"Added Host {n}")
        vendor = VendorFactory(name=f"Added Provider {n}", runs_on=host)
        for each in (host, vendor):
            services.vendor_record_save(actor=actor, vendor=each, lei=vendor_lei(each.name), country="US")
        contract = ContractFactory(vendor=vendor, reference=f"ADD-{n:03d}", currency="EUR")
        ClauseFactory(contract=contract)
        record_contract(actor, contract, entity)
        dependency = DependencyFactory(vendor=vendor, region="us-east")
        record_function(actor, dependency.workload, entity, f"FA{n}", critical="eba_BT:x29")


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, {"ref_date": "2026-12-31"}).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url_name", ["dora:register", "dora:lint"])
def test_more_providers_do_not_mean_more_queries(
    client, admin, auditor_user, demo_register, django_assert_max_num_queries, url_name
):
    client.force_login(auditor_user)
    url = reverse(url_name)
    queries(client, url)  # the first request of a session reads what later ones do not
    add_providers(admin, 1)
    with_one_more = queries(client, url)
    assert with_one_more <= 30
    add_providers(admin, 12, start=1)
    with django_assert_max_num_queries(with_one_more):
        response = client.get(url, {"ref_date": "2026-12-31"})
    assert response.status_code == 200
    assert "Added Provider 12" in response.content.decode() or url_name == "dora:lint"
