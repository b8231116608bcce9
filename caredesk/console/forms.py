"""The console's forms: they render and read; the services check every rule."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from caredesk.accounts.access import Capability, may
from caredesk.accounts.models import OrganisationKind, User
from caredesk.accounts.queries import staff_choices, visible_organisations, visible_sites
from caredesk.cases.models import CaseKind, CaseStatus, CloseReason, FollowUpMethod, Priority, RequestType
from caredesk.cases.queries import case_contacts, request_types
from caredesk.cases.services import MacroData, NewCase
from caredesk.installbase.queries import visible_assets
from caredesk.rma.models import FaultCategory
from caredesk.web.forms import template_field


def _textarea(label: Any, rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, strip=False, widget=forms.Textarea(attrs={"rows": str(rows), "required": True})
    )


class _TextForm(forms.Form):
    """One text field named ``body``; three of these share the case page, so each gets
    its own element ids (``reply_body``, ``note_body``, …) for its label to point at."""

    id_prefix = "text"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ReplyForm(_TextForm):
    id_prefix = "reply"
    body = _textarea(_("Reply to the customer"))


class NoteForm(_TextForm):
    id_prefix = "note"
    body = _textarea(_("Internal note (staff only)"), rows=3)


class ResolutionForm(_TextForm):
    id_prefix = "resolution"
    body = _textarea(_("Proposed resolution"), rows=3)


class AssignForm(forms.Form):
    owner = forms.ChoiceField(label=_("Owner"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["owner"]).choices = [
            ("", _("Me")),
            *staff_choices(),
        ]


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            (CaseStatus.OPEN.value, CaseStatus.OPEN.label),
            (CaseStatus.AWAITING_CUSTOMER.value, CaseStatus.AWAITING_CUSTOMER.label),
        ],
    )


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=Priority.choices)


class BulkForm(forms.Form):
    """The queue's bulk bar (fields named as ``console.views.bulk`` reads them)."""

    assign = forms.ChoiceField(label=_("Owner"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=Priority.choices)
    status = StatusForm.base_fields["status"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "bulk-%s")
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assign"]).choices = [("", _("Me")), *staff_choices()]


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Add a file"), required=False, widget=forms.ClearableFileInput(attrs={"required": True})
    )
    internal = forms.BooleanField(label=_("Internal: staff only"), required=False, initial=True)


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the applicant"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": "500"}),
        help_text=_("Sent with a rejection."),
    )


