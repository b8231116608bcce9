from django.contrib import admin

from caredesk.core.admin import AuditedAdmin
from caredesk.entitlements.models import (
    Contract,
    CoveredAsset,
    Depot,
    DepotArea,
    ECertificate,
    SalesRegion,
    ServiceLevel,
)
from caredesk.entitlements.queries import visible_contracts, visible_ecertificates


@admin.register(ServiceLevel)
class ServiceLevelAdmin(AuditedAdmin[ServiceLevel]):
    """The service-level catalogue (D-2.4). A PAR level cannot include 24x7 support."""

    list_display = ["name", "code", "hw_replacement", "includes_24x7", "software_support", "par"]


class CoveredAssetInline(admin.TabularInline[CoveredAsset, Contract]):
    model = CoveredAsset
    raw_id_fields = ["asset"]
    extra = 1


@admin.register(Contract)
class ContractAdmin(AuditedAdmin[Contract]):
    list_display = ["contract_id", "organisation", "service_level", "starts_on", "ends_on", "ssrn"]
    list_filter = ["service_level"]
    search_fields = ["contract_id", "ssrn"]
    raw_id_fields = ["organisation", "sold_by"]
    inlines = [CoveredAssetInline]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return visible_contracts(request.user).select_related("organisation", "service_level")  # D-1.3


@admin.register(SalesRegion)
class SalesRegionAdmin(AuditedAdmin[SalesRegion]):
    """Where e-certificates are valid (D-2.7): each region's countries."""

    list_display = ["name", "code"]


class DepotAreaInline(admin.TabularInline[DepotArea, Depot]):
    model = DepotArea
    extra = 1


@admin.register(Depot)
class DepotAdmin(AuditedAdmin[Depot]):
    """Depot coverage (D-2.8): the countries or parts of them served (subdivisions,
    postal-code prefixes) and the replacement speeds delivered there. The API and the
    depot services check the same rules (``entitlements.services.create_depot``)."""

    list_display = ["name"]
    inlines = [DepotAreaInline]


@admin.register(ECertificate)
class ECertificateAdmin(AuditedAdmin[ECertificate]):
    list_display = ["code", "organisation", "service_level", "sales_region", "received_on", "status", "activated_on"]
    list_filter = ["status", "sales_region"]
    search_fields = ["code"]
    raw_id_fields = ["organisation", "asset", "contract"]
    readonly_fields = ["status", "activated_on", "asset", "contract"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return visible_ecertificates(request.user).select_related("organisation", "service_level", "sales_region")
