"""Every state change of accounts: login, password policy, registration, API tokens.

Each function is one use case and one transaction; pages, the API and the CLI call
these and hold no rule of their own.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

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
from caredesk.core import audit, ratelimit
from caredesk.core.clock import now
from caredesk.core.errors import Conflict, Forbidden, NotFound, Throttled, Unauthenticated, ValidationFailed
from caredesk.core.mail import send_after_commit
from caredesk.core.validation import clean_text

LOGIN_SCOPE = "login"
_INVALID_LOGIN = "The e-mail address or password is not right."


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _normalise_email(email: str, field: str = "email") -> str:
    address = (email or "").strip().lower()
    try:
        validate_email(address)
    except DjangoValidationError:
        raise ValidationFailed("Enter a valid e-mail address.", fields={field: "Not a valid e-mail address."}) from None
    return address


def _check_new_password(password: str, user: User | None = None, field: str = "password") -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed("Choose a stronger password.", fields={field: " ".join(exc.messages)}) from None


# --- login and the password policy (D-1.5) ---------------------------------------------


@dataclass
class LoginResult:
    user: User
    must_change_password: bool


def log_in(email: str, password: str, *, client_ip: str) -> LoginResult:
    """Check credentials under the throttles and the password policy.

    Failed attempts are counted per address; at the limit the address is locked out for
    a while whatever password is tried next (D-1.5). A per-client limit slows down
    guessing across many addresses. An expired password logs in only to change it; a
    locked account is refused and told to use the reset link.
    """
    ratelimit.hit("login-ip", client_ip, limit=settings.LOGIN_RATE_PER_IP, window=60)
    address = (email or "").strip().lower()
    wait = ratelimit.blocked_for(LOGIN_SCOPE, address)
    if wait:
        raise Throttled(
            "Too many failed attempts for this address. Try again later or reset your password.", retry_after=wait
        )
    user = User.objects.select_related("organisation").filter(email=address).first()
    if user is None or not user.is_active or not user.check_password(password):
        if user is None:
            make_password(password)  # spend the same time as a real check
        ratelimit.count_failure(
            LOGIN_SCOPE,
            address,
            limit=settings.LOGIN_FAILURE_LIMIT,
            window=settings.LOGIN_LOCKOUT_SECONDS,
            lockout=settings.LOGIN_LOCKOUT_SECONDS,
        )
        raise Unauthenticated(_INVALID_LOGIN, code="invalid_credentials")
    state = current_password_state(user)
    if state is PasswordState.LOCKED:
        raise Forbidden(
            "This account is locked because its password was not changed in time. "
            "Use “Reset my password” to receive a link by e-mail.",
            code="account_locked",
        )
    ratelimit.clear_failures(LOGIN_SCOPE, address)
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


@transaction.atomic
def change_password(user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationFailed("The current password is not right.", fields={"old_password": "Not right."})
    if old_password == new_password:
        raise ValidationFailed("Choose a new password.", fields={"new_password": "Same as the current one."})
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
    link = f"{settings.BASE_URL}/reset/{uid}/{token}/"
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    with transaction.atomic():
        audit.record(user, "password_reset_requested", None)
        send_after_commit(
            user.email,
            f"{settings.SUPPORT_CENTRE_NAME}: reset your password",
            f"Hello {user.full_name},\n\nUse this link within {minutes} minutes to choose a new password:\n\n"
            f"{link}\n\nThe link works once. If you did not ask for it, ignore this message.\n",
        )


def user_for_reset(uidb64: str, token: str) -> User:
    """The user a reset link is for, or NotFound when the link is wrong, used or expired."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError):
        raise NotFound("This reset link is not valid or has expired.") from None
    user = User.objects.filter(pk=pk, is_active=True).first()
    # Django's token hashes the password and last login: it stops working once used.
    if user is None or not default_token_generator.check_token(user, token):
        raise NotFound("This reset link is not valid or has expired.")
    return user


