"""Organisations, sites, users and their roles (D-1.1, D-1.2), registration (D-1.4), API tokens."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from caredesk.core.clock import now


class OrganisationKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    PARTNER = "partner", _("Partner")
    VENDOR = "vendor", _("Vendor")


class Organisation(models.Model):
    """A customer, an authorised reseller (partner), or the vendor itself (D-1.1).

    A partner is linked to the customers it sells to; its users see those customers'
    cases (D-1.3). A customer flagged ``government`` is visible to cleared staff only.
    """

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=OrganisationKind.choices)
    government = models.BooleanField(default=False)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 alpha-2")
    account_number = models.CharField(
        max_length=32,
        unique=True,
        null=True,
        blank=True,
        help_text="The customer's or partner's number in the vendor's order system; sales orders name it",
    )
    customers = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="partners", help_text="For partners: customers they serve"
    )
    # D-1.4: whether people who prove membership by a serial or contract id wait for the
    # organisation's administrator (org_admin) before their account works. ``None`` is
    # the default: on while the organisation has an active administrator, off while it has
    # none (nobody could approve). Stored as "default" rather than set when the first
    # administrator is made, because administrators come and go by several roads (the
    # admin site edits roles directly, the demo, services) and the default must follow
    # all of them; an administrator's explicit choice (True/False) is kept as given.
    members_need_approval = models.BooleanField(
        null=True,
        blank=True,
        default=None,
        help_text="Empty: on while the organisation has an administrator (org_admin)",
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """A place where an organisation keeps equipment; cases and assets name one."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="sites")
    code = models.CharField("site id", max_length=32, unique=True)
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, help_text="ISO 3166 alpha-2")
    subdivision = models.CharField(
        max_length=6, blank=True, help_text="ISO 3166-2 code of the state or province, e.g. US-CA"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Role(models.TextChoices):
    """Roles (D-1.2): vendor staff hold the first ten, a customer's or partner's people may
    be their organisation's administrator. What each role may do is the capability table
    of ``caredesk.accounts.access``."""

    CARE_AGENT = "care_agent", _("Customer Care representative")
    ESCALATION = "escalation", _("Escalation team")
    TEAM_LEAD = "team_lead", _("Team lead")
    CARE_MANAGER = "care_manager", _("Care manager")
    DIRECTOR = "director", _("Director of Customer Care")
    TSE = "tse", _("Technical support engineer")
    RMA_SPECIALIST = "rma_specialist", _("RMA specialist")
    SUPPORT_LOGISTICS = "support_logistics", _("Support logistics")
    LICENSING = "licensing", _("Licensing")
    ADMIN = "admin", _("Administrator")
    ORG_ADMIN = "org_admin", _("Organisation administrator")


def check_roles(roles: Any) -> None:
    if not isinstance(roles, list) or not all(isinstance(r, str) and r in Role.values for r in roles):
        raise ValidationError(_("Roles are a list of: %(roles)s.") % {"roles": ", ".join(Role.values)})


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("users need an e-mail address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.password_changed_at = now()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        if "organisation" not in extra and "organisation_id" not in extra:
            vendor, _ = Organisation.objects.get_or_create(kind=OrganisationKind.VENDOR, defaults={"name": "Vendor"})
            extra["organisation"] = vendor
        extra.setdefault("roles", [Role.ADMIN.value])
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address. Belongs to one organisation and may be
    associated with further customer organisations (a consultant, D-1.2)."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="users")
    associations = models.ManyToManyField(Organisation, blank=True, related_name="associated_users")
    roles = models.JSONField(
        default=list,
        blank=True,
        validators=[check_roles],
        help_text="Vendor staff roles, or org_admin for a customer's or partner's administrator",
    )
    gov_cleared = models.BooleanField(default=False, help_text="May see government customers' cases")
    manager = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        help_text="Staff: the team lead or manager told of this person's late cases",
    )
    phone = models.CharField(max_length=20, blank=True, help_text="E.164; offered as the call-back number on new cases")
    mobile_phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    # Blank: no choice made, so pages follow the browser and e-mails the installation's
    # default (D-7.5). A code of settings.LANGUAGES otherwise.
    language = models.CharField(max_length=8, blank=True, default="")
    time_zone = models.CharField(
        max_length=64, blank=True, default="", help_text="IANA name; blank: the support centre's"
    )
    # Notices this person turned off (D-7.4): everything reaches everyone unless turned off,
    # so a new kind of notice is not silently missed. On the user's row, so that writing a
    # notice reads nothing more than the recipient it already has.
    muted_notices = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the Django admin site")
    date_joined = models.DateTimeField(default=now)
    password_changed_at = models.DateTimeField(default=now)
    locked_at = models.DateTimeField(null=True, blank=True, help_text="Set when the password grace period ran out")

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    @property
    def is_vendor_staff(self) -> bool:
        return self.organisation.kind == OrganisationKind.VENDOR

    def clean(self) -> None:
        super().clean()
        from caredesk.accounts.access import roles_for_kind

        if self.organisation_id is not None and isinstance(self.roles, list):
            allowed = roles_for_kind(self.organisation.kind)
            wrong = [r for r in self.roles if r not in allowed]
            if wrong:
                raise ValidationError(
                    {"roles": _("A member of this organisation cannot hold: %(roles)s.") % {"roles": ", ".join(wrong)}}
                )


class RegistrationStatus(models.TextChoices):
    STARTED = "started", _("Waiting for e-mail verification")
    VERIFIED = "verified", _("E-mail verified")
    AWAITING_APPROVAL = "awaiting_approval", _("Waiting for a care agent to approve the new account")
    AWAITING_ORG_ADMIN = "awaiting_org_admin", _("Waiting for the organisation's administrator to approve")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")


class Registration(models.Model):
    """A self-service sign-up in four steps (D-1.4): name and e-mail, verification by a
    one-time link, organisation (proved by serial/contract, or a new-account request an
    agent approves), then password and terms."""

    email = models.EmailField()
    full_name = models.CharField(max_length=200)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=24, choices=RegistrationStatus.choices, default=RegistrationStatus.STARTED)
    created_at = models.DateTimeField(default=now)
    verified_at = models.DateTimeField(null=True, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    proof = models.CharField(max_length=100, blank=True, help_text="Serial number or contract id given as proof")
    new_organisation_name = models.CharField(max_length=200, blank=True)
    new_organisation_country = models.CharField(max_length=2, blank=True)
    password_hash = models.CharField(max_length=256, blank=True)
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    # The language the registrant used (D-7.4): the decision's e-mail and their new account speak it.
    language = models.CharField(max_length=8, blank=True, default="")
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="registration_status_idx")]

    def __str__(self) -> str:
        return f"{self.email} ({self.status})"


class ApiToken(models.Model):
    """A personal token for programs. Only a SHA-256 of the secret is stored; the secret
    is shown once, when the token is made."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="First characters of the token, to recognise it")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
