from django.apps import AppConfig


class CostsConfig(AppConfig):
    name = "costs"
    verbose_name = "Total cost of execution: offers, exchange rates, cost of delay and comparisons"
