"""The portal's forms. They render fields and read input; every rule is checked by the
service the view calls, whose errors ``web.show_error`` puts back on these fields."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caredesk.accounts.models import User
from caredesk.accounts.queries import visible_organisations, visible_sites
from caredesk.cases.models import FollowUpMethod, Priority, RequestType
from caredesk.cases.queries import request_types
from caredesk.rma.models import MisShipmentKind
from caredesk.web.forms import country_choices, template_field

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

STRENGTH_HELP = gettext_lazy(
    "At least 10 characters; not a common password, not only digits, not like your name or e-mail."
)


def _text(label: StrOrPromise, *, max_length: int = 200, required: bool = False, **attrs: Any) -> forms.CharField:
    """A text field that leaves the rule to the service: the HTML ``required`` only helps
    the browser say so early."""
    widget_attrs: dict[str, Any] = {"maxlength": str(max_length), **attrs}
    if required:
        widget_attrs["required"] = True
    return forms.CharField(label=label, required=False, strip=False, widget=forms.TextInput(attrs=widget_attrs))


def _password(label: StrOrPromise, autocomplete: str, help_text: StrOrPromise = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete, "required": True}),
    )


class PasswordPairMixin(forms.Form):
    """Asks for the new password twice; the service checks its strength."""

    first_field = "new_password"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get(self.first_field) and data.get(self.first_field) != data.get("confirm_password"):
            self.add_error("confirm_password", _("The two passwords are not the same."))
        return data


# --- accounts -------------------------------------------------------------------------------


class LoginForm(forms.Form):
    email = forms.CharField(
        label=gettext_lazy("E-mail address"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "required": True, "autofocus": ""}),
    )
    password = _password(gettext_lazy("Password"), "current-password")


class PasswordChangeForm(PasswordPairMixin):
    old_password = _password(gettext_lazy("Current password"), "current-password")
    new_password = _password(gettext_lazy("New password"), "new-password", STRENGTH_HELP)
    confirm_password = _password(gettext_lazy("New password again"), "new-password")


class ResetRequestForm(forms.Form):
    email = forms.CharField(
        label=gettext_lazy("E-mail address"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "required": True}),
    )


class ResetForm(PasswordPairMixin):
    new_password = _password(gettext_lazy("New password"), "new-password", STRENGTH_HELP)
    confirm_password = _password(gettext_lazy("New password again"), "new-password")


# --- registration (D-1.4) ---------------------------------------------------------------


class RegisterStartForm(forms.Form):
    full_name = _text(gettext_lazy("Your full name"), required=True, autocomplete="name")
    email = forms.CharField(
        label=gettext_lazy("Work e-mail address"),
        required=False,
        help_text=gettext_lazy("We send a link to this address to confirm it is yours."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "required": True}),
    )


class RegisterOrganisationForm(forms.Form):
    how = forms.ChoiceField(
        label=gettext_lazy("How do we find your organisation?"),
        choices=[
            ("proof", gettext_lazy("I have a serial number or contract id of our equipment")),
            ("new", gettext_lazy("We are a new customer: request a new customer account")),
        ],
        initial="proof",
        widget=forms.RadioSelect,
    )
    proof = _text(gettext_lazy("Serial number or contract id"), max_length=100, spellcheck="false")
    new_organisation_name = _text(gettext_lazy("Company name"), autocomplete="organization")
    country = forms.ChoiceField(label=gettext_lazy("Country"), required=False, choices=country_choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["proof"].help_text = _(
            "Printed on the unit's label or in your contract; it links you to your company."
        )
        self.fields["new_organisation_name"].help_text = _(
            "A care agent checks new customer accounts before they open."
        )


class RegisterPasswordForm(PasswordPairMixin):
    first_field = "password"
    password = _password(gettext_lazy("Choose a password"), "new-password", STRENGTH_HELP)
    confirm_password = _password(gettext_lazy("Password again"), "new-password")
    accept_terms = forms.BooleanField(label=gettext_lazy("I accept the terms of use"), required=False)


# --- cases ----------------------------------------------------------------------------------


TEMPLATE_PREFIX = "tpl_"


class CaseForm(forms.Form):
    """An admin case (D-3.2–D-3.4). The sub-type choices and the template fields follow the
    chosen request type; the page swaps them with htmx when the type changes."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of case"),
        required=False,
        choices=[
            (
                "admin",
                gettext_lazy(
                    "Admin: accounts, registration, licences, warranty, RMA status and other non-technical requests"
                ),
            ),
            (
                "technical",
                gettext_lazy("Technical: a fault of a unit; needs a serial number or SSRN with active support"),
            ),
        ],
        initial="admin",
        widget=forms.RadioSelect,
    )
    organisation = forms.ChoiceField(label=gettext_lazy("Organisation"), required=False)
    site = forms.ChoiceField(label=gettext_lazy("Site"), required=False)
    request_type = forms.ChoiceField(label=gettext_lazy("Request type"), required=False)
    request_subtype = forms.ChoiceField(label=gettext_lazy("Sub-type"), required=False)
    priority = forms.ChoiceField(
        label=gettext_lazy("Priority"),
        required=False,
        choices=[("", gettext_lazy("Choose…")), *Priority.choices],
        initial="P3",
        widget=forms.Select(attrs={"required": True}),
        help_text=gettext_lazy("P1 critical: service down. P4 low: a question with no impact."),
    )
    follow_up_method = forms.ChoiceField(
        label=gettext_lazy("How should we follow up?"),
        required=False,
        choices=FollowUpMethod.choices,
        initial="email",
        widget=forms.Select(attrs={"required": True}),
    )
    callback_phone = _text(
        gettext_lazy("Call-back phone number"),
        max_length=32,
        required=True,
        autocomplete="tel",
        type="tel",
        inputmode="tel",
    )
    summary = _text(gettext_lazy("Summary"), required=True)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": "6", "required": True}),
    )
    serial_number = _text(gettext_lazy("Serial number"), max_length=64, spellcheck="false")
    ssrn = _text(gettext_lazy("Software support reference number (SSRN)"), max_length=64, spellcheck="false")
    customer_tracking_number = _text(gettext_lazy("Your tracking number"), max_length=64)

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["callback_phone"].help_text = _("International format, e.g. +49 69 1234 5678.")
        self.fields["customer_tracking_number"].help_text = _("Your own reference for this request, if you have one.")
        organisations = list(visible_organisations(user).exclude(kind="vendor").order_by("name"))
        cast(forms.ChoiceField, self.fields["organisation"]).choices = [(str(o.pk), o.name) for o in organisations]
        self.fields["organisation"].initial = str(user.organisation_id)
        self.acts_for_several = len(organisations) > 1
        if not self.acts_for_several:
            self.fields["organisation"].widget = forms.HiddenInput()
        names = {o.pk: o.name for o in organisations}
        sites = visible_sites(user).order_by("organisation__name", "name")
        grouped: dict[str, list[tuple[str, str]]] = {}
        for site in sites:
            grouped.setdefault(names.get(site.organisation_id, ""), []).append(
                (site.code, f"{site.name} ({site.code})")
            )
        site_choices: list[Any] = [("", _("No particular site"))]
        if self.acts_for_several:
            site_choices += [(group, items) for group, items in grouped.items()]
        else:
            site_choices += [item for items in grouped.values() for item in items]
        cast(forms.ChoiceField, self.fields["site"]).choices = site_choices
        self.types = list(request_types())
        cast(forms.ChoiceField, self.fields["request_type"]).choices = [("", _("Choose a request type…"))] + [
            (t.code, t.label()) for t in self.types
        ]
        self.fields["request_type"].widget.attrs.update(
            {
                "required": True,
                "hx-get": reverse("portal:case_type_fields"),
                "hx-trigger": "change",
                "hx-target": "#type-dependent",
                "hx-swap": "innerHTML",
            }
        )
        self.fields["request_subtype"].widget.attrs["required"] = True
        self.fields["summary"].widget.attrs["placeholder"] = _("One line that says what you need")
        # D-3.4: typing a serial or SSRN shows the product series and platform it belongs to.
        lookup = {
            "hx-get": reverse("portal:case_product"),
            "hx-trigger": "input changed delay:400ms, change",
            "hx-target": "#product-found",
            "hx-include": "[name=serial_number], [name=ssrn], [name=organisation], [name=kind]",
        }
        self.fields["serial_number"].widget.attrs.update(lookup)
        self.fields["ssrn"].widget.attrs.update(lookup)
        self.set_request_type(self.data.get("request_type") if self.is_bound else self.initial.get("request_type"))

    def set_request_type(self, code: str | None) -> None:
        self.chosen_type: RequestType | None = next((t for t in self.types if t.code == code), None)
        subtypes = (
            [(s.code, s.label()) for s in self.chosen_type.subtypes.all() if s.active] if self.chosen_type else []
        )
        if not self.chosen_type:
            placeholder = _("Choose a request type first")
        else:
            placeholder = _("Choose a sub-type…")
        cast(forms.ChoiceField, self.fields["request_subtype"]).choices = [("", placeholder), *subtypes]
        for name in [n for n in self.fields if n.startswith(TEMPLATE_PREFIX)]:
            del self.fields[name]
        usable = self.chosen_type is not None and self.chosen_type.template_is_valid
        for spec in self.chosen_type.template if self.chosen_type and usable else []:
            self.fields[TEMPLATE_PREFIX + spec["name"]] = template_field(spec)

    @property
    def template_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(TEMPLATE_PREFIX)]

    def template_data(self) -> dict[str, str]:
        """The filled-in template fields, as typed; empty ones are left out."""
        data = {}
        for name in self.fields:
            if name.startswith(TEMPLATE_PREFIX):
                value = (self.data.get(name) or "").strip()
                if value:
                    data[name.removeprefix(TEMPLATE_PREFIX)] = value
        return data

    def error_names(self) -> dict[str, str]:
        """Service field names → this form's field names."""
        names = {"organisation_id": "organisation", "site_code": "site"}
        for name in self.fields:
            if name.startswith(TEMPLATE_PREFIX):
                names[f"template_data.{name.removeprefix(TEMPLATE_PREFIX)}"] = name
        return names


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your reply"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": "4", "required": True}),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("What is still not working?"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": "3", "required": True}),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Add a file"), required=False, widget=forms.ClearableFileInput(attrs={"required": True})
    )


class ReopenForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("What is not resolved? (optional)"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": "3"}),
    )


class TokenForm(forms.Form):
    name = _text(gettext_lazy("Token name"), max_length=100, required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].help_text = _("Say what will use it, e.g. “monitoring script”.")


class ActivationForm(forms.Form):
    """Activating a support e-certificate for a unit (D-2.7)."""

    code = _text(gettext_lazy("Certificate code"), max_length=32, required=True, spellcheck="false")
    serial = _text(gettext_lazy("Serial number of the unit"), max_length=64, required=True, spellcheck="false")


# --- profile --------------------------------------------------------------------------------


class ProfileForm(forms.Form):
    """One's own name, phone numbers, language and time zone (D-7.5)."""

    full_name = _text(gettext_lazy("Name"), required=True, autocomplete="name")
    phone = _text(gettext_lazy("Phone"), max_length=40, autocomplete="tel", inputmode="tel")
    mobile_phone = _text(gettext_lazy("Mobile phone"), max_length=40, autocomplete="tel", inputmode="tel")
    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False)
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"), required=False)

    def __init__(self, *args: Any, languages: list[tuple[str, str]], zones: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].help_text = gettext_lazy(
            "Offered as the call-back number when you open a case. National format is fine; it is kept in "
            "international format."
        )
        language = cast(forms.ChoiceField, self.fields["language"])
        language.choices = [("", gettext_lazy("As my browser asks")), *languages]
        time_zone = cast(forms.ChoiceField, self.fields["time_zone"])
        time_zone.choices = [("", gettext_lazy("The support centre's time zone")), *((z, z) for z in zones)]


