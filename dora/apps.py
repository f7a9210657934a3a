from django.apps import AppConfig


class DoraConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dora"
    verbose_name = "DORA register of information"
