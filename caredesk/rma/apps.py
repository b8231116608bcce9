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

        from caredesk.cases.queries import case_finders
        from caredesk.rma.queries import cases_found

        if cases_found not in case_finders:  # D-3.6: the case search finds RMA and tracking numbers
            case_finders.append(cases_found)
