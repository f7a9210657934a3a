from django.apps import AppConfig


class ScorecardsConfig(AppConfig):
    name = "scorecards"
    verbose_name = "Scorecards and evaluations"

    def ready(self):
        from procurement.dashboard import register_panels
        from procurement.reminders import register_reminders
        from procurement.tasks import register_requeue

        from . import dashboard, record_views, reminders, tasks

        register_reminders(reminders.REEVALUATIONS_DUE, reminders.SIGNOFF_ESCALATIONS)

        register_panels(
            dashboard.overdue_reevaluations,
            dashboard.awaiting_my_signoff,
            record_views.decision_records_panel,  # loads its list with htmx, after the page
        )
        register_requeue(tasks.decision_record_requeue)
