"""The total cost of execution in the admin.

Exchange rates and costs of delay are reference figures an admin may correct here, each change an
audit event (AuditedAdminMixin). Offers change only in the app, through the services that audit
them with their lines; saved comparisons never change. Both are read-only here.
"""

from django.contrib import admin

from procurement import audit
from procurement.admin import AuditedAdminMixin, ReadOnlyAdmin

from .models import Comparison, CostOfDelay, ExchangeRate, Offer, OfferLine
from .services import DELAY_FIELDS, LINE_FIELDS, RATE_FIELDS


@admin.register(ExchangeRate)
class ExchangeRateAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_noun = "costs.exchange_rate"
    list_display = ["base_currency", "quote_currency", "rate", "on", "source"]
    list_filter = ["base_currency", "quote_currency"]
    date_hierarchy = "on"
    fields = RATE_FIELDS

    def audit_snapshot(self, obj):
        return audit.snapshot(obj, RATE_FIELDS)


@admin.register(CostOfDelay)
class CostOfDelayAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_noun = "costs.cost_of_delay"
    list_display = ["tier", "per_day", "currency", "updated_at"]
    fields = DELAY_FIELDS

    def audit_snapshot(self, obj):
        return audit.snapshot(obj, DELAY_FIELDS)


class OfferLineInline(admin.TabularInline):
    model = OfferLine
    extra = 0
    can_delete = False
    fields = readonly_fields = LINE_FIELDS

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    list_display = ["name", "vendor", "billing_currency", "valid_until", "updated_at"]
    list_filter = ["billing_currency"]
    search_fields = ["name", "vendor__name"]
    list_select_related = ["vendor"]
    inlines = [OfferLineInline]


@admin.register(Comparison)
class ComparisonAdmin(ReadOnlyAdmin):
    list_display = ["name", "tier", "reporting_currency", "as_of", "created_by", "created_at"]
    list_filter = ["tier"]
    search_fields = ["name", "sha256"]
    list_select_related = ["created_by"]
