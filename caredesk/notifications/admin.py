from django.contrib import admin

from caredesk.core.admin import AuditedAdmin
from caredesk.notifications.models import Message, Webhook, WebhookDelivery


@admin.register(Webhook)
class WebhookAdmin(AuditedAdmin[Webhook]):
    """Operators point case events at other systems; deliveries are signed with the secret."""

    list_display = ["name", "url", "active", "created_at"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin[Message]):
    """The outbox, to see what was sent to whom and what is waiting or failed."""

    list_display = ["created_at", "event", "to_email", "status", "attempts", "case_ref"]
    list_filter = ["status", "event"]
    search_fields = ["to_email", "case_ref", "message_id"]
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    list_display = ["created_at", "webhook", "event", "status", "attempts", "response_status"]
    list_filter = ["status", "event"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
