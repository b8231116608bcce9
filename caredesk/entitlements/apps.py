from django.apps import AppConfig


class EntitlementsConfig(AppConfig):
    name = "caredesk.entitlements"
    label = "entitlements"

    def ready(self) -> None:
        from caredesk.accounts.services import register_organisation_proof
        from caredesk.entitlements.queries import organisation_proved_by_contract

        # D-1.4 step 3: a contract id proves the contract's organisation.
        register_organisation_proof(organisation_proved_by_contract)

        from caredesk.entitlements.services import end_coverage_of
        from caredesk.installbase.services import on_owner_change

        # D-2.9: a unit that changes hands leaves the old owner's contracts.
        on_owner_change(end_coverage_of)

        from caredesk.entitlements.models import ServiceLevel
        from caredesk.entitlements.queries import service_levels

        service_levels.forget_on_change(ServiceLevel)
