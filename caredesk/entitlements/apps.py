from django.apps import AppConfig


class EntitlementsConfig(AppConfig):
    name = "caredesk.entitlements"
    label = "entitlements"
