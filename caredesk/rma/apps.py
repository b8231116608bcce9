from django.apps import AppConfig


class RmaConfig(AppConfig):
    name = "caredesk.rma"
    label = "rma"

    def ready(self) -> None:
        from django.conf import settings

        from caredesk.core import scheduler
        from caredesk.rma import tasks

        scheduler.register(tasks.sweep_returns_not_received, every_seconds=settings.RMA_RETURN_SWEEP_SECONDS)

        from caredesk.rma.models import ReturnRegion
        from caredesk.rma.queries import return_regions

        return_regions.forget_on_change(ReturnRegion)
