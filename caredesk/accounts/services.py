"""Every state change of accounts: login, password policy, registration, API tokens.

Each function is one use case and one transaction; pages, the API and the CLI call
these and hold no rule of their own.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes, force_str
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caredesk.accounts import events
from caredesk.accounts.access import Capability, require, roles_for_kind
from caredesk.accounts.models import (
    ApiToken,
    Organisation,
    OrganisationKind,
    Registration,
    RegistrationStatus,
    Site,
    User,
)
from caredesk.accounts.policy import PasswordState, password_state
from caredesk.accounts.queries import managed_organisation, managed_organisations, members_need_approval
from caredesk.core import audit, ratelimit
from caredesk.core.addresses import link
from caredesk.core.clock import now
from caredesk.core.errors import Conflict, Forbidden, NotFound, Throttled, Unauthenticated, ValidationFailed
from caredesk.core.geography import is_country
from caredesk.core.mail import send_after_commit
from caredesk.core.validation import clean_text, e164

LOGIN_SCOPE = "login"
_INVALID_LOGIN = gettext_lazy("The e-mail address or password is not right.")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _normalise_email(email: str, field: str = "email") -> str:
    address = (email or "").strip().lower()
    try:
        validate_email(address)
    except DjangoValidationError:
        raise ValidationFailed(
            _("Enter a valid e-mail address."), fields={field: _("Not a valid e-mail address.")}
        ) from None
    return address


def _check_new_password(password: str, user: User | None = None, field: str = "password") -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(_("Choose a stronger password."), fields={field: " ".join(exc.messages)}) from None


# --- login and the password policy (D-1.5) ---------------------------------------------


@dataclass
class LoginResult:
    user: User
    must_change_password: bool


def log_in(email: str, password: str, *, client_ip: str) -> LoginResult:
    """Check credentials under the throttles and the password policy (D-1.5).

    Failures are counted per address *and client*: at the limit that client waits for a
    while, even with the right password, but the owner elsewhere still logs in, so an
    attacker cannot lock anyone out. Failures are also counted per client over every
    address (guessing across many accounts), and per address over every client: an
    address attacked from many clients stops taking passwords for a while and its owner
    is e-mailed a one-time sign-in link instead of being locked out. The owner is told
    by e-mail when someone keeps trying wrong passwords. An expired password logs in only
    to change it; a locked account is refused and told to use the reset link.
    """
    ratelimit.hit("login-ip", client_ip, limit=settings.LOGIN_RATE_PER_IP, window=60)
    address = (email or "").strip().lower()
    # A new password (a reset) starts a new generation: guesses at the old one no longer count.
    pair = f"{address}|{client_ip}|{ratelimit.generation(LOGIN_SCOPE, address)}"
    wait = ratelimit.blocked_for(LOGIN_SCOPE, pair)
    if wait:
        raise Throttled(
            _("Too many failed attempts for this address. Try again later or reset your password."), retry_after=wait
        )
    wait = ratelimit.blocked_for(LOGIN_CLIENT_SCOPE, client_ip)
    if wait:
        raise Throttled(_("Too many failed attempts from your network address. Try again later."), retry_after=wait)
    user = User.objects.select_related("organisation").filter(email=address).first()
    link_only = ratelimit.blocked_for(LOGIN_ADDRESS_SCOPE, address)
    right = user is not None and user.is_active and user.check_password(password)
    if user is None:
        make_password(password)  # spend the same time as a real check
    if link_only:
        # Under attack from many clients: no password signs in, right or wrong, and the
        # answer is the same either way. The owner who typed the right one gets a new link.
        if right and user is not None and ratelimit.take_once(LOGIN_LINK_SCOPE, address, window=60):
            _send_sign_in_link(user, attacked=False)
        raise Throttled(str(_LINK_ONLY), retry_after=link_only)
    if not right:
        _count_login_failure(address, pair, client_ip, user)
        raise Unauthenticated(str(_INVALID_LOGIN), code="invalid_credentials")
    assert user is not None
    state = current_password_state(user)
    _refuse_if_locked(state)
    ratelimit.clear_failures(LOGIN_SCOPE, pair)
    return LoginResult(user=user, must_change_password=state is PasswordState.EXPIRED)


LOGIN_CLIENT_SCOPE = "login-client"
LOGIN_ADDRESS_SCOPE = "login-address"
LOGIN_LINK_SCOPE = "login-link"
_LINK_ONLY = gettext_lazy(
    "For your protection, this address cannot sign in with a password for a while. "
    "If it has an account, we have e-mailed it a link to sign in."
)


def _count_login_failure(address: str, pair: str, client_ip: str, user: User | None) -> None:
    window = lockout = settings.LOGIN_LOCKOUT_SECONDS
    pair_locked = ratelimit.count_failure(
        LOGIN_SCOPE, pair, limit=settings.LOGIN_FAILURE_LIMIT, window=window, lockout=lockout
    )
    ratelimit.count_failure(
        LOGIN_CLIENT_SCOPE, client_ip, limit=settings.LOGIN_CLIENT_FAILURE_LIMIT, window=window, lockout=lockout
    )
    attacked = ratelimit.count_failure(
        LOGIN_ADDRESS_SCOPE, address, limit=settings.LOGIN_ADDRESS_FAILURE_LIMIT, window=window, lockout=lockout
    )
    if user is None or not user.is_active:
        return
    if attacked:
        _send_sign_in_link(user, attacked=True)
    elif pair_locked and ratelimit.take_once("login-warned", address, window=lockout):
        _warn_owner(user)


def _in_language(code: str) -> Any:
    """E-mails in their recipient's language (D-7.4), whoever's request sends them."""
    return translation.override(code if code in language_codes() else settings.LANGUAGE_CODE)


def _asked_language() -> str:
    code = (translation.get_language() or "").split("-")[0]
    return code if code in language_codes() else ""


def _speaks_to(function: Callable[..., None]) -> Callable[..., None]:
    """The decorated function writes to its first argument, a user: in their language."""

    @functools.wraps(function)
    def wrapper(user: User, *args: Any, **kwargs: Any) -> None:
        with _in_language(user.language or _asked_language()):
            function(user, *args, **kwargs)

    return wrapper


@_speaks_to
def _warn_owner(user: User) -> None:
    audit.record(user, "login_throttled", None, {"reason": "repeated wrong passwords from one client"})
    values = {
        "name": user.full_name,
        "times": settings.LOGIN_FAILURE_LIMIT,
        "minutes": settings.LOGIN_LOCKOUT_SECONDS // 60,
        "reset": link("/password/reset/"),
    }
    send_after_commit(
        user.email,
        _("%(centre)s: someone is trying your password") % {"centre": settings.SUPPORT_CENTRE_NAME},
        _(
            "Hello %(name)s,\n\nSomeone tried to sign in to your account with a wrong password %(times)s times. "
            "We stopped them for %(minutes)s minutes; you can still sign in as usual.\n\n"
            "If it was you, there is nothing to do. If not, consider choosing a new password (%(reset)s).\n"
        )
        % values,
    )


class _SignInLinkTokens(PasswordResetTokenGenerator):
    """One-time sign-in links: like reset links, the token hashes the password and the
    last login, so it stops working once used (logging in sets a new last login)."""

    key_salt = "caredesk.accounts.sign-in-link"

    def check_token(self, user: AbstractBaseUser | None, token: str | None) -> bool:
        if not isinstance(user, User) or not token or "-" not in token:
            return False
        try:
            made = base36_to_int(token.split("-", 1)[0])
        except ValueError:
            return False
        if self._num_seconds(self._now()) - made > settings.LOGIN_LINK_SECONDS:
            return False
        return constant_time_compare(self._make_token_with_timestamp(user, made, self.secret), token)


sign_in_links = _SignInLinkTokens()


@_speaks_to
def _send_sign_in_link(user: User, *, attacked: bool) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    values = {
        "name": user.full_name,
        "link": link(f"/login/link/{uid}/{sign_in_links.make_token(user)}/"),
        "minutes": settings.LOGIN_LINK_SECONDS // 60,
        "paused": settings.LOGIN_LOCKOUT_SECONDS // 60,
        "reset": link("/password/reset/"),
    }
    if attacked:
        audit.record(user, "login_link_only", None, {"reason": "wrong passwords from many clients"})
        opening = _(
            "Many attempts from different places tried wrong passwords for your account. For your "
            "protection, your password alone does not sign you in for the next %(paused)s minutes."
        )
    else:
        opening = _("You tried to sign in while signing in with a password is paused for your account.")
    send_after_commit(
        user.email,
        _("%(centre)s: your sign-in link") % {"centre": settings.SUPPORT_CENTRE_NAME},
        _("Hello %(name)s,") % values
        + "\n\n"
        + opening % values
        + "\n\n"
        + _(
            "Use this link within %(minutes)s minutes to sign in:\n\n%(link)s\n\n"
            "The link works once. If the attempts were not yours, consider choosing a new password (%(reset)s).\n"
        )
        % values,
    )


def user_for_sign_in_link(uidb64: str, token: str) -> User:
    """The user a sign-in link is for, or NotFound when it is wrong, used or expired."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError):
        raise NotFound(_("This sign-in link is not valid or has expired.")) from None
    user = User.objects.select_related("organisation").filter(pk=pk, is_active=True).first()
    if user is None or not sign_in_links.check_token(user, token):
        raise NotFound(_("This sign-in link is not valid or has expired."))
    return user


