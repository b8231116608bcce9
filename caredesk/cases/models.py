"""Cases (D-3.x): the request-type catalogue, the case itself, its messages and files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from caredesk.core.clock import now
from caredesk.core.labels import NAME_MAX_LENGTH, NAMES_HELP, check_names, in_language, names_problem


class CaseKind(models.TextChoices):
    ADMIN = "admin", gettext_lazy("Admin")  # non-technical, worked by Customer Care
    TECHNICAL = "technical", gettext_lazy("Technical")  # worked by a TSE; needs an entitled serial (D-3.2)


class Priority(models.TextChoices):
    P1 = "P1", gettext_lazy("P1 – Critical")
    P2 = "P2", gettext_lazy("P2 – High")
    P3 = "P3", gettext_lazy("P3 – Medium")
    P4 = "P4", gettext_lazy("P4 – Low")


class FollowUpMethod(models.TextChoices):
    PHONE = "phone", gettext_lazy("Phone")
    EMAIL = "email", gettext_lazy("E-mail")
    CHAT = "chat", gettext_lazy("Chat")
    TEXT = "text", gettext_lazy("Text message")


class CaseStatus(models.TextChoices):
    """The lifecycle of D-3.5: New → Open → Awaiting customer ⇄ Open → Resolution proposed → Closed."""

    NEW = "new", gettext_lazy("New")
    OPEN = "open", gettext_lazy("Open")
    AWAITING_CUSTOMER = "awaiting_customer", gettext_lazy("Awaiting customer")
    RESOLUTION_PROPOSED = "resolution_proposed", gettext_lazy("Resolution proposed")
    CLOSED = "closed", gettext_lazy("Closed")


class CloseReason(models.TextChoices):
    """Why staff closed a case themselves (beside the customer's agreement and the silence
    of D-3.5, stored as "accepted" and "no_answer")."""

    DUPLICATE = "duplicate", gettext_lazy("Duplicate of another case")
    SPAM = "spam", gettext_lazy("Spam")
    RESOLVED_BY_PHONE = "resolved_by_phone", gettext_lazy("Resolved with the customer by phone")
    NO_RESPONSE = "no_response", gettext_lazy("No response from the customer")


def close_reason_label(reason: str) -> str:
    """Why a case closed, in words (``Case.closed_reason``)."""
    labels = {
        "accepted": _("The customer agreed it is resolved"),
        "no_answer": _("No answer to the proposed resolution"),
        **dict(CloseReason.choices),
    }
    return str(labels.get(reason, reason))


TEMPLATE_FIELD_TYPES = ("text", "textarea", "choice", "integer", "date", "serials", "country")
_TEMPLATE_KEYS = {"name", "label", "labels", "type", "required", "choices", "max_length", "help", "helps"}
HELP_MAX_LENGTH = 300  # a help is a sentence or two, longer than a label
_TEMPLATE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def check_template(template: Any) -> None:
    """A request type's template must be a list of well-formed field specs: a broken one
    would otherwise surface as a failure on the customer's case form."""
    if not isinstance(template, list):
        raise ValidationError(_('The template is a list of fields, e.g. [{"name": "serials", "type": "serials"}].'))
    names: set[str] = set()
    for position, spec in enumerate(template, start=1):
        where = {"where": _("Field %(position)s") % {"position": position}}
        if not isinstance(spec, dict):
            raise ValidationError(_("%(where)s is not an object with name, label and type.") % where)
        unknown = set(spec) - _TEMPLATE_KEYS
        if unknown:
            raise ValidationError(
                _("%(where)s has unknown keys: %(keys)s.") % {**where, "keys": ", ".join(sorted(unknown))}
            )
        name = spec.get("name")
        if not isinstance(name, str) or not _TEMPLATE_NAME.match(name):
            raise ValidationError(_("%(where)s needs a name of lower-case letters, digits and _ (at most 40).") % where)
        if name in names:
            raise ValidationError(_("%(where)s: the name %(name)s is used twice.") % {**where, "name": repr(name)})
        names.add(name)
        if not isinstance(spec.get("label", name), str) or not isinstance(spec.get("help", ""), str):
            raise ValidationError(_("%(where)s: the label and help must be text.") % where)
        for key, limit in (("labels", NAME_MAX_LENGTH), ("helps", HELP_MAX_LENGTH)):
            problem = names_problem(spec[key], limit) if key in spec else None
            if problem:
                raise ValidationError(_("%(where)s, %(key)s: %(problem)s") % {**where, "key": key, "problem": problem})
        kind = spec.get("type", "text")
        if kind not in TEMPLATE_FIELD_TYPES:
            raise ValidationError(
                _("%(where)s: the type must be one of %(types)s.") % {**where, "types": ", ".join(TEMPLATE_FIELD_TYPES)}
            )
        if not isinstance(spec.get("required", False), bool):
            raise ValidationError(_("%(where)s: required must be true or false.") % where)
        choices = spec.get("choices")
        if kind == "choice" and (
            not isinstance(choices, list) or not choices or not all(isinstance(c, str) and c for c in choices)
        ):
            raise ValidationError(_("%(where)s: a choice field needs a list of choices (text).") % where)
        max_length = spec.get("max_length", 2000)
        if isinstance(max_length, bool) or not isinstance(max_length, int) or not 1 <= max_length <= 20_000:
            raise ValidationError(_("%(where)s: max_length must be a whole number from 1 to 20000.") % where)


