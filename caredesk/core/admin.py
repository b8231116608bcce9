"""The admin site's base class: what an administrator changes there is audited like any
other change (house rule 7), with the fields' old and new values."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib import admin
from django.db import models
from django.forms import ModelForm
from django.http import HttpRequest

from caredesk.core import audit

M = TypeVar("M", bound=models.Model)


def _plain(value: Any) -> Any:
    """A value the audit row (JSON) can hold."""
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def _snapshot(obj: models.Model) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in {"password", "key_hash", "token_hash", "password_hash"}:
            continue  # secrets never go into the trail, not even hashed
        values[field.attname] = _plain(getattr(obj, field.attname))
    return values


class AuditedAdmin(admin.ModelAdmin[M]):
    """Records creations, changes (field by field, many-to-many included) and deletions
    made in the admin site. The admin's change view runs in one transaction, so the
    audit row commits or rolls back with the change."""

    def save_model(self, request: HttpRequest, obj: M, form: ModelForm[M], change: bool) -> None:
        before: dict[str, Any] = {}
        if change and obj.pk is not None:
            stored = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = _snapshot(stored) if stored is not None else {}
        super().save_model(request, obj, form, change)
        changes = audit.diff(before, _snapshot(obj)) if change else {}
        audit.record(obj, "changed_in_admin" if change else "created_in_admin", request.user, changes)

    def save_related(self, request: HttpRequest, form: ModelForm[M], formsets: Any, change: bool) -> None:
        m2m = [f.name for f in form.instance._meta.many_to_many if f.name in form.changed_data]
        before = {name: sorted(getattr(form.instance, name).values_list("pk", flat=True)) for name in m2m}
        super().save_related(request, form, formsets, change)
        after = {name: sorted(getattr(form.instance, name).values_list("pk", flat=True)) for name in m2m}
        changes: dict[str, Any] = audit.diff(before, after)
        for formset in formsets:
            if formset.has_changed():
                changes[formset.prefix] = "changed"
        if changes:
            audit.record(form.instance, "related_changed_in_admin", request.user, changes)

    def delete_model(self, request: HttpRequest, obj: M) -> None:
        audit.record(obj, "deleted_in_admin", request.user, _snapshot(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[M]) -> None:
        for obj in queryset:
            audit.record(obj, "deleted_in_admin", request.user, _snapshot(obj))
        super().delete_queryset(request, queryset)
