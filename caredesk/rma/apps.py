from django.apps import AppConfig


class RmaConfig(AppConfig):
    name = "caredesk.rma"
    label = "rma"
