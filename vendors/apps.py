from django.apps import AppConfig


class VendorsConfig(AppConfig):
    name = "vendors"
    verbose_name = "Vendor register"

    def ready(self):
        from procurement.dashboard import register_panels

        from . import dashboard, workload_dashboard

        register_panels(dashboard.vendor_register_panels, workload_dashboard.critical_rehearsals_due)
