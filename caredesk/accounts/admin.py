from django.contrib import admin
from django.db.models import Q

from caredesk.accounts.access import owner_scope
from caredesk.accounts.models import ApiToken, Organisation, Registration, Site, User
from caredesk.accounts.queries import visible_organisations, visible_sites
from caredesk.core.admin import AuditedAdmin


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin[Organisation]):
    list_display = ["name", "kind", "government", "country"]
    list_filter = ["kind", "government"]
    search_fields = ["name"]
    filter_horizontal = ["customers"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        # Government customers are for cleared staff only, on the admin site too (D-1.3).
        return visible_organisations(request.user)


@admin.register(Site)
class SiteAdmin(AuditedAdmin[Site]):
    list_display = ["code", "name", "organisation", "country"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["organisation"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return visible_sites(request.user).select_related("organisation")


@admin.register(User)
class UserAdmin(AuditedAdmin[User]):
    list_display = ["email", "full_name", "organisation", "gov_cleared", "is_active", "locked_at"]
    list_filter = ["organisation__kind", "gov_cleared", "is_active"]
    search_fields = ["email", "full_name"]
    autocomplete_fields = ["organisation"]
    filter_horizontal = ["associations"]
    exclude = ["password", "user_permissions", "groups"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return owner_scope(request.user, User.objects, "organisation").select_related("organisation")


@admin.register(Registration)
class RegistrationAdmin(AuditedAdmin[Registration]):
    list_display = ["email", "full_name", "status", "created_at"]
    list_filter = ["status"]
    exclude = ["token_hash", "password_hash"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        # A request for a new account names no organisation yet; one that proves one is
        # seen by those who may see that organisation.
        visible = visible_organisations(request.user).values("pk")
        return Registration.objects.filter(Q(organisation__isnull=True) | Q(organisation__in=visible))


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin[ApiToken]):
    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return owner_scope(request.user, ApiToken.objects, "user__organisation").select_related("user")
