from django.apps import AppConfig


class EntitlementsConfig(AppConfig):
    name = "caredesk.entitlements"
    label = "entitlements"

    def ready(self) -> None:
        from caredesk.accounts.services import register_organisation_proof
        from caredesk.entitlements.queries import organisation_proved_by_contract

        # D-1.4 step 3: a contract id proves the contract's organisation.
        register_organisation_proof(organisation_proved_by_contract)
