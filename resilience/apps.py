from django.apps import AppConfig


class ResilienceConfig(AppConfig):
    name = "resilience"
    verbose_name = "Resilience: workloads, dependencies and concentration"

    def ready(self):
        from . import dashboard  # noqa: F401 - registers the rehearsal panel
