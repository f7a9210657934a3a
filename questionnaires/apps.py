from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "questionnaires"
    verbose_name = "Vendor questionnaires"

    def ready(self):
        from procurement.mail import register_secret_link
        from procurement.reminders import register_external_reminders, register_reminders

        from . import reminders, tokens

        register_reminders(reminders.QUESTIONNAIRES_DUE)
        register_external_reminders(reminders.contact_reminders_send)
        register_secret_link(tokens.MAIL_KEY_PREFIX, tokens.link_for_mail)
