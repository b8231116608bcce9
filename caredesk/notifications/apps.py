from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "caredesk.notifications"
    label = "notifications"

    def ready(self) -> None:
        from django.conf import settings

        from caredesk.accounts.events import account_events
        from caredesk.cases.events import case_events
        from caredesk.core import scheduler
        from caredesk.notifications import tasks
        from caredesk.notifications.listeners import on_account_event, on_case_events, on_rma_events
        from caredesk.rma.events import rma_events

        case_events.connect(on_case_events, weak=False, dispatch_uid="notifications")
        account_events.connect(on_account_event, weak=False, dispatch_uid="notifications")
        rma_events.connect(on_rma_events, weak=False, dispatch_uid="notifications")

        from caredesk.notifications.models import Webhook
        from caredesk.notifications.services import webhooks

        webhooks.forget_on_change(Webhook)
        scheduler.register(tasks.deliver_due, every_seconds=settings.NOTIFY_SWEEP_SECONDS)
