"""Which language a text is in, offline (D-7.5): py3langid's model ships inside the package,
so nothing is downloaded. Loading it takes seconds and some memory, so it is loaded on
first use, in the job worker that labels new messages (``services.label_messages``), not in
web workers on the request path."""

from __future__ import annotations

from functools import cache
from typing import Any

# The languages a label may name: the interface's, and those customers of a vendor of
# network gear commonly write in. Narrowing the model's 97 languages to these makes short
# texts far less often mistaken for a rare language.
DETECTED = ["en", "de", "fr", "es", "ja", "it", "pt", "nl", "sv", "pl", "cs", "zh", "ko", "ru", "tr"]
CODES = {"zh": "zh-hans"}  # the detector's code where Django (and the pages' language names) spell it otherwise
MIN_CONFIDENCE = 0.8  # below it the label stays blank rather than guess
MIN_LETTERS = 12  # "ok, thanks" tells nothing


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(DETECTED)
    return identifier


def detect(text: str) -> str:
    """The language code of ``text``, or "" when it is too short or the guess too weak."""
    sample = (text or "")[:2000]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return ""
    code, confidence = _identifier().classify(sample)
    return CODES.get(str(code), str(code)) if confidence >= MIN_CONFIDENCE else ""
