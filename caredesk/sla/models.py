"""Response targets (D-4.1), business calendars (D-4.2) and the management-escalation
matrix (D-4.4), all as data an operator edits in the admin site."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PRIORITIES = ("P1", "P2", "P3", "P4")  # the cases' priorities (D-3.4)
PRIORITY_CHOICES = [(p, p) for p in PRIORITIES]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _validate_weekdays(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in value):
        raise ValidationError(_("A list of weekdays from 0 (Monday) to 6 (Sunday)."))
    if len(set(value)) != len(value):
        raise ValidationError(_("Each weekday once."))
    if not value:
        raise ValidationError(_("At least one working day: the business clock would never run."))


def _validate_zone(value: str) -> None:
    if not value:
        return
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("%(zone)s is not an IANA time zone such as America/Los_Angeles.") % {"zone": repr(value)}
        ) from exc


def _validate_country(value: str) -> None:
    if not value:
        return
    import holidays

    if value.upper() not in holidays.list_supported_countries():
        raise ValidationError(
            _("No public holidays are known for %(country)s; use an ISO 3166 code such as US.")
            % {"country": repr(value)}
        )


class BusinessCalendar(models.Model):
    """When the business clock runs (D-4.2). The support centre's calendar is the one
    marked so; an empty zone or country means the support centre's settings
    (CAREDESK_SUPPORT_TIME_ZONE, CAREDESK_SUPPORT_COUNTRY), so by default there is one
    source of truth for the centre's zone."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    time_zone = models.CharField(max_length=64, blank=True, validators=[_validate_zone])
    country = models.CharField(
        max_length=2,
        blank=True,
        validators=[_validate_country],
        help_text=gettext_lazy("Public holidays of this country"),
    )
    subdivision = models.CharField(
        max_length=8, blank=True, help_text=gettext_lazy("Optional: a state's holidays as well")
    )
    working_days = models.JSONField(
        default=list, validators=[_validate_weekdays], help_text=gettext_lazy("0 = Monday … 6 = Sunday")
    )
    support_centre = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["support_centre"], condition=models.Q(support_centre=True), name="one_support_centre_calendar"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        import holidays
        from django.conf import settings

        country = (self.country or settings.SUPPORT_COUNTRY).upper()
        if self.subdivision:
            known = holidays.list_supported_countries().get(country, []) if country else []
            if self.subdivision.upper() not in {s.upper() for s in known}:
                raise ValidationError(
                    {
                        "subdivision": _("Not a subdivision of %(country)s known for holidays.") % {"country": country}
                        if country
                        else _("Not a subdivision of any country known for holidays.")
                    }
                )


class Closure(models.Model):
    """A day the operator closes the centre besides the public holidays."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="closures")
    day = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["calendar", "day"], name="one_closure_a_day")]
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.reason}".strip()


class Clock(models.TextChoices):
    ELAPSED = "elapsed", gettext_lazy("Round the clock")
    BUSINESS = "business", gettext_lazy("Business clock")


class ResponseTarget(models.Model):
    """How soon the first customer-visible staff response is due, per priority (D-4.1)."""

    priority = models.CharField(max_length=2, choices=PRIORITY_CHOICES, unique=True)
    minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    clock = models.CharField(max_length=8, choices=Clock.choices)

    class Meta:
        ordering = ["priority"]

    def __str__(self) -> str:
        return f"{self.priority}: {self.minutes} min ({self.clock})"


class EscalationLevel(models.IntegerChoices):
    """Who hears of an unresolved case, in order (D-4.4)."""

    TEAM_LEAD = 1, gettext_lazy("Team lead")
    CARE_MANAGER = 2, gettext_lazy("Care manager")
    DIRECTOR = 3, gettext_lazy("Director")


class EscalationThreshold(models.Model):
    """After how long, round the clock, an unresolved case of a priority is brought to a
    level's attention (D-4.4)."""

    priority = models.CharField(max_length=2, choices=PRIORITY_CHOICES)
    level = models.PositiveSmallIntegerField(choices=EscalationLevel.choices)
    after_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["priority", "level"]
        constraints = [models.UniqueConstraint(fields=["priority", "level"], name="one_threshold_a_level")]

    def __str__(self) -> str:
        return f"{self.priority} → {self.get_level_display()} after {self.after_minutes} min"