def _refuse_if_locked(state: PasswordState) -> None:
    """D-1.5: an account whose expired password was not changed in time opens only through
    the e-mailed reset link, whatever else would sign it in."""
    if state is PasswordState.LOCKED:
        raise Forbidden(
            _(
                "This account is locked because its password was not changed in time. "
                "Use “Reset my password” to receive a link by e-mail."
            ),
            code="account_locked",
        )


def log_in_with_link(uidb64: str, token: str) -> LoginResult:
    """Sign in with an e-mailed one-time link (the caller logs the session in, which makes
    the link stale). The password policy still holds: a locked account needs the reset."""
    user = user_for_sign_in_link(uidb64, token)
    state = current_password_state(user)
    _refuse_if_locked(state)
    audit.record(user, "logged_in_with_link", user)
    return LoginResult(user=user, must_change_password=state is PasswordState.EXPIRED)


def current_password_state(user: User) -> PasswordState:
    """Where the user's password stands now (D-1.5); the first time it is found past the grace
    period, the account is marked locked, so that only the e-mailed reset opens it again."""
    state = password_state(user, now())
    if state is PasswordState.LOCKED and user.locked_at is None:
        with transaction.atomic():
            locked = now()
            if User.objects.filter(pk=user.pk, locked_at__isnull=True).update(locked_at=locked):
                audit.record(user, "locked", None, {"reason": "password not changed within the grace period"})
            user.locked_at = locked
    return state


