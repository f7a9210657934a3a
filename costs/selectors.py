"""Reads of the total cost of execution, scoped to the user: everyone with a role reads offers,
rates, costs of delay and comparisons; for anyone else they do not exist (404 / empty)."""

from django.db.models import Count, Min, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from procurement import policies
from vendors.models import CapacityBand, Contract

from .models import Comparison, CostOfDelay, ExchangeRate, Offer, OfferLine


def offers_for(user) -> QuerySet[Offer]:
    """Offers with their unit price (the cheapest committed line's effective price, else the
    cheapest line's, in the billing currency), GPUs and line count, for lists."""
    if not policies.can_read(user):
        return Offer.objects.none()
    committed = Min("lines__effective_unit_price", filter=Q(lines__band=CapacityBand.COMMITTED))
    return Offer.objects.select_related("vendor", "contract").annotate(
        unit_price=Coalesce(committed, Min("lines__effective_unit_price")),
        gpus=Sum("lines__quantity"),
        line_count=Count("lines"),
    )


def offer_for_user(user, pk: int) -> Offer:
    offers = offers_for(user).prefetch_related(Prefetch("lines", queryset=OfferLine.objects.order_by("pk")))
    return get_object_or_404(offers, pk=pk)


def contracts_with_capacity(user) -> QuerySet[Contract]:
    if not policies.can_read(user):
        return Contract.objects.none()
    return (
        Contract.objects.filter(capacity_lines__isnull=False)
        .distinct()
        .select_related("vendor")
        .order_by("vendor__name", "reference")
    )


def exchange_rates_for(user) -> QuerySet[ExchangeRate]:
    if not policies.can_read(user):
        return ExchangeRate.objects.none()
    return ExchangeRate.objects.all()


def exchange_rate_for_user(user, pk: int) -> ExchangeRate:
    return get_object_or_404(exchange_rates_for(user), pk=pk)


def costs_of_delay_for(user) -> QuerySet[CostOfDelay]:
    if not policies.can_read(user):
        return CostOfDelay.objects.none()
    return CostOfDelay.objects.all()


def comparisons_for(user) -> QuerySet[Comparison]:
    if not policies.can_read(user):
        return Comparison.objects.none()
    return Comparison.objects.select_related("workload", "created_by")


def comparison_for_user(user, pk: int) -> Comparison:
    return get_object_or_404(comparisons_for(user), pk=pk)
