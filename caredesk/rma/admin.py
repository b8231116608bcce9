from django.contrib import admin

from caredesk.core.admin import AuditedAdmin
from caredesk.rma.models import Parcel, ReturnRegion, RmaLine, RmaRequest
from caredesk.rma.queries import visible_rma_requests


class RmaLineInline(admin.TabularInline[RmaLine, RmaRequest]):
    model = RmaLine
    extra = 0
    fields = readonly_fields = (
        "position", "serial", "fault_category", "rma_type", "type_reason", "quote_price", "line_number",
    )  # fmt: skip
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(RmaRequest)
class RmaRequestAdmin(admin.ModelAdmin[RmaRequest]):
    """Read-only: an RMA request changes only through the RMA services (API, console),
    which keep the review of D-5.1 and write the history."""

    list_display = ["validation_number", "rma_number", "status", "organisation", "updated_at"]
    list_filter = ["status"]
    search_fields = ["validation_number", "rma_number"]
    inlines = [RmaLineInline]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        # The admin site obeys the same access rule as every other interface (D-1.3).
        return visible_rma_requests(request.user).select_related("organisation")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ReturnRegion)
class ReturnRegionAdmin(AuditedAdmin[ReturnRegion]):
    """Where units go back to (D-5.4): each region's countries, return address and
    instructions. A unit's site country chooses the region."""

    list_display = ["name", "code"]


@admin.register(Parcel)
class ParcelAdmin(admin.ModelAdmin[Parcel]):
    """Read-only: boxes are booked at the depot (console, API), which keeps D-5.4."""

    list_display = ["received_at", "scanned", "serial", "outcome", "line"]
    list_filter = ["outcome"]
    search_fields = ["scanned", "serial"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