def _refuse_current_password(user: User, new_password: str) -> None:
    """A change must change it: the current password again would restart its six months
    (D-1.5) without a new secret."""
    if new_password and user.check_password(new_password):
        text = _("Please choose a password that is different from your current one.")
        raise ValidationFailed(text, fields={"new_password": text})


@transaction.atomic
def change_password(user: User, old_password: str, new_password: str) -> None:
    # A stolen session or token must not become a way to guess the password itself.
    ratelimit.hit("password-change", str(user.pk), limit=20, window=3600)
    if not user.check_password(old_password):
        text = _("This is not your current password.")
        raise ValidationFailed(text, fields={"old_password": text})
    _refuse_current_password(user, new_password)
    _check_new_password(new_password, user, "new_password")
    _set_password(user, new_password)
    audit.record(user, "password_changed", user)


def _set_password(user: User, password: str) -> None:
    user.set_password(password)
    user.password_changed_at = now()
    user.locked_at = None
    user.save(update_fields=["password", "password_changed_at", "locked_at"])


def request_password_reset(email: str, *, client_ip: str) -> None:
    """E-mail a single-use, expiring reset link. Says nothing about whether the address exists."""
    ratelimit.hit("reset-ip", client_ip, limit=10, window=3600)
    address = (email or "").strip().lower()
    user = User.objects.filter(email=address, is_active=True).first()
    if user is None:
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    reset_link = link(f"/reset/{uid}/{token}/")
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    words = {"centre": settings.SUPPORT_CENTRE_NAME, "name": user.full_name, "minutes": minutes, "link": reset_link}
    with transaction.atomic():
        audit.record(user, "password_reset_requested", None)
        send_after_commit(
            user.email,
            _("%(centre)s: reset your password") % words,
            _(
                "Hello %(name)s,\n\nUse this link within %(minutes)s minutes to choose a new password:\n\n"
                "%(link)s\n\nThe link works once. If you did not ask for it, ignore this message.\n"
            )
            % words,
        )


def user_for_reset(uidb64: str, token: str) -> User:
    """The user a reset link is for, or NotFound when the link is wrong, used or expired."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError):
        raise NotFound(_("This reset link is not valid or has expired.")) from None
    user = User.objects.filter(pk=pk, is_active=True).first()
    # Django's token hashes the password and last login: it stops working once used.
    if user is None or not default_token_generator.check_token(user, token):
        raise NotFound(_("This reset link is not valid or has expired."))
    return user


@transaction.atomic
def complete_password_reset(uidb64: str, token: str, new_password: str) -> User:
    user = user_for_reset(uidb64, token)
    _refuse_current_password(user, new_password)
    _check_new_password(new_password, user, "new_password")
    _set_password(user, new_password)
    ratelimit.clear_failures(LOGIN_ADDRESS_SCOPE, user.email)
    ratelimit.next_generation(LOGIN_SCOPE, user.email, keep=2 * settings.LOGIN_LOCKOUT_SECONDS)
    audit.record(user, "password_reset", user)
    return user


# --- registration (D-1.4) ----------------------------------------------------------------

OrganisationProofResolver = Callable[[str], Organisation | None]
_proof_resolvers: list[OrganisationProofResolver] = []


def register_organisation_proof(resolver: OrganisationProofResolver) -> None:
    """Let a domain that knows serials or contracts (installed base, contracts) prove an
    organisation in registration step 3. Called from that app's ``ready()``."""
    if resolver not in _proof_resolvers:
        _proof_resolvers.append(resolver)