class OrderImportForm(forms.Form):
    file = forms.FileField(
        label=_("Sales-order file (CSV)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"required": True, "accept": ".csv,text/csv"}),
        help_text=_(
            "Columns: sales_order, line, serial, sku, customer_account (required), ship_date, site_id, "
            "channel, partner_account."
        ),
    )


# --- opening a case on a customer's behalf (D-3.4) ------------------------------------------------

TEMPLATE_PREFIX = "tpl_"


def _text(label: Any, *, max_length: int = 200, required: bool = False, **attrs: Any) -> forms.CharField:
    widget_attrs: dict[str, Any] = {"maxlength": str(max_length), **attrs}
    if required:
        widget_attrs["required"] = True
    return forms.CharField(label=label, required=False, strip=False, widget=forms.TextInput(attrs=widget_attrs))


def _refresh(target: str) -> dict[str, str]:
    """htmx attributes that post the form to refresh the block ``target`` depends on (the
    contacts and sites of the chosen organisation, the sub-types of the chosen type).
    Without JavaScript the page's "Show …" buttons post the same."""
    return {
        "hx-post": reverse("console:case_new"),
        "hx-vals": '{"refresh": "1"}',
        "hx-trigger": "change",
        "hx-select": f"#{target}",
        "hx-target": f"#{target}",
        "hx-swap": "outerHTML",
    }


class StaffCaseForm(forms.Form):
    """A case opened by staff for a customer (the phone call that becomes a case): the
    organisation, its contact and site, then the fields of D-3.4. The choices come from
    what the agent may see (D-1.3); the service checks every rule again."""

    org_search = _text(_("Find the organisation"), max_length=100, type="search", autocomplete="off")
    organisation = forms.ChoiceField(label=_("Organisation"), required=False)
    contact = forms.ChoiceField(label=_("Contact"), required=False)
    site = forms.ChoiceField(label=_("Site"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind of case"),
        required=False,
        choices=[("admin", _("Admin")), ("technical", _("Technical: needs an entitled serial number or SSRN"))],
        initial="admin",
        widget=forms.RadioSelect,
    )
    request_type = forms.ChoiceField(label=_("Request type"), required=False)
    request_subtype = forms.ChoiceField(label=_("Sub-type"), required=False)
    priority = forms.ChoiceField(
        label=_("Priority"),
        required=False,
        choices=[("", _("Choose…")), *Priority.choices],
        initial="P3",
        widget=forms.Select(attrs={"required": True}),
    )
    follow_up_method = forms.ChoiceField(
        label=_("Follow up by"), required=False, choices=FollowUpMethod.choices, initial="phone"
    )
    callback_phone = _text(_("Call-back phone number"), max_length=32, required=True, type="tel")
    summary = _text(_("Summary"), required=True)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": "5", "required": True}),
    )
    serial_number = _text(_("Serial number"), max_length=64, spellcheck="false")
    ssrn = _text(_("Software support reference number (SSRN)"), max_length=64, spellcheck="false")
    customer_tracking_number = _text(_("Customer's tracking number"), max_length=64)

    SEARCH_LIMIT = 200

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        data = self.data if self.is_bound else self.initial
        organisations = visible_organisations(user).exclude(kind=OrganisationKind.VENDOR).order_by("name", "id")
        search = " ".join(str(data.get("org_search") or "").split())[:100]
        chosen = _int(data.get("organisation"))
        if search:
            organisations = organisations.filter(name__icontains=search)
        listed = list(organisations[: self.SEARCH_LIMIT])
        if chosen is not None and chosen not in {o.pk for o in listed}:
            # Keep the chosen one offered while the agent searches for another.
            listed += list(visible_organisations(user).filter(pk=chosen).exclude(kind=OrganisationKind.VENDOR))
        self.more_organisations = len(listed) >= self.SEARCH_LIMIT
        org_field = cast(forms.ChoiceField, self.fields["organisation"])
        org_field.choices = [("", _("Choose the organisation…"))] + [
            (str(o.pk), f"{o.name}{' · ' + str(_('government')) if o.government else ''}") for o in listed
        ]
        org_field.widget.attrs.update({"required": True, **_refresh("who")})
        self.fields["org_search"].widget.attrs.update(
            {**_refresh("who"), "hx-trigger": "input changed delay:400ms, search"}
        )
        self.chosen_organisation = next((o for o in listed if o.pk == chosen), None)
        org_id = self.chosen_organisation.pk if self.chosen_organisation else None
        people = list(case_contacts(user, org_id)[:500]) if org_id else []
        cast(forms.ChoiceField, self.fields["contact"]).choices = [
            ("", _("Choose the contact…") if org_id else _("Choose the organisation first"))
        ] + [(u.email, f"{u.full_name} <{u.email}>") for u in people]
        self.fields["contact"].widget.attrs["required"] = True
        sites = list(visible_sites(user).filter(organisation_id=org_id).order_by("name")[:500]) if org_id else []
        cast(forms.ChoiceField, self.fields["site"]).choices = [("", _("No particular site"))] + [
            (s.code, f"{s.name} ({s.code})") for s in sites
        ]
        self.types = list(request_types())
        type_field = cast(forms.ChoiceField, self.fields["request_type"])
        type_field.choices = [("", _("Choose a request type…"))] + [(t.code, t.label()) for t in self.types]
        type_field.widget.attrs.update(_refresh("type-dependent"))
        code = data.get("request_type")
        self.chosen_type: RequestType | None = next((t for t in self.types if t.code == code), None)
        subtypes = (
            [(s.code, s.label()) for s in self.chosen_type.subtypes.all() if s.active] if self.chosen_type else []
        )
        placeholder = _("Choose a sub-type…") if self.chosen_type else _("Choose a request type first")
        cast(forms.ChoiceField, self.fields["request_subtype"]).choices = [("", placeholder), *subtypes]
        if self.chosen_type is not None and self.chosen_type.template_is_valid:
            for spec in self.chosen_type.template:
                self.fields[TEMPLATE_PREFIX + spec["name"]] = template_field(spec)

    @property
    def template_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(TEMPLATE_PREFIX)]

    def new_case(self) -> NewCase:
        data = self.data

        def get(name: str, default: str = "") -> str:
            return str(data.get(name, default) or default)

        return NewCase(
            kind=get("kind", "admin"),
            request_type=get("request_type"),
            request_subtype=get("request_subtype"),
            priority=get("priority"),
            follow_up_method=get("follow_up_method"),
            callback_phone=get("callback_phone"),
            summary=get("summary"),
            description=get("description"),
            serial_number=get("serial_number"),
            ssrn=get("ssrn"),
            customer_tracking_number=get("customer_tracking_number"),
            template_data={
                name.removeprefix(TEMPLATE_PREFIX): get(name).strip()
                for name in self.fields
                if name.startswith(TEMPLATE_PREFIX) and get(name).strip()
            },
            organisation_id=_int(data.get("organisation")),
            contact_email=get("contact").strip(),
            site_code=get("site").strip(),
        )

    def error_names(self) -> dict[str, str]:
        """Service field names → this form's field names."""
        names = {"organisation_id": "organisation", "contact_email": "contact", "site_code": "site"}
        for name in self.fields:
            if name.startswith(TEMPLATE_PREFIX):
                names[f"template_data.{name.removeprefix(TEMPLATE_PREFIX)}"] = name
        return names


