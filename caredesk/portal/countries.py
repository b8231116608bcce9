"""Country names for the country selects, from the ISO 3166 table that ships with tzdata
(already a dependency), so no list is copied into the code."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def countries() -> list[tuple[str, str]]:
    """``[(code, name), …]`` sorted by name."""
    text = resources.files("tzdata").joinpath("zoneinfo/iso3166.tab").read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            code, _, name = line.partition("\t")
            rows.append((code.strip(), name.strip()))
    return sorted(rows, key=lambda row: row[1])


def country_choices(blank: str = "Choose a country") -> list[tuple[str, str]]:
    return [("", blank), *countries()]
