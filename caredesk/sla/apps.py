from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "caredesk.sla"
    label = "sla"
    verbose_name = "Response targets and escalation"

    def ready(self) -> None:
        from caredesk.sla import queries
        from caredesk.sla.models import BusinessCalendar, Closure, EscalationThreshold, ResponseTarget

        queries.calendars.forget_on_change(BusinessCalendar, Closure)
        queries.targets.forget_on_change(ResponseTarget, EscalationThreshold)
