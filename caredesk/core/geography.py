"""Places: which countries are EU member states and what counts as the continental USA.

These are facts, not choices of one vendor, so they live in code. Sales regions, depots
and return addresses are vendor data and live in the database.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

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


@cache
def country_codes() -> frozenset[str]:
    """Every ISO 3166 alpha-2 code, from the table that ships with tzdata (a dependency)."""
    text = resources.files("tzdata").joinpath("zoneinfo/iso3166.tab").read_text(encoding="utf-8")
    return frozenset(line.split("\t", 1)[0].strip() for line in text.splitlines() if line and line[0] != "#")


def is_country(code: str) -> bool:
    """Whether ``code`` (in capitals) is an ISO 3166 alpha-2 country code."""
    return code in country_codes()
