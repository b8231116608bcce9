"""Machine translation for staff (D-7.5): one interface, chosen by settings.

``engine()`` is the configured :class:`Engine` (``CAREDESK_TRANSLATION_URL``: a
self-hosted server speaking the LibreTranslate HTTP API), or None: then pages offer no
"translate" button. Staff translate a customer's message (``translate_message``) or their
own draft reply (``translate_draft``); each result is kept (``models.Translation``) so a
text goes to the server once per language, and the original is always kept and shown.
"""

from __future__ import annotations

import hashlib
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, require
from caredesk.accounts.models import User
from caredesk.cases.models import Case, CaseMessage
from caredesk.cases.queries import get_case
from caredesk.core.errors import Conflict, NotFound, ValidationFailed
from caredesk.translation import languages
from caredesk.translation.models import Translation

log = logging.getLogger(__name__)
MAX_TEXT = 20_000  # the longest text sent for translation: a message's own limit
UNDETERMINED = "und"  # ISO 639-2's code for a text whose language could not be told


class TranslationUnavailable(Exception):
    """The translation server did not answer, or answered nonsense."""


class Engine(Protocol):
    name: str

    def translate(self, text: str, *, source: str, target: str) -> str:
        """``text`` in ``target``; ``source`` is a language code or "auto"."""
        ...


class LibreTranslate:
    """The LibreTranslate HTTP API (``POST /translate``), which other self-hosted servers
    speak too. The server is a true external boundary: tests run it as a local fake."""

    name = "libretranslate"

    def __init__(self, url: str, *, api_key: str = "", timeout: float = 10) -> None:
        self.url, self.api_key, self.timeout = url.rstrip("/"), api_key, timeout

    def translate(self, text: str, *, source: str, target: str) -> str:
        body = {"q": text, "source": source or "auto", "target": target, "format": "text"}
        if self.api_key:
            body["api_key"] = self.api_key
        request = urllib.request.Request(  # noqa: S310 - the operator's own http(s) address
            f"{self.url}/translate",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read(2_000_000))
        except (OSError, urllib.error.URLError, ValueError) as exc:
            raise TranslationUnavailable(str(exc)) from exc
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(translated, str):
            raise TranslationUnavailable("no translatedText in the answer")
        return translated


def engine() -> Engine | None:
    if not settings.TRANSLATION_URL:
        return None
    return LibreTranslate(
        settings.TRANSLATION_URL, api_key=settings.TRANSLATION_API_KEY, timeout=settings.TRANSLATION_TIMEOUT_SECONDS
    )


@dataclass(frozen=True)
class Translated:
    original: str
    text: str
    source: str  # "" when unknown
    target: str
    cached: bool


def _targets() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def _translate(text: str, *, source: str, target: str) -> Translated:
    if target not in _targets():
        raise ValidationFailed(
            _("Choose one of the languages offered."), fields={"target": _("Not a language we offer.")}
        )
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("There is nothing to translate."), fields={"text": _("Please write something first.")})
    if len(text) > MAX_TEXT:
        raise ValidationFailed(
            _("The text is too long to translate."), fields={"text": _("At most 20,000 characters.")}
        )
    source = "" if source in {"", UNDETERMINED} else source  # unknown: the server detects it
    if source == target:
        return Translated(text, text, source, target, cached=True)
    digest = hashlib.sha256(text.encode()).hexdigest()
    key = source or "auto"
    kept = Translation.objects.filter(digest=digest, source=key, target=target).first()
    if kept is not None:
        return Translated(text, kept.text, source, target, cached=True)
    chosen = engine()
    if chosen is None:
        raise Conflict(_("No translation service is set up for this installation."), code="translation_off")
    try:
        result = chosen.translate(text, source=key, target=target)
    except TranslationUnavailable as exc:
        log.warning("translation server: %s", exc)
        raise Conflict(_("The translation service did not answer. Please try again later."),
                       code="translation_unavailable") from exc  # fmt: skip
    try:
        with transaction.atomic():
            Translation.objects.create(digest=digest, source=key, target=target, text=result, engine=chosen.name)
    except IntegrityError:
        pass  # another worker kept the same translation a moment ago
    return Translated(text, result, source, target, cached=False)


def translate_message(actor: User, case_id: str, message_id: int, target: str) -> Translated:
    """A message of a case the agent may work, in ``target``. Internal notes too: staff
    write them. The case's description is message id 0."""
    require(actor, Capability.TRANSLATE_MESSAGES)
    case = get_case(actor, case_id)
    if message_id == 0:
        return _translate(case.description, source=case.language, target=target)
    message = CaseMessage.objects.filter(case=case, pk=message_id).first()
    if message is None:
        raise NotFound(_("No such message."))
    return _translate(message.body, source=message.language, target=target)


def translate_draft(actor: User, text: str, target: str, *, source: str = "") -> Translated:
    """An agent's own draft reply, before sending it, in the customer's language."""
    require(actor, Capability.TRANSLATE_MESSAGES)
    return _translate(text, source=source, target=target)


def label_messages(limit: int = 500) -> int:
    """Label customers' new messages and case descriptions with their detected language;
    how many were labelled. A sweep of the job worker (``core.scheduler``)."""
    done = 0
    for model, text in ((Case, "description"), (CaseMessage, "body")):
        rows = model.objects.filter(language="").exclude(**({"from_staff": True} if model is CaseMessage else {}))
        for pk, value in rows.order_by("-pk").values_list("pk", text)[:limit]:
            model.objects.filter(pk=pk).update(language=languages.detect(value) or UNDETERMINED)
            done += 1
    return done
