"""Reads of the vendor register, scoped to the user: what a user may not see does not exist for them.

Every list is built with a fixed number of queries whatever its length (subqueries for counts,
prefetches for many-to-many), so pages stay fast with thousands of rows.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from procurement import policies

from .models import CapacityLine, Contract, ContractDocument, ExitRightClause, ExitRightKind, Vendor

DASHBOARD_HORIZON_DAYS = 90
DASHBOARD_ROWS = 10
COVERED_STATUSES = [ExitRightClause.Status.PRESENT, ExitRightClause.Status.NEGOTIATED]
# Contracts that still bind us (or are about to): the ones whose gaps matter.
OPEN_CONTRACT_STATUSES = [Contract.Status.DRAFT, Contract.Status.NEGOTIATING, Contract.Status.ACTIVE]


def _count_subquery(queryset: QuerySet, outer_field: str) -> Coalesce:
    counted = queryset.order_by().values(outer_field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# Vendors ----------------------------------------------------------------------------------


def vendors_for(user) -> QuerySet[Vendor]:
    if not policies.can_read(user):
        return Vendor.objects.none()
    return Vendor.objects.all()


def vendor_list(user, *, with_counts: bool = True) -> QuerySet[Vendor]:
    """Vendors with their host, owner, layers and (unless the caller attaches them to one page
    later, see `attach_contract_counts`) their contract count."""
    vendors = vendors_for(user).select_related("runs_on", "owner").prefetch_related("layers")
    if not with_counts:
        return vendors
    return vendors.annotate(
        contract_count=_count_subquery(Contract.objects.filter(vendor=OuterRef("pk")), "vendor")
    )


# What the vendor list shows of each row (and sorts by); the host by name only.
VENDOR_ROW_FIELDS = ("name", "legal_entity", "kind", "hq_jurisdiction", "status", "runs_on__name")


def vendor_rows(user, *, with_counts: bool = True) -> QuerySet[Vendor]:
    """`vendor_list` as the list page reads it: only the columns it shows, no owner."""
    return (
        vendor_list(user, with_counts=with_counts)
        .select_related(None)
        .select_related("runs_on")
        .only(*VENDOR_ROW_FIELDS)
    )


def attach_contract_counts(vendors: list[Vendor]) -> list[Vendor]:
    """Set `contract_count` on the vendors of one page: one grouped query, not a count per row
    of the whole table (the database would compute an annotation for every row before paging)."""
    counts = dict(
        Contract.objects.filter(vendor__in=vendors)
        .order_by()
        .values("vendor_id")
        .annotate(n=Count("pk"))
        .values_list("vendor_id", "n")
    )
    for vendor in vendors:
        vendor.contract_count = counts.get(vendor.pk, 0)
    return vendors


def vendor_for_user(user, pk: int) -> Vendor:
    return get_object_or_404(vendors_for(user).select_related("runs_on", "owner"), pk=pk)


def vendor_detail(user, pk: int) -> Vendor:
    """One vendor with its layers and hosted vendors; its contracts are paged by the view."""
    return get_object_or_404(
        vendors_for(user)
        .select_related("runs_on", "owner")
        .prefetch_related("layers", Prefetch("hosted_vendors", queryset=Vendor.objects.order_by("name"))),
        pk=pk,
    )


# What the vendor page shows of each of its contracts.
VENDOR_CONTRACT_FIELDS = (
    "vendor", "reference", "title", "status", "end_date", "notice_deadline", "committed_spend",
    "currency", "exit_rights_missing",
)  # fmt: skip


def contracts_of_vendor(vendor: Vendor) -> QuerySet[Contract]:
    return vendor.contracts.only(*VENDOR_CONTRACT_FIELDS).order_by("-end_date", "reference", "pk")


def jurisdictions() -> list[str]:
    return list(
        Vendor.objects.order_by("hq_jurisdiction").values_list("hq_jurisdiction", flat=True).distinct()
    )


def currencies() -> list[str]:
    return list(Contract.objects.order_by("currency").values_list("currency", flat=True).distinct())


# Contracts --------------------------------------------------------------------------------


def active_kind_ids() -> list[int]:
    return list(ExitRightKind.objects.filter(is_active=True).values_list("pk", flat=True))


def with_exit_rights_gap(
    queryset: QuerySet[Contract], kind_ids: list[int] | None = None
) -> QuerySet[Contract]:
    """Annotate `exit_rights_covered` beside the stored `exit_rights_missing` (kept by the services)."""
    if kind_ids is None:
        kind_ids = active_kind_ids()
    return queryset.annotate(exit_rights_covered=Value(len(kind_ids)) - F("exit_rights_missing"))


def attach_exit_rights_gap(contracts: list[Contract]) -> list[Contract]:
    """Set `exit_rights_covered` on the contracts of one page (one query: the active kinds)."""
    active = len(active_kind_ids())
    for contract in contracts:
        contract.exit_rights_covered = active - contract.exit_rights_missing
    return contracts


def with_exit_rights_missing(queryset: QuerySet[Contract], missing: bool = True) -> QuerySet[Contract]:
    """Contracts lacking at least one active exit right (or, with missing=False, lacking none)."""
    return queryset.filter(exit_rights_missing__gt=0) if missing else queryset.filter(exit_rights_missing=0)


def contracts_for(user) -> QuerySet[Contract]:
    if not policies.can_read(user):
        return Contract.objects.none()
    return Contract.objects.all()


def contract_list(user, *, with_gap: bool = True) -> QuerySet[Contract]:
    contracts = contracts_for(user).select_related("vendor")
    return with_exit_rights_gap(contracts) if with_gap else contracts


# What the contract list shows of each row (and sorts by); the vendor by name only.
CONTRACT_ROW_FIELDS = (
    "reference", "title", "status", "start_date", "end_date", "auto_renewal", "notice_deadline",
    "committed_spend", "currency", "exit_rights_missing", "vendor__name",
)  # fmt: skip


def contract_rows(user, *, with_gap: bool = True) -> QuerySet[Contract]:
    """`contract_list` as the list page reads it: only the columns it shows."""
    return contract_list(user, with_gap=with_gap).only(*CONTRACT_ROW_FIELDS)


def contract_for_user(user, pk: int) -> Contract:
    return get_object_or_404(contracts_for(user).select_related("vendor"), pk=pk)


def contract_detail(user, pk: int) -> Contract:
    return get_object_or_404(
        with_exit_rights_gap(contracts_for(user))
        .select_related("vendor", "vendor__runs_on")
        .prefetch_related(
            Prefetch("capacity_lines", queryset=CapacityLine.objects.all()),
            Prefetch("documents", queryset=ContractDocument.objects.select_related("uploaded_by")),
            Prefetch("clauses", queryset=ExitRightClause.objects.select_related("kind")),
        ),
        pk=pk,
    )


@dataclass
class ChecklistItem:
    kind: ExitRightKind
    clause: ExitRightClause | None

    @property
    def status(self) -> str:
        return self.clause.status if self.clause else ExitRightClause.Status.MISSING

    @property
    def is_missing(self) -> bool:
        return self.status == ExitRightClause.Status.MISSING

    @property
    def status_label(self) -> str:
        if self.clause is None:
            return "Missing (not recorded)"
        return self.clause.get_status_display()


def exit_right_checklist(contract: Contract) -> list[ChecklistItem]:
    """Every active kind of exit right, with the contract's clause or none; retired kinds only if recorded."""
    clauses = {clause.kind_id: clause for clause in contract.clauses.all()}
    kinds = ExitRightKind.objects.all()
    return [
        ChecklistItem(kind=kind, clause=clauses.get(kind.pk))
        for kind in kinds
        if kind.is_active or kind.pk in clauses
    ]


