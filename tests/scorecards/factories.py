"""Factories of scorecards. They write rows directly; tests of behaviour go through services."""

from decimal import Decimal
from importlib import import_module

import factory

from procurement import policies
from scorecards import services
from scorecards.models import DataSensitivity, Evaluation, Score, ScorecardTemplate, SignoffPolicy
from tests.procurement.factories import user_with_role
from tests.vendors.factories import ContractFactory, VendorFactory
from vendors.models import WorkloadTier

RATIONALE = "The vendor showed written evidence for this score during the review meeting."
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def ensure_reference_data() -> None:
    """The rows the data migrations create, again if a transactional test's flush removed them."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    for role in policies.ROLES:
        Group.objects.get_or_create(name=role)
    if not ScorecardTemplate.objects.filter(key="standard").exists():
        import_module("scorecards.migrations.0002_default_template").create_default_template(apps, None)
    if not SignoffPolicy.objects.exists():
        import_module("scorecards.migrations.0005_default_signoff_policies").create_policies(apps, None)


def default_template() -> ScorecardTemplate:
    """The template the data migration creates (five dimensions, weights 25/20/20/20/15)."""
    ensure_reference_data()
    return ScorecardTemplate.objects.get(key="standard", version=1)


class EvaluationFactory(factory.django.DjangoModelFactory):
    """An evaluation with one empty score per dimension of its template."""

    class Meta:
        model = Evaluation
        skip_postgeneration_save = True

    vendor = factory.SubFactory(VendorFactory)
    contract = None
    template = factory.LazyFunction(default_template)
    title = factory.Sequence(lambda n: f"GPU capacity decision {n}")
    purpose = "Reserve training capacity for the next model generation."
    tier = WorkloadTier.EXPERIMENTAL_TRAINING
    data_sensitivity = DataSensitivity.INTERNAL
    commitment_amount = Decimal("1000000.00")
    commitment_currency = "USD"
    author = factory.LazyFunction(lambda: user_with_role(policies.PROCUREMENT))

    @factory.post_generation
    def scores(self, create, extracted, **kwargs):
        """scores={"capacity": 4, ...}: fills those scores with a rationale and refreshes the total."""
        if not create:
            return
        rows = [Score(evaluation=self, dimension=d) for d in self.template.dimensions.all()]
        for row in rows:
            value = (extracted or {}).get(row.dimension.kind)
            if value is not None:
                row.score, row.rationale = value, RATIONALE
        Score.objects.bulk_create(rows)
        if extracted:
            services._refresh_total(self)


def evaluation_with_contract(**kwargs) -> Evaluation:
    contract = kwargs.pop("contract", None) or ContractFactory()
    return EvaluationFactory(vendor=contract.vendor, contract=contract, **kwargs)


def all_scores(value: int) -> dict[str, int]:
    return dict.fromkeys(["capacity", "portability", "resilience", "compliance", "commercial"], value)


def tce_comparison(*vendors, actor=None, name: str = "Pre-training 2027"):
    """A saved TCE comparison (through costs' service, so the snapshot is real) of one offer per
    vendor: the first vendor's is the cheapest GPU-hour but, with a long queue wait and switching
    effort, not the cheapest TCE; the second vendor's is the cheapest TCE."""
    import datetime as dt

    from costs import services as costs_services
    from tests.costs.factories import CostOfDelayFactory, OfferFactory, OfferLineFactory

    CostOfDelayFactory()
    offers = []
    for index, vendor in enumerate(vendors):
        first = index == 0
        offer = OfferFactory(
            vendor=vendor,
            name=f"{vendor.name} reserved block",
            queue_wait_hours=Decimal(720 if first else 24),
            switching_engineer_days=Decimal(40 if first else 0),
            engineer_day_rate=Decimal(900),
        )
        OfferLineFactory(offer=offer, quantity=8, effective_unit_price=Decimal("2.10" if first else "2.40"))
        offers.append(offer)
    return costs_services.comparison_save(
        actor=actor or user_with_role(policies.PROCUREMENT),
        name=name,
        tier=WorkloadTier.EXPERIMENTAL_TRAINING,
        offers=offers,
        gpu_hours_per_month=Decimal(5000),
        horizon_months=12,
        reporting_currency="EUR",
        as_of=dt.date(2026, 12, 7),
    )