def start_registration(full_name: str, email: str, *, client_ip: str) -> None:
    """Step 1: name and e-mail. Sends the one-time verification link (step 2)."""
    ratelimit.hit("register-ip", client_ip, limit=10, window=3600)
    name = clean_text(full_name, field="full_name", max_length=200)
    address = _normalise_email(email)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        if User.objects.filter(email=address).exists():
            # Do not reveal that the address has an account: tell its owner instead.
            words = {"centre": settings.SUPPORT_CENTRE_NAME, "link": link("/login/")}
            send_after_commit(
                address,
                _("%(centre)s: you already have an account") % words,
                _(
                    "Someone (perhaps you) tried to register this address. You already have an account; "
                    "log in at %(link)s or reset your password there.\n"
                )
                % words,
            )
            return
        Registration.objects.create(email=address, full_name=name, token_hash=_hash(secret), language=_asked_language())
        words = {"centre": settings.SUPPORT_CENTRE_NAME, "name": name, "link": link(f"/register/verify/{secret}/")}
        send_after_commit(
            address,
            _("%(centre)s: confirm your e-mail address") % words,
            _(
                "Hello %(name)s,\n\nConfirm your address to continue your registration:\n\n"
                "%(link)s\n\nThe link works once.\n"
            )
            % words,
        )


def registration_for(secret: str) -> Registration:
    registration = Registration.objects.filter(token_hash=_hash(secret or "")).first()
    if registration is None or registration.status in (RegistrationStatus.COMPLETED, RegistrationStatus.REJECTED):
        raise NotFound(_("This registration link is not valid."))
    age = now() - registration.created_at
    if age > timedelta(seconds=settings.REGISTRATION_LINK_SECONDS):
        raise NotFound(_("This registration link has expired. Please start again."))
    return registration


@transaction.atomic
def verify_registration(secret: str) -> tuple[Registration, str]:
    """Step 2: the link from the e-mail proves the address. In the same transaction it is
    replaced by a fresh secret, returned for the browser session to keep, so the e-mailed
    link cannot be used again and a failure leaves the link as it was."""
    registration = registration_for(secret)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != RegistrationStatus.STARTED:
        raise NotFound(_("This registration link was already used."))
    fresh = secrets.token_urlsafe(32)
    registration.status = RegistrationStatus.VERIFIED
    registration.verified_at = now()
    registration.token_hash = _hash(fresh)
    registration.save(update_fields=["status", "verified_at", "token_hash"])
    return registration, fresh


def rotate_registration_secret(registration: Registration) -> str:
    """A new secret for the registration (the old one stops working)."""
    secret = secrets.token_urlsafe(32)
    Registration.objects.filter(pk=registration.pk).update(token_hash=_hash(secret))
    return secret


@transaction.atomic
def choose_registration_organisation(
    secret: str,
    *,
    proof: str = "",
    new_organisation_name: str = "",
    country: str = "",
    new_account: bool | None = None,
) -> Registration:
    """Step 3: a serial or contract id that proves the organisation, or a request for a new
    customer account. ``new_account`` says which the person chose; left out, a proof given
    means the first. Errors name the field of the chosen way that is wrong."""
    registration = registration_for(secret)
    if registration.status != RegistrationStatus.VERIFIED:
        raise Conflict(_("Verify your e-mail address first."))
    proof = (proof or "").strip()
    if new_account is None:
        new_account = not proof
    if not new_account:
        if not proof:
            text = _("Enter the serial number of one of your units, or your contract id.")
            raise ValidationFailed(text, fields={"proof": text})
        if len(proof) > 100 or "\x00" in proof:
            text = _("This is not a serial number or contract id.")
            raise ValidationFailed(text, fields={"proof": text})
        organisation = next((org for resolve in _proof_resolvers if (org := resolve(proof)) is not None), None)
        if organisation is None:
            raise ValidationFailed(
                _("We found no product or contract with that number. Check it, or ask for a new customer account."),
                fields={"proof": _("We found no unit or contract with this number.")},
            )
        registration.organisation = organisation
        registration.proof = proof
        registration.new_organisation_name = ""
        registration.new_organisation_country = ""
    else:
        errors: dict[str, str] = {}
        name = (new_organisation_name or "").strip()
        if not name:
            errors["new_organisation_name"] = _("Enter your company's name.")
        elif len(name) > 200 or "\x00" in name:
            errors["new_organisation_name"] = _("Shorten the company name to at most 200 characters.")
        code = (country or "").strip().upper()
        if not is_country(code):
            errors["country"] = _("Choose the country your company is in.")
        if errors:
            raise ValidationFailed(" ".join(errors.values()), fields=errors)
        registration.organisation = None
        registration.proof = ""
        registration.new_organisation_name = name
        registration.new_organisation_country = code
    registration.save()
    return registration


