"""Factories of the vendor register. They write rows directly: tests of behaviour go through services."""

from datetime import date, timedelta
from decimal import Decimal

import factory

from vendors import services
from vendors.models import (
    CapacityBand,
    CapacityLine,
    Contract,
    ExitRightClause,
    ExitRightKind,
    Vendor,
)

# The smallest file that starts like a PDF (the upload check reads the magic bytes, not the name).
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Vendor {n:04d}")
    legal_entity = factory.LazyAttribute(lambda v: f"{v.name} Ltd")
    kind = Vendor.Kind.NEOCLOUD
    hq_jurisdiction = "United States"
    processing_regions = factory.LazyFunction(lambda: ["us-east"])
    status = Vendor.Status.ACTIVE

    @factory.post_generation
    def layers(self, create, extracted, **kwargs):
        if create and extracted:
            self.layers.set(extracted)


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    vendor = factory.SubFactory(VendorFactory)
    reference = factory.Sequence(lambda n: f"C-{n:05d}")
    title = "GPU reservation"
    start_date = date(2026, 1, 1)
    end_date = date(2027, 12, 31)
    notice_period_days = 90
    notice_deadline = factory.LazyAttribute(lambda c: c.end_date - timedelta(days=c.notice_period_days))
    committed_spend = Decimal("1000000.00")
    currency = "USD"
    status = Contract.Status.ACTIVE
    # No clause yet: every active kind is missing (as `contract_create` stores it).
    exit_rights_missing = factory.LazyFunction(lambda: ExitRightKind.objects.filter(is_active=True).count())


class CapacityLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CapacityLine

    contract = factory.SubFactory(ContractFactory)
    accelerator_model = "NVIDIA H100 80GB"
    count = 64
    region = "us-east"
    band = CapacityBand.COMMITTED


class ClauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExitRightClause

    contract = factory.SubFactory(ContractFactory)
    kind = factory.Iterator(ExitRightKind.objects.all())
    status = ExitRightClause.Status.PRESENT
    reference = "§1"
    text = "The clause."

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        # Clauses made outside the service: recount the stored gap as the service would.
        if create:
            services.exit_rights_recount(contracts=[instance.contract_id])
            instance.contract.refresh_from_db(fields=["exit_rights_missing"])


def cover_all_exit_rights(contract: Contract, status=ExitRightClause.Status.PRESENT) -> None:
    for kind in ExitRightKind.objects.filter(is_active=True):
        ClauseFactory(contract=contract, kind=kind, status=status)