class RequestType(models.Model):
    """An entry of the admin request-type catalogue (D-3.3), editable by admins.

    ``template`` lists extra structured fields a case of this type carries, each
    ``{"name", "label", "type", "required", "choices"?, "max_length"?, "help"?}`` with
    ``type`` one of text, textarea, choice, integer, date, serials, country, and the label
    and help in other languages as ``"labels"`` and ``"helps"`` (``{"de": "…"}``, like
    ``names``).
    """

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    names = models.JSONField(default=dict, blank=True, validators=[check_names], help_text=NAMES_HELP)
    description = models.CharField(max_length=300, blank=True)
    template = models.JSONField(
        default=list,
        blank=True,
        validators=[check_template],
        help_text='Extra fields of a case of this type, as [{"name": "serials", "label": "Serial numbers", '
        '"type": "serials", "required": true, "labels": {"de": "Seriennummern", "ja": "シリアル番号"}}]; '
        '"help" and "helps" give a help text the same way.',
    )
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def label(self) -> str:
        """The name in the active language (D-7.5), or the English one."""
        return in_language(self.name, self.names)

    @property
    def template_is_valid(self) -> bool:
        """False for a template written past the admin's check (a shell, a bad import)."""
        try:
            check_template(self.template)
        except ValidationError:
            return False
        return True


class RequestSubType(models.Model):
    request_type = models.ForeignKey(RequestType, on_delete=models.CASCADE, related_name="subtypes")
    code = models.SlugField(max_length=64)
    name = models.CharField(max_length=100)
    names = models.JSONField(default=dict, blank=True, validators=[check_names], help_text=NAMES_HELP)
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["request_type", "code"], name="subtype_code_unique")]

    def __str__(self) -> str:
        return f"{self.request_type.name} / {self.name}"

    def label(self) -> str:
        """The name in the active language (D-7.5), or the English one."""
        return in_language(self.name, self.names)


def template_label(spec: dict[str, Any]) -> str:
    """A template field's label in the active language, or its English one ("" for none)."""
    return in_language(str(spec.get("label") or ""), spec.get("labels"))


def template_help(spec: dict[str, Any]) -> str:
    """A template field's help in the active language, or its English one."""
    return in_language(str(spec.get("help") or ""), spec.get("helps"))


