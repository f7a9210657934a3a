from django.apps import AppConfig


class CapacityConfig(AppConfig):
    name = "capacity"
    verbose_name = "Capacity planning: forecasts, allocations and demand visibility"

    def ready(self):
        from procurement.dashboard import register_panels
        from procurement.demand import register_monthly_gpu_hours
        from procurement.reminders import register_reminders

        from . import dashboard, planning, reminders

        register_panels(dashboard.capacity_shortfalls)
        register_reminders(reminders.CAPACITY_ACT_BY)
        register_monthly_gpu_hours(planning.monthly_p50_gpu_hours)
