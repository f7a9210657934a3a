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