@transaction.atomic
def finish_registration(secret: str, *, password: str, accept_terms: bool) -> Registration:
    """Step 4: password and terms. With a proved organisation the account is made at once,
    or, where the organisation's administrator approves new members (D-1.4), it waits for
    them; either way they are told. A new-account request waits for a care agent."""
    registration = registration_for(secret)
    if registration.status != RegistrationStatus.VERIFIED or (
        registration.organisation_id is None and not registration.new_organisation_name
    ):
        raise Conflict(_("Complete the earlier registration steps first."))
    if not accept_terms:
        text = _("Please accept the terms of use to continue.")
        raise ValidationFailed(text, fields={"accept_terms": text})
    probe = User(email=registration.email, full_name=registration.full_name)
    _check_new_password(password, probe)
    registration.password_hash = make_password(password)
    registration.terms_accepted_at = now()
    organisation = registration.organisation
    if organisation is not None and members_need_approval(organisation):
        registration.status = RegistrationStatus.AWAITING_ORG_ADMIN
        registration.save()
        audit.record(registration, "awaiting_org_admin", None, {"organisation": organisation.pk})
        events.emit(events.MembershipRequested(organisation=organisation, registration=registration))
    elif organisation is not None:
        user = _create_registered_user(registration, organisation.pk)
        registration.user = user
        registration.status = RegistrationStatus.COMPLETED
        registration.save()
        events.emit(
            events.MemberJoinedByProof(
                organisation=organisation, member=user, proof=registration.proof, removal_token=removal_token(user)
            )
        )
    else:
        registration.status = RegistrationStatus.AWAITING_APPROVAL
        registration.save()
    return registration


def _create_registered_user(registration: Registration, organisation_id: int) -> User:
    if User.objects.filter(email=registration.email).exists():
        raise Conflict(_("An account with this e-mail address exists already."))
    user = User(
        email=registration.email,
        full_name=registration.full_name,
        organisation_id=organisation_id,
        password=registration.password_hash,
        password_changed_at=now(),
        language=registration.language,  # they registered in it: their pages and e-mails keep it
    )
    user.save()
    audit.record(user, "registered", user, {"organisation": organisation_id})
    return user


@transaction.atomic
def decide_registration(registration_id: int, agent: User, *, approve: bool, note: str = "") -> Registration:
    """A care agent approves (creating the organisation and the user) or rejects a
    request for a new customer account."""
    require(agent, Capability.APPROVE_REGISTRATIONS)  # D-1.4: a care agent approves, whichever one is named
    registration = Registration.objects.select_for_update().filter(pk=registration_id).first()
    if registration is None:
        raise NotFound(_("No such registration."))
    if registration.status != RegistrationStatus.AWAITING_APPROVAL:
        raise Conflict(_("This registration is not waiting for a decision."))
    registration.decided_by = agent
    registration.decided_at = now()
    registration.decision_note = clean_text(note, field="note", max_length=500, required=False)
    if approve:
        organisation = Organisation.objects.create(
            name=registration.new_organisation_name,
            kind=OrganisationKind.CUSTOMER,
            country=registration.new_organisation_country,
        )
        audit.record(organisation, "created", agent, {"name": organisation.name, "from_registration": registration.pk})
        registration.organisation = organisation
        registration.user = _create_registered_user(registration, organisation.pk)
        registration.status = RegistrationStatus.COMPLETED
        words = {"centre": settings.SUPPORT_CENTRE_NAME, "name": registration.full_name,
                 "organisation": organisation.name, "link": link("/login/")}  # fmt: skip
        with _in_language(registration.language):  # the registrant's, not the deciding person's
            send_after_commit(
                registration.email,
                _("%(centre)s: your account is ready") % words,
                _("Hello %(name)s,\n\nYour account for %(organisation)s was approved. Log in at %(link)s.\n") % words,
            )
    else:
        registration.status = RegistrationStatus.REJECTED
        words = {"centre": settings.SUPPORT_CENTRE_NAME, "name": registration.full_name}
        with _in_language(registration.language):  # the registrant's, not the deciding person's
            send_after_commit(
                registration.email,
                _("%(centre)s: your registration") % words,
                _("Hello %(name)s,\n\nWe could not approve your request for a new customer account.") % words
                + (f"\n\n{registration.decision_note}" if registration.decision_note else "")
                + "\n",
            )
    registration.save()
    audit.record(registration, "approved" if approve else "rejected", agent, {"note": registration.decision_note})
    return registration


# --- an organisation's members (D-1.2, D-1.4) ---------------------------------------------------

REMOVAL_SALT = "caredesk.accounts.member-removal"


def require_member_manager(actor: User) -> None:
    """Staff manage people's accounts with MANAGE_USERS; an organisation administrator
    manages their own organisation's members."""
    if actor.is_vendor_staff:
        require(actor, Capability.MANAGE_USERS)
    else:
        require(actor, Capability.MANAGE_ORGANISATION_MEMBERS)


def removal_token(member: User) -> str:
    """The signed part of the one-click removal link that the administrators' notice of a
    new member carries. It names the member and their organisation and expires after
    MEMBER_REMOVAL_LINK_DAYS; it removes nobody by itself: the link opens a confirmation
    page for a logged-in administrator of that organisation."""
    return signing.dumps({"m": member.pk, "o": member.organisation_id}, salt=REMOVAL_SALT)


