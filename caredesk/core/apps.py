from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "caredesk.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from caredesk.core import scheduler, tasks

        # Expired keys are ignored anyway; the sweep only keeps the table small.
        scheduler.register(tasks.forget_expired_idempotency_keys, every_seconds=3600)
