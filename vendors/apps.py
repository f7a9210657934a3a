from django.apps import AppConfig


class VendorsConfig(AppConfig):
    name = "vendors"
    verbose_name = "Vendor register"

    def ready(self):
        from . import dashboard  # noqa: F401 - registers the dashboard panels
