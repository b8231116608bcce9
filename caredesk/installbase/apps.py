from django.apps import AppConfig


class InstallbaseConfig(AppConfig):
    name = "caredesk.installbase"
    label = "installbase"

    def ready(self) -> None:
        from caredesk.accounts.services import register_organisation_proof
        from caredesk.installbase.queries import organisation_proved_by_serial

        # D-1.4 step 3: a serial number of a unit proves its owner.
        register_organisation_proof(organisation_proved_by_serial)