def _int(raw: Any) -> int | None:
    text = str(raw or "").strip()
    return int(text) if text.isdigit() and len(text) < 18 else None


# --- closing, reopening, macros, saved views -------------------------------------------------------


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=CloseReason.choices, initial=CloseReason.RESOLVED_BY_PHONE)
    duplicate_of = _text(_("Duplicate of case"), max_length=40, spellcheck="false", placeholder="YYYY-MMDD-NNNNN")
    note = forms.CharField(
        label=_("Note to the customer"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": "2", "maxlength": "2000"}),
        help_text=_("Sent with the notice that the case is closed. A case closed as spam tells nobody."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "close_%s")
        super().__init__(*args, **kwargs)
        self.fields["duplicate_of"].help_text = _("For a duplicate: the case it repeats.")


class ReopenForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note (optional)"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": "2"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "reopen_%s")
        super().__init__(*args, **kwargs)


class MacroForm(forms.Form):
    name = _text(_("Name"), max_length=100, required=True)
    body = forms.CharField(
        label=_("Text"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": "6", "required": True})
    )
    as_note = forms.BooleanField(label=_("Add as an internal note instead of a reply"), required=False)
    set_status = forms.ChoiceField(
        label=_("Then set the status"),
        required=False,
        choices=[
            ("", _("No change")),
            (CaseStatus.OPEN.value, CaseStatus.OPEN.label),
            (CaseStatus.AWAITING_CUSTOMER.value, CaseStatus.AWAITING_CUSTOMER.label),
        ],
    )
    set_priority = forms.ChoiceField(
        label=_("Then set the priority"), required=False, choices=[("", _("No change")), *Priority.choices]
    )
    shared = forms.BooleanField(label=_("Shared with every agent"), required=False)

    def __init__(self, *args: Any, may_share: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_share:
            del self.fields["shared"]

    def macro_data(self) -> MacroData:
        data = self.data
        return MacroData(
            name=str(data.get("name", "")),
            body=str(data.get("body", "")),
            shared=data.get("shared") in ("on", "true", "1") and "shared" in self.fields,
            as_note=data.get("as_note") in ("on", "true", "1"),
            set_status=str(data.get("set_status", "")),
            set_priority=str(data.get("set_priority", "")),
        )


class PartShippedForm(forms.Form):
    """D-5.7: the correct part of a mis-shipment claim has shipped."""

    carrier = forms.CharField(label=_("Carrier"), max_length=64, required=False,
                              widget=forms.TextInput(attrs={"required": True}))  # fmt: skip
    tracking_number = forms.CharField(label=pgettext_lazy("parcel", "Tracking number"), max_length=64, required=False,
                                      widget=forms.TextInput(attrs={"required": True}))  # fmt: skip


# --- RMA requests (D-5.1 – D-5.3) ----------------------------------------------------------

RMA_UNITS_MAX = 50  # units offered on the request form; a request names at most 50 (services.LINES_MAX)


def _fault_choices() -> list[tuple[str, Any]]:
    return [("", _("Choose what failed")), *FaultCategory.choices]


class RmaRequestForm(forms.Form):
    """A TSE's request for units of the case's organisation to come back: per unit a box to
    tick, what failed and a description. Rendered as rows, one per unit."""

    def __init__(self, units: list[Any], *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "rma_%s")
        super().__init__(*args, **kwargs)
        self.units = units
        for i, unit in enumerate(units):
            product = getattr(getattr(unit, "product", None), "name", "")
            self.fields[f"unit_{i}"] = forms.BooleanField(
                label=f"{unit.serial} · {product}" if product else unit.serial, required=False
            )
            self.fields[f"fault_{i}"] = forms.ChoiceField(
                label=_("What failed"), choices=_fault_choices, required=False
            )
            self.fields[f"description_{i}"] = forms.CharField(
                label=_("Failure description"),
                required=False,
                strip=False,
                widget=forms.Textarea(attrs={"rows": "2", "maxlength": "5000"}),
            )

    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [(self[f"unit_{i}"], self[f"fault_{i}"], self[f"description_{i}"]) for i in range(len(self.units))]

    def chosen(self, data: Any) -> list[tuple[int, str, str, str]]:
        """The ticked units in the order shown: (row, serial, fault category, description)."""
        return [
            (i, unit.serial, data.get(f"fault_{i}", ""), data.get(f"description_{i}", ""))
            for i, unit in enumerate(self.units)
            if data.get(f"unit_{i}")
        ]


class RmaLineForm(forms.Form):
    """Staff change one line of a pending request."""

    serial = forms.CharField(label=_("Serial number"), required=False, max_length=64)
    fault_category = forms.ChoiceField(label=_("What failed"), choices=_fault_choices, required=False)
    failure_description = forms.CharField(
        label=_("Failure description"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": "2", "maxlength": "5000", "required": True}),
    )


class RmaRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it rejected?"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": "2", "maxlength": "2000", "required": True}),
    )


class RmaMessageForm(forms.Form):
    """One message on a request; the page holds several, so each gets its own ids."""

    body = forms.CharField(
        label=_("Message"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": "3", "maxlength": "5000", "required": True}),
    )

    def __init__(self, *args: Any, label: Any = None, prefix_id: str = "msg", **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{prefix_id}_%s")
        super().__init__(*args, **kwargs)
        if label is not None:
            self.fields["body"].label = label


def _case_units(user: User, case: Any) -> list[Any]:
    """The units of the case's organisation a TSE may choose from, the case's own first."""
    units = list(
        visible_assets(user)
        .filter(owner_id=case.organisation_id)
        .select_related("product")
        .order_by("serial")[:RMA_UNITS_MAX]
    )
    return sorted(units, key=lambda unit: unit.serial != (case.serial_number or "").upper())


def may_request_rma(user: User, case: Any) -> bool:
    """Whether the case page offers the request form: to a TSE, on an open technical case."""
    return (
        may(user, Capability.CREATE_RMA_REQUESTS)
        and case.kind == CaseKind.TECHNICAL
        and case.status != CaseStatus.CLOSED
    )


def rma_request_form(user: User, case: Any, data: Any = None) -> RmaRequestForm:
    """The request form over the organisation's units; the case's own unit ticked to start with."""
    form = RmaRequestForm(_case_units(user, case), data)
    if data is None and form.units and form.units[0].serial == (case.serial_number or "").upper():
        form.initial["unit_0"] = True
    return form


class ReceiptForm(forms.Form):
    """The depot's scan (D-5.4): what is on the box, and, where read, the unit's serial."""

    scanned = forms.CharField(
        label=_("Line number, RMA number or serial on the box"),
        max_length=64,
        required=False,
        # Keyboard first: a barcode scanner types into this field and presses Enter.
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "spellcheck": "false"}),
    )
    serial = forms.CharField(
        label=_("Serial of the unit inside (optional)"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def ready_for_the_next_scan(self) -> None:
        """After a refused scan, the focus is where the depot types next, in an empty field:
        a scanner types at the caret, which the page puts before any text left there. When
        the box needs the serial of the unit inside, the serial field (what was scanned
        stays); otherwise the scan field, for the next box."""
        data = {**dict(self.data.items()), "serial": ""}  # a QueryDict's items are its last values
        if self.has_error("serial"):
            self.fields["scanned"].widget.attrs.pop("autofocus", None)
            self.fields["serial"].widget.attrs["autofocus"] = True
        else:
            data["scanned"] = ""
        self.data = data


class WaiveForm(forms.Form):
    reason = forms.CharField(label=_("Why the charge is waived"), max_length=2000, required=False)


# --- RMA line logistics (D-5.4) ---------------------------------------------------------------

# What each move of a line asks for; the others need nothing but the button.
MOVE_FIELDS: dict[str, tuple[str, ...]] = {
    "ship_replacement": ("carrier", "tracking_number", "replacement_serial"),
    "ship_back": ("carrier", "tracking_number"),
}
MOVE_BUTTONS: dict[str, Any] = {
    "ship_replacement": _("Ship the replacement"),
    "deliver": _("Record the delivery"),
    "await_return": _("Mark as awaiting the unit"),
    "repair": _("Mark as repaired"),
    "ship_back": _("Ship the unit back"),
    "close": _("Close the line"),
}


class LineMoveForm(forms.Form):
    """Support logistics move one line on (D-5.4): the fields the move asks for, nothing
    more. A page holds one per move and line, so each gets its own ids."""

    carrier = forms.CharField(label=_("Carrier"), max_length=64, required=False,
                              widget=forms.TextInput(attrs={"required": True}))  # fmt: skip
    tracking_number = forms.CharField(label=pgettext_lazy("parcel", "Tracking number"), max_length=64, required=False,
                                      widget=forms.TextInput(attrs={"required": True}))  # fmt: skip
    replacement_serial = forms.CharField(
        label=_("Serial number of the replacement"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"required": True, "autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, action: str, line_number: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"move_{line_number}_{action}_%s")
        super().__init__(*args, **kwargs)
        self.action = action
        self.line_number = line_number
        self.button = MOVE_BUTTONS.get(action, "")
        wanted = MOVE_FIELDS.get(action, ())
        for name in [name for name in self.fields if name not in wanted]:
            del self.fields[name]
