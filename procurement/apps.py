from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Procurement core"

    def ready(self):
        # signin audits axes' lockouts.
        from . import audit_views, dashboard, signin  # noqa: F401

        dashboard.register_panels(audit_views.audit_trail_panel)
