from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Procurement core"

    def ready(self):
        from . import audit_views, dashboard, signin, tasks  # noqa: F401 - signin audits axes' lockouts

        dashboard.register_panels(audit_views.audit_trail_panel)
        tasks.register_requeue(tasks.mail_requeue)
        tasks.register_requeue(tasks.reminders_requeue)
