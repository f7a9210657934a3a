from django.apps import AppConfig


class VendorsConfig(AppConfig):
    name = "vendors"
    verbose_name = "Vendor register"

    def ready(self):
        from procurement.dashboard import register_panels
        from procurement.reminders import register_reminders

        from . import dashboard, reminders

        register_panels(dashboard.vendor_register_panels)
        register_reminders(reminders.NOTICE_DEADLINES, reminders.CONTRACTS_EXPIRING)
