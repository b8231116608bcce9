from django.apps import AppConfig


class InstallbaseConfig(AppConfig):
    name = "caredesk.installbase"
    label = "installbase"
