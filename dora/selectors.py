"""Reads of the register scoped to the person, as the pages scope them: whoever may read the
register reads its entities, providers and packages; nobody else sees any."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from procurement import policies
from vendors.selectors import vendors_for

from .models import FinancialEntity, Submission, VendorRecord


def entities_for(user) -> QuerySet[FinancialEntity]:
    if not policies.can_read(user):
        return FinancialEntity.objects.none()
    return FinancialEntity.objects.select_related("parent")


def vendor_records_for(user) -> QuerySet[VendorRecord]:
    """The providers' register records, of the vendors `user` sees."""
    return VendorRecord.objects.filter(vendor__in=vendors_for(user)).select_related(
        "vendor", "ultimate_parent"
    )


def submissions_for(user) -> QuerySet[Submission]:
    """Packages generated for submission, without their bytes (downloaded on their own)."""
    if not policies.can_read(user):
        return Submission.objects.none()
    return Submission.objects.defer("package").select_related("author")


def submission_for_user(user, pk: int) -> Submission:
    return get_object_or_404(submissions_for(user).prefetch_related("requirements__signature"), pk=pk)