@transaction.atomic
def complete_password_reset(uidb64: str, token: str, new_password: str) -> User:
    user = user_for_reset(uidb64, token)
    _check_new_password(new_password, user, "new_password")
    _set_password(user, new_password)
    ratelimit.clear_failures(LOGIN_SCOPE, user.email)
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
            send_after_commit(
                address,
                f"{settings.SUPPORT_CENTRE_NAME}: you already have an account",
                "Someone (perhaps you) tried to register this address. You already have an account; "
                f"log in at {settings.BASE_URL}/login/ or reset your password there.\n",
            )
            return
        Registration.objects.create(email=address, full_name=name, token_hash=_hash(secret))
        send_after_commit(
            address,
            f"{settings.SUPPORT_CENTRE_NAME}: confirm your e-mail address",
            f"Hello {name},\n\nConfirm your address to continue your registration:\n\n"
            f"{settings.BASE_URL}/register/verify/{secret}/\n\nThe link works once.\n",
        )


def registration_for(secret: str) -> Registration:
    registration = Registration.objects.filter(token_hash=_hash(secret or "")).first()
    if registration is None or registration.status in (RegistrationStatus.COMPLETED, RegistrationStatus.REJECTED):
        raise NotFound("This registration link is not valid.")
    age = now() - registration.created_at
    if age > timedelta(seconds=settings.REGISTRATION_LINK_SECONDS):
        raise NotFound("This registration link has expired. Please start again.")
    return registration


@transaction.atomic
def verify_registration(secret: str) -> tuple[Registration, str]:
    """Step 2: the link from the e-mail proves the address. In the same transaction it is
    replaced by a fresh secret, returned for the browser session to keep, so the e-mailed
    link cannot be used again and a failure leaves the link as it was."""
    registration = registration_for(secret)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != RegistrationStatus.STARTED:
        raise NotFound("This registration link was already used.")
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
    secret: str, *, proof: str = "", new_organisation_name: str = "", country: str = ""
) -> Registration:
    """Step 3: a serial or contract id that proves the organisation, or a request for a new
    customer account."""
    registration = registration_for(secret)
    if registration.status != RegistrationStatus.VERIFIED:
        raise Conflict("Verify your e-mail address first.")
    proof = (proof or "").strip()
    if proof:
        organisation = next((org for resolve in _proof_resolvers if (org := resolve(proof)) is not None), None)
        if organisation is None:
            raise ValidationFailed(
                "We found no product or contract with that number. Check it, or ask for a new customer account.",
                fields={"proof": "No match for this serial number or contract id."},
            )
        registration.organisation = organisation
        registration.proof = proof[:100]
        registration.new_organisation_name = ""
    else:
        name = clean_text(new_organisation_name, field="new_organisation_name", max_length=200)
        code = (country or "").strip().upper()
        if len(code) != 2 or not code.isalpha():
            raise ValidationFailed("Choose the country.", fields={"country": "Two-letter ISO country code."})
        registration.organisation = None
        registration.new_organisation_name = name
        registration.new_organisation_country = code
    registration.save()
    return registration


@transaction.atomic
def finish_registration(secret: str, *, password: str, accept_terms: bool) -> Registration:
    """Step 4: password and terms. With a proved organisation the account is created at
    once; a new-account request waits for a care agent."""
    registration = registration_for(secret)
    if registration.status != RegistrationStatus.VERIFIED or (
        registration.organisation_id is None and not registration.new_organisation_name
    ):
        raise Conflict("Complete the earlier registration steps first.")
    if not accept_terms:
        raise ValidationFailed("Accept the terms of use to continue.", fields={"accept_terms": "Required."})
    probe = User(email=registration.email, full_name=registration.full_name)
    _check_new_password(password, probe)
    registration.password_hash = make_password(password)
    registration.terms_accepted_at = now()
    if registration.organisation_id is not None:
        registration.user = _create_registered_user(registration, registration.organisation_id)
        registration.status = RegistrationStatus.COMPLETED
    else:
        registration.status = RegistrationStatus.AWAITING_APPROVAL
    registration.save()
    return registration


