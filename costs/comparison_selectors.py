"""Reads of the comparison page, scoped to the user: everyone with a role reads offers and
workloads; for anyone else they do not exist (empty). Saved comparisons: `costs.selectors`."""

from django.db.models import QuerySet

from procurement import policies
from resilience.models import Workload
from resilience.selectors import workloads_for

from .models import Comparison, Offer


def offers_to_compare(user) -> QuerySet[Offer]:
    if not policies.can_read(user):
        return Offer.objects.none()
    return Offer.objects.all()


def workloads_to_compare(user) -> QuerySet[Workload]:
    return workloads_for(user).order_by("name")


def evaluations_of(comparison: Comparison) -> list:
    """The evaluations the comparison is attached to, once scorecards relates them
    (Evaluation.tce_comparison); costs cannot import scorecards, so the relation is read by name."""
    related = next(
        (
            rel
            for rel in Comparison._meta.related_objects
            if rel.related_model._meta.label == "scorecards.Evaluation"
        ),
        None,
    )
    if related is None:
        return []
    return list(getattr(comparison, related.get_accessor_name()).order_by("pk"))
