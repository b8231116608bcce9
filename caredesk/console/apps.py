from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "caredesk.console"
    label = "console"
