"""The translation catalogues (D-7.5): ``caredesk/locale/<language>/LC_MESSAGES/django.po``,
written by people, and the compiled ``django.mo`` next to each, which Django reads.

Both are checked in, so ``make run`` on a fresh machine needs no system gettext. They are
compiled here with polib (pure Python); ``problems()`` is what the test suite and
``caredesk messages --check`` hold them to: every language has every message, none is
untranslated or fuzzy, placeholders match, and each ``.mo`` is the compiled form of its
``.po``. Extracting new messages (``caredesk messages``) uses Django's ``makemessages``,
which needs GNU gettext on the developer's machine only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polib  # type: ignore[import-untyped]  # no stubs published
from django.conf import settings

SOURCE_LANGUAGE = "en"  # msgids are English: no catalogue of its own
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]|\{\w*\}")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b")


@dataclass(frozen=True)
class Catalogue:
    language: str
    po: Path

    @property
    def mo(self) -> Path:
        return self.po.with_suffix(".mo")


def locale_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0])


def catalogues() -> list[Catalogue]:
    """One catalogue per translated language of ``settings.LANGUAGES``, present or not."""
    return [
        Catalogue(code, locale_dir() / code / "LC_MESSAGES" / "django.po")
        for code, _name in settings.LANGUAGES
        if code != SOURCE_LANGUAGE
    ]


def _key(entry: polib.POEntry | polib.MOEntry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


def _translations(entries: list[polib.POEntry] | list[polib.MOEntry]) -> dict[tuple[str, str], tuple[str, ...]]:
    out = {}
    for entry in entries:
        if not entry.msgid:
            continue  # the header
        if entry.msgid_plural:
            out[_key(entry)] = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
        else:
            out[_key(entry)] = (entry.msgstr,)
    return out


def _live(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete]


def compile_all() -> list[Path]:
    """Write each catalogue's ``.mo`` from its ``.po`` (fuzzy entries are left out, as
    ``msgfmt`` does); the paths written."""
    written = []
    for catalogue in catalogues():
        if catalogue.po.exists():
            po = polib.pofile(str(catalogue.po))
            for entry in po.fuzzy_entries():
                entry.msgstr = ""
                entry.msgstr_plural = {i: "" for i in entry.msgstr_plural}
            po.save_as_mofile(str(catalogue.mo))
            written.append(catalogue.mo)
    return written


def _mismatch(msgid: str, translated: str) -> str | None:
    wanted, got = sorted(PLACEHOLDER.findall(msgid)), sorted(PLACEHOLDER.findall(translated))
    if wanted != got:
        return f"placeholders {wanted} became {got}"
    if sorted(TAG.findall(msgid)) != sorted(TAG.findall(translated)):
        return "its HTML tags differ"
    return None


def problems() -> list[str]:
    """What keeps the catalogues from shipping; empty when they are complete and compiled."""
    found: list[str] = []
    messages: dict[str, set[tuple[str, str]]] = {}
    for catalogue in catalogues():
        where = catalogue.po.relative_to(locale_dir().parent)
        if not catalogue.po.exists():
            found.append(f"{where}: missing")
            continue
        po = polib.pofile(str(catalogue.po))
        live = _live(po)
        messages[catalogue.language] = {_key(e) for e in live if e.msgid}
        for entry in live:
            if not entry.msgid:
                continue
            if "fuzzy" in entry.flags:
                found.append(f"{where}: fuzzy: {entry.msgid!r}")
            forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
            if not all(forms):
                found.append(f"{where}: untranslated: {entry.msgid!r}")
                continue
            if entry.msgid_plural:
                # A plural form may leave out the count ("One case") but not invent a value.
                known = set(PLACEHOLDER.findall(entry.msgid)) | set(PLACEHOLDER.findall(entry.msgid_plural))
                if any(set(PLACEHOLDER.findall(form)) - known for form in forms):
                    found.append(f"{where}: {entry.msgid!r}: a plural form has a placeholder the English lacks")
            else:
                trouble = _mismatch(entry.msgid, entry.msgstr)
                if trouble:
                    found.append(f"{where}: {entry.msgid!r}: {trouble}")
        if not catalogue.mo.exists():
            found.append(f"{where.with_suffix('.mo')}: not compiled (caredesk messages --compile)")
        elif _translations(polib.mofile(str(catalogue.mo))) != _translations(
            [e for e in live if "fuzzy" not in e.flags and e.msgid]
        ):
            found.append(f"{where.with_suffix('.mo')}: older than its .po (caredesk messages --compile)")
    every = set().union(*messages.values()) if messages else set()
    for language, keys in sorted(messages.items()):
        for context, msgid in sorted(every - keys):
            found.append(f"{language}: lacks {msgid!r}{f' ({context})' if context else ''}")
    return found