def checklist_item(contract: Contract, kind: ExitRightKind) -> ChecklistItem:
    return ChecklistItem(kind=kind, clause=contract.clauses.filter(kind=kind).select_related("kind").first())


# Dashboard --------------------------------------------------------------------------------


def _active_due_within_horizon(user, date_field: str) -> QuerySet[Contract]:
    today = timezone.localdate()
    until = today + timedelta(days=DASHBOARD_HORIZON_DAYS)
    return (
        contracts_for(user)
        .filter(status=Contract.Status.ACTIVE, **{f"{date_field}__range": (today, until)})
        .select_related("vendor")
        .order_by(date_field, "pk")
    )


def notice_deadlines_due(user) -> QuerySet[Contract]:
    """Active contracts whose notice must be given within the horizon: miss it and they renew or lapse."""
    return _active_due_within_horizon(user, "notice_deadline")


def contracts_expiring(user) -> QuerySet[Contract]:
    return _active_due_within_horizon(user, "end_date")


def contracts_with_missing_exit_rights(user) -> QuerySet[Contract]:
    """Open contracts with a gap in their exit rights (the stored `exit_rights_missing`), those
    ending soonest first."""
    open_contracts = contracts_for(user).filter(status__in=OPEN_CONTRACT_STATUSES)
    return with_exit_rights_missing(open_contracts).select_related("vendor").order_by("end_date", "pk")
