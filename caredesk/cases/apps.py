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

        from caredesk.cases.models import RequestSubType, RequestType
        from caredesk.cases.queries import catalogue

        catalogue.forget_on_change(RequestType, RequestSubType)

        from caredesk.accounts.models import Organisation, Site, User
        from caredesk.cases.queries import list_names, organisation_names, site_codes

        # Search by organisation name and site id (D-3.6).
        organisation_names.forget_on_change(Organisation)
        site_codes.forget_on_change(Site)
        # The queue's organisation and owner columns.
        list_names.forget_on_change(Organisation, User)