class MisShipmentClaimForm(forms.Form):
    """A mis-shipment claim (D-5.7): the order, what was wrong, and which of its lines. The
    lines offered are the order's, once its number is given; the service decides who may
    claim them and until when."""

    sales_order = _text(gettext_lazy("Sales order number"), max_length=64, required=True, spellcheck="false")
    kind = forms.ChoiceField(label=gettext_lazy("What was shipped wrong?"), required=False, widget=forms.RadioSelect)
    order_lines = forms.MultipleChoiceField(
        label=gettext_lazy("Order lines concerned"), required=False, widget=forms.CheckboxSelectMultiple
    )
    organisation = forms.ChoiceField(label=gettext_lazy("Organisation"), required=False)
    priority = CaseForm.base_fields["priority"]
    follow_up_method = CaseForm.base_fields["follow_up_method"]
    callback_phone = CaseForm.base_fields["callback_phone"]
    summary = CaseForm.base_fields["summary"]
    description = CaseForm.base_fields["description"]

    def __init__(self, user: User, lines: list[Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = MisShipmentKind.choices
        self.fields["callback_phone"].help_text = _("International format, e.g. +49 69 1234 5678.")
        cast(forms.MultipleChoiceField, self.fields["order_lines"]).choices = [
            (
                str(line.number),
                _("Line %(line)s: %(skus)s, serial numbers %(serials)s, shipped on %(date)s")
                % {
                    "line": line.number,
                    "skus": ", ".join(line.skus),
                    "serials": ", ".join(line.serials),
                    "date": line.shipped_on.isoformat() if line.shipped_on else "—",
                },
            )
            for line in lines
        ]
        organisations = list(visible_organisations(user).exclude(kind="vendor").order_by("name"))
        cast(forms.ChoiceField, self.fields["organisation"]).choices = [(str(o.pk), o.name) for o in organisations]
        self.fields["organisation"].initial = str(user.organisation_id)
        self.acts_for_several = len(organisations) > 1
        if not self.acts_for_several:
            self.fields["organisation"].widget = forms.HiddenInput()


# --- RMA requests (D-5.1, D-5.2) -------------------------------------------------------------


class RmaQuestionForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your question"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": "3", "required": True, "maxlength": "5000"}),
    )


class RmaCancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you cancel?"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": "2", "maxlength": "2000"}),
    )
