"""What people read names no rule ids ("D-4.5") and carries no notes for operators: every
template (outside template comments), and the user-facing strings of the Python code
(messages of errors and pages, translated strings, API summaries and descriptions)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the caredesk package
RULE_ID = re.compile(r"\bD-\d+\.\d+")
COMMENTS = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.DOTALL)
# Calls whose string arguments people read, and keywords that people read wherever they are.
SHOWN_BY = {"_", "gettext", "gettext_lazy", "ngettext", "pgettext", "ValidationFailed", "Forbidden", "Conflict",
            "NotFound", "Throttled", "Unauthenticated", "DomainError", "success", "error", "warning", "info",
            "send_after_commit", "Notice"}  # fmt: skip
SHOWN_AS = {"summary", "description", "message", "label"}


def _templates() -> list[Path]:
    return [p for p in ROOT.rglob("templates/**/*") if p.suffix in {".html", ".txt"}]


def _modules() -> list[Path]:
    return [p for p in ROOT.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts]


def _strings(node: ast.AST) -> list[str]:
    return [inner.value for inner in ast.walk(node) if isinstance(inner, ast.Constant) and isinstance(inner.value, str)]


def shown_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of each string in ``source`` that people read."""
    shown = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in SHOWN_BY:
            shown += [(node.lineno, s) for arg in node.args for s in _strings(arg)]
        for keyword in node.keywords:
            if keyword.arg in SHOWN_AS or (name in SHOWN_BY and keyword.arg in {"fields"}):
                shown += [(node.lineno, s) for s in _strings(keyword.value)]
    return shown


def test_no_template_shows_a_rule_id_or_an_operators_note() -> None:
    offences = []
    for path in _templates():
        text = COMMENTS.sub("", path.read_text(encoding="utf-8"))
        for number, line in enumerate(text.splitlines(), 1):
            if RULE_ID.search(line) or re.search(r"\boperator of this installation\b", line):
                offences.append(f"{path.relative_to(ROOT.parent)}:{number}: {line.strip()}")
    assert not offences, "\n".join(offences)


def test_no_user_facing_string_of_the_code_names_a_rule_id() -> None:
    offences = [
        f"{path.relative_to(ROOT.parent)}:{line}: {text!r}"
        for path in _modules()
        for line, text in shown_strings(path.read_text(encoding="utf-8"))
        if RULE_ID.search(text)
    ]
    assert not offences, "\n".join(offences)


def test_the_checker_finds_rule_ids_in_what_people_read() -> None:
    source = """
raise ValidationFailed("Too late (D-5.7).", fields={"x": "See D-5.7."})
messages.success(request, _("Escalated (D-4.5)."))
@router.get("/x", summary="Things (D-1.3)")
def f(): '''A docstring may cite D-1.3.'''
# so may a comment: D-1.3
"""
    found = {(line, text) for line, text in shown_strings(source) if RULE_ID.search(text)}
    assert found == {(2, "Too late (D-5.7)."), (2, "See D-5.7."), (3, "Escalated (D-4.5)."), (4, "Things (D-1.3)")}
