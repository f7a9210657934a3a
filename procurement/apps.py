from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Procurement core"

    def ready(self):
        from . import audit_views  # noqa: F401 - registers the audit trail's dashboard panel
