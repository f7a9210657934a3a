"""Reads of the comparison pages, scoped to the user: everyone with a role reads offers and saved
comparisons; for anyone else they do not exist (404 / empty)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from procurement import policies
from resilience.models import Workload
from resilience.selectors import workloads_for

from .models import Comparison, Offer


def comparisons_for(user) -> QuerySet[Comparison]:
    if not policies.can_read(user):
        return Comparison.objects.none()
    return Comparison.objects.select_related("workload", "created_by")


def comparison_for_user(user, pk: int) -> Comparison:
    return get_object_or_404(comparisons_for(user), pk=pk)


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
