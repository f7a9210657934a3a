from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Procurement core"

    def ready(self):
        # audit_views registers the audit trail's dashboard panel; signin audits axes' lockouts.
        from . import audit_views, signin  # noqa: F401
