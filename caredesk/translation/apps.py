from django.apps import AppConfig


class TranslationConfig(AppConfig):
    name = "caredesk.translation"
    label = "translation"
    verbose_name = "Translation for staff"

    def ready(self) -> None:
        from caredesk.core import scheduler
        from caredesk.translation import tasks

        # The detector's model loads once in the worker that runs this, never in a web worker.
        scheduler.register(tasks.label_messages, every_seconds=60)