@dataclass(frozen=True)
class ResponseState:
    """Where a case stands against its response target, for pages and the API."""

    state: str  # "met", "missed" (answered late), "due", "overdue", "none" (no target)
    due_at: datetime | None
    responded_at: datetime | None
    seconds_left: int | None  # until due (negative: overdue); None once answered

    @property
    def label(self) -> str:
        if self.state == "met":
            return _("Responded in time")
        if self.state == "missed":
            return _("Responded late")
        if self.state == "none" or self.seconds_left is None:
            return _("No response target")
        span = {"span": _span(abs(self.seconds_left))}
        return (
            _("Response due in %(span)s") % span if self.seconds_left >= 0 else _("Response overdue by %(span)s") % span
        )


def _span(seconds: int) -> str:
    minutes = seconds // 60
    if minutes < 60:
        return _("%(minutes)s min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        if minutes:
            return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": f"{minutes:02d}"}
        return _("%(hours)s h") % {"hours": hours}
    days = hours // 24
    return ngettext("%(days)s day %(hours)s h", "%(days)s days %(hours)s h", days) % {"days": days, "hours": hours % 24}


class Case(models.Model):
    """A customer's request to the vendor, admin or technical, tracked by its case id.

    ``site_name``, ``site_code`` and ``contact_name`` are copied from the site and the
    contact when the case is opened: lists sort and page on them with an index each,
    without joins (D-3.6).
    """

    case_id = models.CharField(max_length=24, unique=True)
    kind = models.CharField(max_length=16, choices=CaseKind.choices, default=CaseKind.ADMIN)
    request_type = models.ForeignKey(RequestType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    request_subtype = models.ForeignKey(
        RequestSubType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    priority = models.CharField(max_length=2, choices=Priority.choices)
    follow_up_method = models.CharField(max_length=8, choices=FollowUpMethod.choices)
    callback_phone = models.CharField(max_length=20, help_text="E.164")
    summary = models.CharField(max_length=200)
    description = models.TextField()
    # The description's language, labelled by a sweep like a message's (CaseMessage.language).
    language = models.CharField(max_length=8, blank=True, default="")
    serial_number = models.CharField(max_length=64, blank=True)
    ssrn = models.CharField("software support reference number", max_length=64, blank=True)
    product_series = models.CharField(max_length=100, blank=True)
    platform = models.CharField(max_length=100, blank=True)
    customer_tracking_number = models.CharField(max_length=64, blank=True)
    # The numbers of the case's RMA requests (its RMA number once approved, else its
    # validation number), oldest first, kept by the rma app as it changes them: the case
    # lists show them (D-3.6) from the row they read anyway, at no extra query.
    rma_numbers = models.JSONField(default=list, blank=True)
    template_data = models.JSONField(default=dict, blank=True)

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="cases")
    site = models.ForeignKey("accounts.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    contact = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contact_cases")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="owned_cases"
    )
    status = models.CharField(max_length=24, choices=CaseStatus.choices, default=CaseStatus.NEW)

    site_name = models.CharField(max_length=200, blank=True)
    site_code = models.CharField(max_length=32, blank=True)
    contact_name = models.CharField(max_length=200, blank=True)

    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)
    resolution_proposed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=32, blank=True)
    # Response target (D-4.1): due instant, when staff first answered where the customer
    # could see it, and when the sweep found it late (D-4.3), once per breach.
    response_due_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    response_breached_at = models.DateTimeField(null=True, blank=True)
    # Management escalation (D-4.4): the highest level told so far and when the next is due.
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalation_due_at = models.DateTimeField(null=True, blank=True)
    # Weekend and holiday handling (D-4.6): opened outside business days, and for a case
    # that is not P1, the start of the business day it waits in the queue for.
    opened_off_hours = models.BooleanField(default=False)
    waits_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="case_updated_idx"),
            models.Index(fields=["status", "id"], name="case_status_idx"),
            models.Index(fields=["priority", "id"], name="case_priority_idx"),
            models.Index(fields=["site_name", "id"], name="case_site_name_idx"),
            models.Index(fields=["site_code", "id"], name="case_site_code_idx"),
            # Search by site id (D-3.6) pages one site's cases in list order.
            models.Index(fields=["site_code", "updated_at", "id"], name="case_site_updated_idx"),
            models.Index(fields=["contact_name", "id"], name="case_contact_idx"),
            models.Index(fields=["platform", "id"], name="case_platform_idx"),
            models.Index(fields=["organisation", "updated_at", "id"], name="case_org_updated_idx"),
            models.Index(fields=["contact", "updated_at", "id"], name="case_contact_updated_idx"),
            models.Index(fields=["customer_tracking_number"], name="case_tracking_idx"),
            models.Index(fields=["status", "resolution_proposed_at"], name="case_proposed_idx"),
            models.Index(fields=["created_at"], name="case_created_idx"),  # the dashboard's weeks
            models.Index(fields=["id"], condition=models.Q(language=""), name="case_unlabelled_idx"),  # D-7.5
            # The queue sorted by response due time (D-4.1); keyset paging reads the rows
            # with a due time as a range of it and those without one by id (core.paging).
            models.Index(fields=["response_due_at", "id"], name="case_due_idx"),
            # The sweeps read only the rows they may act on (D-4.3, D-4.4): partial indexes
            # whose predicates the sweeps' queries repeat word for word.
            models.Index(
                fields=["response_due_at"],
                name="case_response_due_idx",
                condition=models.Q(first_response_at__isnull=True, response_breached_at__isnull=True)
                & ~models.Q(status="closed"),
            ),
            models.Index(
                fields=["escalation_due_at"],
                name="case_escalation_due_idx",
                condition=models.Q(status__in=["new", "open", "awaiting_customer"]),
            ),
        ]

    def __str__(self) -> str:
        return self.case_id

    def response_state_at(self, moment: datetime) -> ResponseState:
        """Where the case stands against its response target (D-4.1) at ``moment``."""
        due, answered = self.response_due_at, self.first_response_at
        if answered is not None:
            return ResponseState("met" if due is None or answered <= due else "missed", due, answered, None)
        if due is None or self.status == CaseStatus.CLOSED:
            return ResponseState("none", due, None, None)
        left = int((due - moment).total_seconds())
        return ResponseState("due" if left >= 0 else "overdue", due, None, left)

    @property
    def response(self) -> ResponseState:
        return self.response_state_at(now())

    @property
    def closed_reason_label(self) -> str:
        return close_reason_label(self.closed_reason) if self.closed_reason else ""

    @property
    def waiting(self) -> bool:
        """Opened outside business days and waiting for the next business day (D-4.6)."""
        return self.waits_until is not None and self.waits_until > now() and self.status != CaseStatus.CLOSED


