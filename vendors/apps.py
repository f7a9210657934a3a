from django.apps import AppConfig


class VendorsConfig(AppConfig):
    name = "vendors"
    verbose_name = "Vendor register"

    def ready(self):
        from procurement.dashboard import register_panels

        from . import dashboard

        register_panels(dashboard.vendor_register_panels)
