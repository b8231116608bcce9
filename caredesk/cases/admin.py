from django.contrib import admin

from caredesk.cases.models import Case, Macro, RequestSubType, RequestType, SavedView
from caredesk.cases.queries import visible_cases
from caredesk.core.admin import AuditedAdmin


class SubTypeInline(admin.TabularInline[RequestSubType, RequestType]):
    model = RequestSubType
    extra = 1


@admin.register(RequestType)
class RequestTypeAdmin(AuditedAdmin[RequestType]):
    """Admins edit the request-type catalogue here (D-3.3); the template is checked on save
    (``check_template``)."""

    list_display = ["name", "code", "active", "position"]
    inlines = [SubTypeInline]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin[Case]):
    """Read-only: a case changes only through the case services (console, portal, API), which
    keep the lifecycle of D-3.5 and write the case history. An admin form could close a case
    without the customer's agreement and without a trace."""

    list_display = ["case_id", "summary", "status", "priority", "organisation", "updated_at"]
    list_filter = ["status", "priority", "kind"]
    search_fields = ["case_id", "customer_tracking_number"]
    raw_id_fields = ["organisation", "site", "contact", "opened_by", "owner"]
    readonly_fields = ["case_id", "created_at", "updated_at"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        # The admin site obeys the same access rule as every other interface (D-1.3).
        return visible_cases(request.user)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # cases are opened through the portal, the console or the API

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # cases are records: they close, they are not deleted


@admin.register(Macro)
class MacroAdmin(AuditedAdmin[Macro]):
    """Canned replies; agents keep theirs in the console, where placeholders are checked.
    An administrator can correct or remove one here (audited)."""

    list_display = ["name", "owner", "as_note", "set_status", "set_priority", "updated_at"]
    list_filter = ["as_note"]
    search_fields = ["name"]
    raw_id_fields = ["owner"]


@admin.register(SavedView)
class SavedViewAdmin(AuditedAdmin[SavedView]):
    """Agents' saved queue views: shown so an administrator can remove one (audited)."""

    list_display = ["name", "owner", "status", "priority", "owner_filter", "sort"]
    search_fields = ["name"]
    raw_id_fields = ["owner"]
