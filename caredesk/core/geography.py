"""Places: which countries are EU member states and what counts as the continental USA.

These are facts, not choices of one vendor, so they live in code. Sales regions, depots
and return addresses are vendor data and live in the database.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

# The 27 member states of the European Union (ISO 3166 alpha-2), as of 2026. Greece is
# "GR" in ISO 3166 (the EU itself writes "EL"). The United Kingdom left on 2020-01-31.
EU_MEMBER_STATES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)

# Subdivisions of the US (ISO 3166-2) outside the contiguous 48 states and the District of
# Columbia. Puerto Rico, Guam and the other territories also have country codes of their
# own (PR, GU, VI, AS, MP, UM); either way they are not continental.
US_NON_CONTINENTAL = frozenset({"US-AK", "US-HI", "US-PR", "US-GU", "US-VI", "US-AS", "US-MP", "US-UM"})


def is_eu(country: str) -> bool:
    return (country or "").upper() in EU_MEMBER_STATES


def is_continental_us(country: str, subdivision: str) -> bool | None:
    """True or False for a US address; None when a US address has no subdivision, so
    that cannot be told."""
    if (country or "").upper() != "US":
        return False
    code = (subdivision or "").strip().upper()
    if not code:
        return None
    if not code.startswith("US-"):
        code = f"US-{code}"
    return code not in US_NON_CONTINENTAL


# --- country names (ISO 3166-1) ---------------------------------------------------------------


@cache
def _countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code → English short name, from pycountry (the ISO 3166 tables
    of Debian's iso-codes). The common name where ISO's is a long form ("South Korea",
    not "Korea, Republic of"); the names are ISO's, not the time-zone table's."""
    import pycountry

    return {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}


@cache
def _translated(language: str) -> Callable[[str], str]:
    import gettext

    import pycountry

    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language]).gettext
    except OSError:
        return str


def is_country(code: str) -> bool:
    return (code or "").upper() in _countries()


def country_name(code: str, language: str = "en") -> str:
    """The country's name in ``language`` (English when it has no translation); the code
    itself for a code ISO 3166 does not know."""
    name = _countries().get((code or "").upper())
    if name is None:
        return code
    return name if language.startswith("en") else _translated(language.split("-")[0])(name)


def countries(language: str = "en") -> list[tuple[str, str]]:
    """``[(code, name), …]`` of every ISO 3166-1 country, sorted by name in ``language``."""
    return list(_sorted_countries(language))


@cache
def _sorted_countries(language: str) -> tuple[tuple[str, str], ...]:
    # Translating and sorting 249 names costs more than the rest of a form: once per language.
    rows = [(code, country_name(code, language)) for code in _countries()]
    return tuple(sorted(rows, key=lambda row: _sort_key(row[1])))


def _sort_key(name: str) -> str:
    """Sort "Åland Islands" with A and "Côte d'Ivoire" with C, whatever the locale."""
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch)).casefold()
