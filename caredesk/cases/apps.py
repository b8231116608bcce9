from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "caredesk.cases"
    label = "cases"

    def ready(self) -> None:
        from django.conf import settings

        from caredesk.cases import tasks
        from caredesk.core import scheduler

        scheduler.register(tasks.close_silent_cases, every_seconds=settings.SCHEDULER_INTERVAL_SECONDS)
        scheduler.register(tasks.sweep_breaches, every_seconds=settings.BREACH_SWEEP_SECONDS)
        scheduler.register(tasks.sweep_escalations, every_seconds=settings.BREACH_SWEEP_SECONDS)

        from django.db.models.signals import post_delete, post_save

        from caredesk.cases.models import RequestSubType, RequestType
        from caredesk.cases.queries import forget_catalogue

        def catalogue_changed(**_: object) -> None:
            forget_catalogue()

        for model in (RequestType, RequestSubType):
            post_save.connect(
                catalogue_changed, sender=model, weak=False, dispatch_uid=f"catalogue-{model.__name__}-saved"
            )
            post_delete.connect(
                catalogue_changed, sender=model, weak=False, dispatch_uid=f"catalogue-{model.__name__}-deleted"
            )