def member_for_removal(actor: User, token: str) -> User:
    """The member a removal link names, if ``actor`` may remove them; NotFound when the
    link is wrong, expired or for an organisation ``actor`` does not manage."""
    require_member_manager(actor)
    try:
        data = signing.loads(token or "", salt=REMOVAL_SALT, max_age=settings.MEMBER_REMOVAL_LINK_DAYS * 86400)
        member_id, organisation_id = int(data["m"]), int(data["o"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound(_("This removal link is not valid or has expired.")) from None
    organisation = managed_organisation(actor, organisation_id)
    member = User.objects.filter(pk=member_id, organisation=organisation).first()
    if member is None:
        raise NotFound(_("This removal link is not valid or has expired."))
    return member


def _forget_cached_tokens(user_id: int) -> None:
    for key in [k for k, cached in _token_cache.items() if cached.user.pk == user_id]:
        _token_cache.pop(key, None)


@transaction.atomic
def remove_member(actor: User, member_id: int, *, organisation_id: int | None = None) -> User:
    """Take a person out of their organisation: their membership, and with it their
    account, stops working (D-1.4). Nothing is deleted: cases keep their contact and the
    audit trail its names. An administrator removes no one outside their organisation, and
    not themselves."""
    require_member_manager(actor)
    people = User.objects.select_for_update().filter(organisation__in=managed_organisations(actor))
    if organisation_id is not None:
        people = people.filter(organisation_id=organisation_id)
    member = people.filter(pk=member_id).first() if 0 < member_id < 2**62 else None
    if member is None:
        raise NotFound(_("No such person."))
    if member.pk == actor.pk:
        raise Conflict(_("You cannot remove yourself. Ask another administrator of your organisation."))
    if member.is_active:
        member.is_active = False
        member.save(update_fields=["is_active"])
        audit.record(member, "membership_removed", actor, {"organisation": member.organisation_id,
                                                             "is_active": [True, False]})  # fmt: skip
        transaction.on_commit(lambda: _forget_cached_tokens(member.pk))
    return member


@transaction.atomic
def remove_association(actor: User, user_id: int, organisation_id: int) -> None:
    """End a person's association with a customer organisation (a consultant, D-1.2): they
    no longer act for it or see its cases (D-1.3). Staff who manage users, or that
    organisation's administrator."""
    require_member_manager(actor)
    organisation = managed_organisation(actor, organisation_id)
    person = User.objects.filter(pk=user_id).first() if 0 < user_id < 2**62 else None
    links = User.associations.through.objects.filter(user_id=user_id, organisation_id=organisation.pk)
    if person is None or not links.exists():
        raise NotFound(_("This person is not associated with the organisation."))
    links.delete()
    audit.record(person, "association_removed", actor, {"organisation": organisation.pk})
    transaction.on_commit(lambda: _forget_cached_tokens(user_id))


@transaction.atomic
def set_member_approval(actor: User, organisation_id: int, required: bool) -> Organisation:
    """D-1.4 (setting per organisation): whether people who prove the organisation wait
    for its administrator's approval."""
    require_member_manager(actor)
    organisation = managed_organisation(actor, organisation_id)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = organisation.members_need_approval
    if before is not required:
        organisation.members_need_approval = required
        organisation.save(update_fields=["members_need_approval"])
        audit.record(organisation, "member_approval_changed", actor, {"members_need_approval": [before, required]})
    return organisation


@transaction.atomic
def decide_membership(actor: User, registration_id: int, *, approve: bool, note: str = "") -> Registration:
    """An organisation's administrator (or staff who manage users) lets in, or turns away,
    someone who proved the organisation and waits (D-1.4). They hear of it by e-mail."""
    require_member_manager(actor)
    registration = (
        Registration.objects.select_for_update()
        .filter(pk=registration_id, organisation__in=managed_organisations(actor))
        .first()
        if 0 < registration_id < 2**62
        else None
    )
    if registration is None or registration.organisation is None:
        raise NotFound(_("No such request."))
    if registration.status != RegistrationStatus.AWAITING_ORG_ADMIN:
        raise Conflict(_("This request is not waiting for a decision."))
    organisation = registration.organisation
    registration.decided_by = actor
    registration.decided_at = now()
    registration.decision_note = clean_text(note, field="note", max_length=500, required=False)
    if approve:
        registration.user = _create_registered_user(registration, organisation.pk)
        registration.status = RegistrationStatus.COMPLETED
        words = {"centre": settings.SUPPORT_CENTRE_NAME, "name": registration.full_name,
                 "organisation": organisation.name, "link": link("/login/")}  # fmt: skip
        with _in_language(registration.language):  # the registrant's, not the deciding person's
            send_after_commit(
                registration.email,
                _("%(centre)s: your account is ready") % words,
                _(
                    "Hello %(name)s,\n\nAn administrator of %(organisation)s confirmed your account. "
                    "Log in at %(link)s.\n"
                )
                % words,
            )
    else:
        registration.status = RegistrationStatus.REJECTED
        words = {"centre": settings.SUPPORT_CENTRE_NAME, "name": registration.full_name,
                 "organisation": organisation.name}  # fmt: skip
        with _in_language(registration.language):  # the registrant's, not the deciding person's
            send_after_commit(
                registration.email,
                _("%(centre)s: your registration") % words,
                _("Hello %(name)s,\n\nAn administrator of %(organisation)s did not confirm that you work there, "
                  "so no account was made.") % words
                + (f"\n\n{registration.decision_note}" if registration.decision_note else "")
                + "\n",
            )  # fmt: skip
    registration.save()
    audit.record(registration, "member_approved" if approve else "member_refused", actor,
                 {"organisation": organisation.pk, "note": registration.decision_note})  # fmt: skip
    return registration


# --- API tokens -----------------------------------------------------------------------------

TOKEN_PREFIX = "cd_"  # noqa: S105 - marks our tokens in logs and secret scanners


@dataclass
class IssuedToken:
    token: ApiToken
    secret: str


@transaction.atomic
def issue_api_token(user: User, name: str) -> IssuedToken:
    label = clean_text(name, field="name", max_length=100)
    if user.api_tokens.filter(revoked_at__isnull=True).count() >= 20:
        raise Conflict(_("You have 20 active tokens already; revoke one first."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=label, prefix=secret[:10], key_hash=_hash(secret))
    audit.record(token, "created", user, {"name": label})
    return IssuedToken(token=token, secret=secret)


def issue_api_token_with_password(email: str, password: str, name: str, *, client_ip: str) -> IssuedToken:
    """For programs: exchange the user's credentials for a token, under the login throttles."""
    return issue_api_token(authenticate_for_token(email, password, client_ip=client_ip), name)


def authenticate_for_token(email: str, password: str, *, client_ip: str) -> User:
    """The user whose credentials a program sent for a token, under the login throttles."""
    ratelimit.hit("token-ip", client_ip, limit=settings.LOGIN_RATE_PER_IP, window=60)
    result = log_in(email, password, client_ip=client_ip)
    if result.must_change_password:
        raise Forbidden(_("Your password has expired. Change it in the portal first."), code="password_expired")
    return result.user


@transaction.atomic
def revoke_api_token(user: User, token_id: int) -> None:
    token = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).first()
    if token is None:
        raise NotFound(_("No such token."))
    token.revoked_at = now()
    token.save(update_fields=["revoked_at"])
    audit.record(token, "revoked", user)
    _token_cache.pop(token.key_hash, None)


@dataclass
class _CachedToken:
    until: float
    token_id: int
    user: User
    last_used_at: datetime | None


# Looking a token up is the first thing every API request does. Each process keeps what
# it found for a few seconds (TOKEN_CACHE_SECONDS) and so spares the database that query.
# Revoking clears the entry in the revoking process at once and in every other process
# within those seconds; the password policy is still checked on every request.
_token_cache: dict[str, _CachedToken] = {}
_TOKEN_CACHE_MAX = 10_000


def _lookup_token(key_hash: str) -> _CachedToken | None:
    ttl = settings.TOKEN_CACHE_SECONDS
    moment = time.monotonic()
    cached = _token_cache.get(key_hash)
    if cached is not None and cached.until > moment:
        return cached
    token = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(key_hash=key_hash, revoked_at__isnull=True, user__is_active=True)
        .order_by()
        .first()
    )
    if token is None:
        _token_cache.pop(key_hash, None)
        return None
    found = _CachedToken(moment + ttl, token.pk, token.user, token.last_used_at)
    if ttl > 0:
        if len(_token_cache) >= _TOKEN_CACHE_MAX:
            _token_cache.clear()
        _token_cache[key_hash] = found
    return found


def user_for_token(secret: str) -> User | None:
    """The active user a bearer token belongs to, or None.
    Raises Forbidden while the user's password is expired (D-1.5)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    found = _lookup_token(_hash(secret))
    if found is None:
        return None
    user = found.user
    moment = now()
    state = current_password_state(user)
    if state is PasswordState.LOCKED:
        return None
    if state is PasswordState.EXPIRED:
        # D-1.5: an expired password allows nothing but changing it, for programs too.
        raise Forbidden(_("Your password has expired. Change it in the portal first."), code="password_expired")
    # Touch last_used_at at most once a minute: a write per request would cost throughput.
    if found.last_used_at is None or moment - found.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=found.token_id).update(last_used_at=moment)
        found.last_used_at = moment
    return user


# --- organisations and users (used by the admin, the demo and tests) ------------------------


@transaction.atomic
def create_organisation(
    name: str,
    kind: str,
    *,
    actor: User | None = None,
    government: bool = False,
    country: str = "",
    account_number: str | None = None,
) -> Organisation:
    if kind not in OrganisationKind.values:
        raise ValidationFailed(_("Unknown organisation kind."), fields={"kind": _("customer, partner or vendor")})
    account = (account_number or "").strip() or None
    if account is not None and Organisation.objects.filter(account_number=account).exists():
        raise Conflict(_("An organisation with this account number exists already."))
    organisation = Organisation.objects.create(
        name=clean_text(name, field="name", max_length=200),
        kind=kind,
        government=government,
        country=country,
        account_number=account,
    )
    audit.record(organisation, "created", actor, {"name": organisation.name, "kind": kind, "government": government})
    return organisation


@transaction.atomic
def add_site(
    organisation: Organisation, code: str, name: str, country: str, *, actor: User | None = None, **address: str
) -> Site:
    if Site.objects.filter(code=code).exists():
        raise Conflict(_("A site with this site id exists already."))
    if "subdivision" in address:
        address["subdivision"] = address["subdivision"].strip().upper()
    site = Site.objects.create(organisation=organisation, code=code, name=name, country=country.upper(), **address)
    audit.record(site, "created", actor, {"code": code, "name": name})
    return site


@transaction.atomic
def link_partner(partner: Organisation, customer: Organisation, *, actor: User | None = None) -> None:
    if partner.kind != OrganisationKind.PARTNER or customer.kind != OrganisationKind.CUSTOMER:
        raise ValidationFailed(_("Only a partner can be linked to a customer."))
    partner.customers.add(customer)
    audit.record(partner, "customer_linked", actor, {"customer": customer.pk})


@transaction.atomic
def create_user(
    email: str,
    full_name: str,
    organisation: Organisation,
    password: str | None,
    *,
    actor: User | None = None,
    roles: list[str] | None = None,
    gov_cleared: bool = False,
    associations: list[Organisation] | None = None,
    language: str = "",
    site_admin: bool = False,
) -> User:
    address = _normalise_email(email)
    if User.objects.filter(email=address).exists():
        raise Conflict(_("A user with this e-mail address exists already."))
    wrong = [r for r in roles or [] if r not in roles_for_kind(organisation.kind)]
    if wrong:
        raise ValidationFailed(
            _("A member of this organisation cannot hold these roles."),
            fields={"roles": _("Not allowed: %(roles)s.") % {"roles": ", ".join(wrong)}},
        )
    if (site_admin or gov_cleared) and organisation.kind != OrganisationKind.VENDOR:
        raise ValidationFailed(_("Only vendor staff have roles."), fields={"roles": _("Vendor staff only.")})
    user = User.objects.create_user(
        address,
        password,
        full_name=clean_text(full_name, field="full_name", max_length=200),
        organisation=organisation,
        roles=list(roles or []),
        gov_cleared=gov_cleared,
        language=language,
        is_staff=site_admin,
        is_superuser=site_admin,
    )
    if associations:
        user.associations.set(associations)
    audit.record(user, "created", actor, {"organisation": organisation.pk, "roles": roles or []})
    return user


# --- profile (D-7.5) -------------------------------------------------------------------

PROFILE_FIELDS = ("full_name", "phone", "mobile_phone", "language", "time_zone")


def language_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


@functools.cache
def time_zone_names() -> frozenset[str]:
    """IANA zone names a person may choose (``tzdata``'s list, without the legacy aliases)."""
    return frozenset(
        name for name in zoneinfo.available_timezones() if "/" in name and not name.startswith(("Etc/", "SystemV/"))
    ) | {"UTC"}


def _profile_value(user: User, name: str, raw: str) -> str:
    """One profile field, checked and normalised: phone numbers as E.164 (national formats
    read with the organisation's country), blank meaning "none" for the optional fields."""
    text = (raw or "").strip()
    if name == "full_name":
        return clean_text(text, field=name, max_length=200)
    if name in {"phone", "mobile_phone"}:
        if not text:
            return ""
        return e164(text, field=name, region=user.organisation.country or settings.SUPPORT_COUNTRY)
    if name == "language":
        if text and text not in language_codes():
            raise ValidationFailed(
                _("Choose one of the languages offered."), fields={name: _("Not a language we offer.")}
            )
        return text
    if text and text not in time_zone_names():
        raise ValidationFailed(
            _("Choose a time zone from the list."), fields={name: _("Not a time zone, e.g. Europe/Berlin.")}
        )
    return text


@transaction.atomic
def update_profile(user: User, changes: dict[str, str]) -> User:
    """Change one's own name, phone numbers, language and time zone: all or nothing, each
    change in the audit trail."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationFailed(_("Only your own profile's fields can be changed."),
                               fields={name: _("Not a field of the profile.") for name in sorted(unknown)})  # fmt: skip
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for name, raw in changes.items():
        try:
            values[name] = _profile_value(user, name, raw)
        except ValidationFailed as exc:
            errors.update(exc.fields or {name: exc.message})
    if errors:
        raise ValidationFailed(_("Your profile could not be saved: some fields need attention."), fields=errors)
    changed = {name: [getattr(user, name), value] for name, value in values.items() if getattr(user, name) != value}
    if changed:
        User.objects.filter(pk=user.pk).update(**{name: new for name, (_old, new) in changed.items()})
        for name, (_old, new) in changed.items():
            setattr(user, name, new)
        audit.record(user, "profile_changed", user, changed)
    return user


def set_language(user: User, code: str) -> None:
    """The language switcher of every page, for a person who is logged in: remembered on
    their profile so that pages on every device and their e-mails (D-7.4) follow it."""
    update_profile(user, {"language": code})
