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

        from django.db.models.signals import post_delete, post_save

        from caredesk.entitlements.models import ServiceLevel
        from caredesk.entitlements.queries import forget_service_levels

        def levels_changed(**_: object) -> None:
            forget_service_levels()

        post_save.connect(levels_changed, sender=ServiceLevel, weak=False, dispatch_uid="service-levels-saved")
        post_delete.connect(levels_changed, sender=ServiceLevel, weak=False, dispatch_uid="service-levels-deleted")
