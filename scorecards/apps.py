from django.apps import AppConfig


class ScorecardsConfig(AppConfig):
    name = "scorecards"
    verbose_name = "Scorecards and evaluations"

    def ready(self):
        from . import dashboard  # noqa: F401 - registers the dashboard panels
