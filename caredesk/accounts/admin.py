from django.contrib import admin

from caredesk.accounts.models import ApiToken, Organisation, Registration, Site, User
from caredesk.core.admin import AuditedAdmin


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin[Organisation]):
    list_display = ["name", "kind", "government", "country"]
    list_filter = ["kind", "government"]
    search_fields = ["name"]
    filter_horizontal = ["customers"]


@admin.register(Site)
class SiteAdmin(AuditedAdmin[Site]):
    list_display = ["code", "name", "organisation", "country"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(AuditedAdmin[User]):
    list_display = ["email", "full_name", "organisation", "gov_cleared", "is_active", "locked_at"]
    list_filter = ["organisation__kind", "gov_cleared", "is_active"]
    search_fields = ["email", "full_name"]
    autocomplete_fields = ["organisation"]
    filter_horizontal = ["associations"]
    exclude = ["password", "user_permissions", "groups"]


@admin.register(Registration)
class RegistrationAdmin(AuditedAdmin[Registration]):
    list_display = ["email", "full_name", "status", "created_at"]
    list_filter = ["status"]
    exclude = ["token_hash", "password_hash"]


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin[ApiToken]):
    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
