from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "caredesk.accounts"
    label = "accounts"
