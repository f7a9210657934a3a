"""Factories for workloads, dependencies and rehearsals, and a small portfolio builder."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from resilience.models import Criticality, Dependency, Rehearsal, RehearsalScenario, Workload
from tests.vendors.factories import VendorFactory
from vendors.models import CapacityBand, Layer, Vendor, WorkloadTier


class WorkloadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workload

    name = factory.Sequence(lambda n: f"Workload {n:04d}")
    tier = WorkloadTier.HOT_INFERENCE
    criticality = Criticality.MEDIUM
    rpo_minutes = 15
    rto_minutes = 60


def layer(code: str) -> Layer:
    return Layer.objects.get(code=code)


class DependencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dependency

    workload = factory.SubFactory(WorkloadFactory)
    vendor = factory.SubFactory(VendorFactory)
    layer = factory.LazyFunction(lambda: layer("compute"))
    band = factory.LazyAttribute(lambda d: CapacityBand.COMMITTED if d.layer.code == "compute" else "")
    amount = Decimal("8")
    region = ""


def compute(workload, vendor, band, amount, region="") -> Dependency:
    return DependencyFactory(
        workload=workload,
        vendor=vendor,
        layer=layer("compute"),
        band=band,
        amount=Decimal(amount),
        region=region,
    )


def uses(workload, vendor, layer_code, percent=100, region="") -> Dependency:
    return DependencyFactory(
        workload=workload,
        vendor=vendor,
        layer=layer(layer_code),
        band="",
        amount=Decimal(percent),
        region=region,
    )


class RehearsalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rehearsal

    workload = factory.SubFactory(WorkloadFactory)
    scenario = RehearsalScenario.PROVIDER_EXIT
    performed_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    recovery_minutes = 30
    data_loss_minutes = 5
    rto_target_minutes = factory.LazyAttribute(lambda r: r.workload.rto_minutes)
    rpo_target_minutes = factory.LazyAttribute(lambda r: r.workload.rpo_minutes)
    outcome = Rehearsal.Outcome.PASSED


def portfolio(size: int, vendors: int = 8) -> list[Workload]:
    """`size` workloads, each with three compute bands and four other layers, in bulk."""
    pool = VendorFactory.create_batch(vendors)
    # The second vendor runs on the first: some workloads share fate without knowing it.
    Vendor.objects.filter(pk=pool[1].pk).update(runs_on=pool[0])
    layers = {lay.code: lay for lay in Layer.objects.all()}
    workloads = Workload.objects.bulk_create(
        WorkloadFactory.build(criticality=Criticality.CRITICAL if i % 3 == 0 else Criticality.MEDIUM)
        for i in range(size)
    )
    deps = []
    for i, workload in enumerate(workloads):
        for j, band in enumerate(CapacityBand.values):
            deps.append(
                Dependency(
                    workload=workload,
                    # Every fourth workload takes all three bands from one vendor.
                    vendor=pool[i % vendors if i % 4 == 0 else (i + j) % vendors],
                    layer=layers["compute"],
                    band=band,
                    amount=Decimal(8 * (j + 1)),
                    region="eu-west" if j else "us-east",
                )
            )
        for j, code in enumerate(["storage", "networking", "identity", "orchestration"]):
            deps.append(
                Dependency(
                    workload=workload, vendor=pool[(i * 3 + j) % vendors], layer=layers[code], amount=100
                )
            )
    Dependency.objects.bulk_create(deps)
    Rehearsal.objects.bulk_create(
        RehearsalFactory.build(workload=w, performed_on=timezone.localdate() - timedelta(days=30 * (i % 5)))
        for i, w in enumerate(workloads)
        if i % 2
    )
    return workloads
