"""Response targets, calendars and the escalation matrix are data (D-4.1, D-4.2, D-4.4).
A change applies to cases opened (or re-prioritised) after it; due times already set
stay as they were promised."""

from django.contrib import admin

from caredesk.core.admin import AuditedAdmin
from caredesk.sla.models import BusinessCalendar, Closure, EscalationThreshold, ResponseTarget


class ClosureInline(admin.TabularInline[Closure, BusinessCalendar]):
    model = Closure
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(AuditedAdmin[BusinessCalendar]):
    list_display = ["name", "code", "time_zone", "country", "support_centre"]
    inlines = [ClosureInline]


@admin.register(ResponseTarget)
class ResponseTargetAdmin(AuditedAdmin[ResponseTarget]):
    list_display = ["priority", "minutes", "clock"]


@admin.register(EscalationThreshold)
class EscalationThresholdAdmin(AuditedAdmin[EscalationThreshold]):
    list_display = ["priority", "level", "after_minutes"]
    list_filter = ["priority"]
