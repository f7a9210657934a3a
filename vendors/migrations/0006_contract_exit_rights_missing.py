"""Store each contract's number of missing exit rights, filled for existing rows in one UPDATE."""

from django.db import migrations, models
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

COVERED_STATUSES = ["present", "negotiated"]


def _scalar_count(queryset):
    counted = queryset.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def fill_exit_rights_missing(apps, schema_editor):
    Contract = apps.get_model("vendors", "Contract")
    ExitRightKind = apps.get_model("vendors", "ExitRightKind")
    ExitRightClause = apps.get_model("vendors", "ExitRightClause")
    active = _scalar_count(ExitRightKind.objects.filter(is_active=True))
    covered = _scalar_count(
        ExitRightClause.objects.filter(contract=OuterRef("pk"), status__in=COVERED_STATUSES, kind__is_active=True)
    )
    Contract.objects.update(exit_rights_missing=active - covered)


class Migration(migrations.Migration):
    dependencies = [
        ("vendors", "0005_exit_right_clause_index_for_coverage_filter"),
    ]

    operations = [
        migrations.AddField(
            model_name="contract",
            name="exit_rights_missing",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(fill_exit_rights_missing, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="contract",
            index=models.Index(fields=["status", "notice_deadline"], name="contract_status_notice_idx"),
        ),
        migrations.AddIndex(
            model_name="contract",
            index=models.Index(fields=["status", "exit_rights_missing"], name="contract_status_missing_idx"),
        ),
    ]
