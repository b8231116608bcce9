from django.contrib import admin

from caredesk.core.admin import AuditedAdmin
from caredesk.notifications.models import Message, Webhook, WebhookDelivery
from caredesk.notifications.queries import outbox_scope, visible_webhook_deliveries


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

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        # A notice tells of a case: the admin site reads it as the console does (D-1.3).
        return outbox_scope(request.user)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    list_display = ["created_at", "webhook", "event", "status", "attempts", "response_status"]
    list_filter = ["status", "event"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return visible_webhook_deliveries(request.user).select_related("webhook")  # D-1.3