def named_serials(serial_number: str, template: list[Any] | None, template_data: dict[str, Any]) -> list[str]:
    """The units a case names (D-3.6), once each, in capitals: its own serial number, then
    the values of its request type's template fields of type "serials" (the units of an
    Installed Base Update). An SSRN names a contract, not a unit, and is not among them."""
    serials = [serial_number] if serial_number else []
    for spec in template or []:
        if isinstance(spec, dict) and spec.get("type") == "serials":
            value = template_data.get(spec.get("name", ""))
            serials += [str(s) for s in value] if isinstance(value, list) else []
    return list(dict.fromkeys(s.strip().upper() for s in serials if s and s.strip()))[:500]


class CaseUnit(models.Model):
    """A unit a case names (``named_serials``), written when the case is opened: search
    finds cases by these serials, exactly or by their start, and a unit's page lists the
    cases that name it. A table of its own, since a case may name up to 500 units, and
    each needs an index entry that a prefix can be looked up in."""

    # No index of its own: the unique (case, serial) below starts with it.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="units", db_index=False)
    serial = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "serial"], name="case_unit_unique")]
        indexes = [
            # Exact and prefix lookups (LIKE 'X%') on PostgreSQL whatever the database's
            # collation; the case id is in the index so a search reads no table rows.
            models.Index(
                fields=["serial"], name="case_unit_serial_idx", opclasses=["varchar_pattern_ops"], include=["case"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.serial} in {self.case_id}"


class EscalationKind(models.TextChoices):
    """What the customer asks for when escalating (D-4.5)."""

    FASTER_PROGRESS = "faster_progress", gettext_lazy("Faster progress")
    REASSIGNMENT = "reassignment", gettext_lazy("Case reassignment")


class Escalation(models.Model):
    """A customer's escalation of a case (D-4.5), or an agent's on their behalf. It goes
    to the escalation team; raised outside business days, to the on-call escalation team
    (D-4.6). A case has at most one escalation that is not yet handled."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="escalations")
    kind = models.CharField(max_length=16, choices=EscalationKind.choices)
    reason = models.TextField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=now)
    on_call = models.BooleanField(default=False, help_text="Raised outside business days: for the on-call team")
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    new_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(handled_at__isnull=True), name="one_open_escalation_a_case"
            )
        ]
        indexes = [
            models.Index(
                fields=["requested_at", "id"],
                name="escalation_open_idx",
                condition=models.Q(handled_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.kind}"


class CaseMessage(models.Model):
    """A reply on a case (public) or an internal note (vendor staff only)."""

    class Kind(models.TextChoices):
        REPLY = "reply", gettext_lazy("Reply")
        NOTE = "note", gettext_lazy("Internal note")
        RESOLUTION = "resolution", gettext_lazy("Proposed resolution")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(max_length=200)
    from_staff = models.BooleanField()
    body = models.TextField()
    created_at = models.DateTimeField(default=now)
    # Detected after the fact by a sweep (translation.services.label_messages): "" not yet,
    # "und" undetermined, else a language code (D-7.5).
    language = models.CharField(max_length=8, blank=True, default="")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at"], name="message_case_idx"),
            models.Index(fields=["id"], condition=models.Q(language=""), name="message_unlabelled_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} by {self.author_name}"

    @property
    def internal(self) -> bool:
        return self.kind == self.Kind.NOTE


def attachment_path(instance: Attachment, filename: str) -> str:
    # Stored under a random name: the original name is data, never a path.
    return f"attachments/{instance.case.case_id}/{instance.storage_key}"


class Attachment(models.Model):
    """A file added to a case, stored through Django's storage API."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(CaseMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    storage_key = models.CharField(max_length=64)
    filename = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    internal = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename


class Macro(models.Model):
    """A canned reply (or internal note) an agent applies to a case, with placeholders for
    the customer's name, the case id and the like (``cases.services.macros``), that may also
    set the case's status and priority. Shared macros (no owner) are kept by team leads and
    managers; personal ones by their owner."""

    name = models.CharField(max_length=100)
    body = models.TextField()
    as_note = models.BooleanField(default=False, help_text="Added as an internal note instead of a reply")
    set_status = models.CharField(max_length=24, blank=True, choices=CaseStatus.choices)
    set_priority = models.CharField(max_length=2, blank=True, choices=Priority.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="macros"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(owner__isnull=True), name="macro_shared_name_unique"
            ),
            models.UniqueConstraint(
                fields=["owner", "name"], condition=models.Q(owner__isnull=False), name="macro_personal_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def shared(self) -> bool:
        return self.owner_id is None


class SavedView(models.Model):
    """A named filter and sort of the case queue that an agent keeps for themselves."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=60)
    query = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=24, blank=True)
    priority = models.CharField(max_length=2, blank=True)
    owner_filter = models.CharField(max_length=8, blank=True)  # "me", "none" or ""
    sort = models.CharField(max_length=20, default="-modified")
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_unique")]

    def __str__(self) -> str:
        return self.name

    def params(self) -> dict[str, str]:
        """The queue's query string for this view."""
        values = {
            "q": self.query,
            "status": self.status,
            "priority": self.priority,
            "owner": self.owner_filter,
            "sort": self.sort,
        }
        return {k: v for k, v in values.items() if v or k == "status"}
