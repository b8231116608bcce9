from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "caredesk.cases"
    label = "cases"

    def ready(self) -> None:
        from django.conf import settings

        from caredesk.cases import tasks
        from caredesk.core import scheduler

        scheduler.register(tasks.close_silent_cases, every_seconds=settings.SCHEDULER_INTERVAL_SECONDS)