def _create_registered_user(registration: Registration, organisation_id: int) -> User:
    if User.objects.filter(email=registration.email).exists():
        raise Conflict("An account with this e-mail address exists already.")
    user = User(
        email=registration.email,
        full_name=registration.full_name,
        organisation_id=organisation_id,
        password=registration.password_hash,
        password_changed_at=now(),
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
        raise NotFound("No such registration.")
    if registration.status != RegistrationStatus.AWAITING_APPROVAL:
        raise Conflict("This registration is not waiting for a decision.")
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
        send_after_commit(
            registration.email,
            f"{settings.SUPPORT_CENTRE_NAME}: your account is ready",
            f"Hello {registration.full_name},\n\nYour account for {organisation.name} was approved. "
            f"Log in at {settings.BASE_URL}/login/.\n",
        )
    else:
        registration.status = RegistrationStatus.REJECTED
        send_after_commit(
            registration.email,
            f"{settings.SUPPORT_CENTRE_NAME}: your registration",
            f"Hello {registration.full_name},\n\nWe could not approve your request for a new customer account."
            + (f"\n\n{registration.decision_note}" if registration.decision_note else "")
            + "\n",
        )
    registration.save()
    audit.record(registration, "approved" if approve else "rejected", agent, {"note": registration.decision_note})
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
        raise Conflict("You have 20 active tokens already; revoke one first.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=label, prefix=secret[:10], key_hash=_hash(secret))
    audit.record(token, "created", user, {"name": label})
    return IssuedToken(token=token, secret=secret)


def issue_api_token_with_password(email: str, password: str, name: str, *, client_ip: str) -> IssuedToken:
    """For programs: exchange the user's credentials for a token, under the login throttles."""
    ratelimit.hit("token-ip", client_ip, limit=settings.LOGIN_RATE_PER_IP, window=60)
    result = log_in(email, password, client_ip=client_ip)
    if result.must_change_password:
        raise Forbidden("Your password has expired. Change it in the portal first.", code="password_expired")
    return issue_api_token(result.user, name)


@transaction.atomic
def revoke_api_token(user: User, token_id: int) -> None:
    token = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).first()
    if token is None:
        raise NotFound("No such token.")
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
        raise Forbidden("Your password has expired. Change it in the portal first.", code="password_expired")
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
        raise ValidationFailed("Unknown organisation kind.", fields={"kind": "customer, partner or vendor"})
    account = (account_number or "").strip() or None
    if account is not None and Organisation.objects.filter(account_number=account).exists():
        raise Conflict("An organisation with this account number exists already.")
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
        raise Conflict("A site with this site id exists already.")
    if "subdivision" in address:
        address["subdivision"] = address["subdivision"].strip().upper()
    site = Site.objects.create(organisation=organisation, code=code, name=name, country=country.upper(), **address)
    audit.record(site, "created", actor, {"code": code, "name": name})
    return site


@transaction.atomic
def link_partner(partner: Organisation, customer: Organisation, *, actor: User | None = None) -> None:
    if partner.kind != OrganisationKind.PARTNER or customer.kind != OrganisationKind.CUSTOMER:
        raise ValidationFailed("Only a partner can be linked to a customer.")
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
    language: str = "en",
    site_admin: bool = False,
) -> User:
    address = _normalise_email(email)
    if User.objects.filter(email=address).exists():
        raise Conflict("A user with this e-mail address exists already.")
    wrong = [r for r in roles or [] if r not in roles_for_kind(organisation.kind)]
    if wrong:
        raise ValidationFailed(
            "A member of this organisation cannot hold these roles.",
            fields={"roles": f"Not allowed: {', '.join(wrong)}."},
        )
    if (site_admin or gov_cleared) and organisation.kind != OrganisationKind.VENDOR:
        raise ValidationFailed("Only vendor staff have roles.", fields={"roles": "Vendor staff only."})
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
