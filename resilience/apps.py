from django.apps import AppConfig


class ResilienceConfig(AppConfig):
    name = "resilience"
    verbose_name = "Resilience: workloads, dependencies and concentration"

    def ready(self):
        from procurement.dashboard import register_panels
        from procurement.reminders import register_reminders

        from . import dashboard, reminders

        register_panels(dashboard.critical_rehearsals_due)
        register_reminders(reminders.REHEARSALS_OVERDUE)
