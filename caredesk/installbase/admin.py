from django.contrib import admin

from caredesk.core.admin import AuditedAdmin
from caredesk.installbase.models import Asset, OrderImport, OrderImportRejection, Product
from caredesk.installbase.queries import visible_assets


@admin.register(Product)
class ProductAdmin(AuditedAdmin[Product]):
    """The product catalogue (D-2.1), with warranty terms (D-2.5) and end-of-life dates."""

    list_display = ["sku", "platform", "series", "list_price", "eol_announced_on", "end_of_support_on"]
    search_fields = ["sku", "platform", "series"]


@admin.register(Asset)
class AssetAdmin(AuditedAdmin[Asset]):
    """Units are registered by sales-order imports; corrections here are audited. Moves,
    transfers and reinstatement have their own steps (the console), which keep the rules."""

    list_display = ["serial", "product", "owner", "site", "ship_date", "channel", "standing"]
    list_filter = ["channel", "standing", "product"]
    search_fields = ["serial", "sales_order"]
    raw_id_fields = ["owner", "site", "partner"]
    readonly_fields = ["standing", "best_effort", "created_at", "updated_at"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return visible_assets(request.user).select_related("product", "owner", "site")  # D-1.3

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # The serial is the unit's identity; owner, site and channel change only through their
        # workflows (transfer and reinstatement D-2.9, installed-base update D-2.8).
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "serial", "owner", "site", "channel", "partner"]


class RejectionInline(admin.TabularInline[OrderImportRejection, OrderImport]):
    model = OrderImportRejection
    extra = 0
    can_delete = False
    readonly_fields = ["row_number", "sales_order", "order_line", "serial", "reason"]
    max_num = 0


@admin.register(OrderImport)
class OrderImportAdmin(admin.ModelAdmin[OrderImport]):
    """What each sales-order import did; read-only."""

    list_display = ["started_at", "source", "started_by", "rows", "created", "changed", "unchanged", "rejected"]
    inlines = [RejectionInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
