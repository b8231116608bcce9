"""Text people read that is not marked for translation.

Run ``python -m lint.i18n [PATH ...]`` to list what is left in a part of the code (the
test ``tests/test_i18n.py`` runs it over the whole package and fails on any finding).

*Templates* (``.html``): text between tags, and the attributes people read (``title``,
``placeholder``, ``aria-label``, ``alt``, a button's ``value``), outside
``{% translate %}`` / ``{% blocktranslate %}``, comments, ``<script>`` and ``<style>``;
and quoted text in a variable's filter (``{{ x|default:"None" }}``), which must be
``_("None")``. Text without a letter (``·``, ``×``, ``42``) is not a finding.

*Python*: the places where the code hands text to a person. The messages of the domain
errors and of Django's ``ValidationError``, the values of their ``fields``; the messages
framework; form fields' ``label``, ``help_text`` and ``empty_label``, widgets'
``placeholder`` / ``title`` / ``aria-label``; ``add_error``; ``errors[...] = "…"``; and the
labels of ``TextChoices``. Such a value must be a call of ``_``/``gettext``/…, or an
expression we cannot judge (a variable, an attribute, another call). A plain literal, an
f-string, or ``"…" % x`` / ``"…".format(x)`` on a plain literal is a finding: an f-string
cannot be translated at all, so interpolation is ``_("… %(n)s …") % {"n": n}``.

Operator-facing text (management commands, the admin site's model help texts, logs)
and demo data are not checked: they are English by design (the development guide says why).
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

PACKAGE = Path(__file__).resolve().parents[1] / "caredesk"
LETTER = re.compile(r"[^\W\d_]")
HOLE = " "  # stands for a template tag or variable in the text the HTML parser sees
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "aria-description", "data-confirm", "data-label"}
SKIPPED_ELEMENTS = {"script", "style"}
# Parts of the package whose text is for operators or is sample data (see the docstring).
SKIPPED_PARTS = {"tests", "migrations", "management", "demo"}
MARKERS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy", "npgettext"}
ERRORS = {"ValidationFailed", "NotFound", "Forbidden", "Conflict", "DomainError", "Throttled", "Unauthenticated",
          "ValidationError", "PermissionDenied"}  # fmt: skip
MESSAGE_LEVELS = {"success", "info", "warning", "error", "debug"}
FIELD_KEYWORDS = {"label", "help_text", "empty_label"}
FILTER_LITERAL = re.compile(r""":\s*(?P<q>["'])(?P<text>.*?)(?P=q)""")
# "en", "info", "queue_status": codes and CSS classes, not words (words people read as a
# default are capitalised or sentences: "None", "Not assigned yet").
CODE_LIKE = re.compile(r"^[a-z0-9]+([_.:/-][a-z0-9]+)*$")


class Finding:
    def __init__(self, path: Path, line: int, text: str) -> None:
        self.path, self.line, self.text = path, line, text

    def __str__(self) -> str:
        try:
            where = self.path.relative_to(PACKAGE.parent)
        except ValueError:
            where = self.path
        return f"{where}:{self.line}: {self.text!r}"


def _people_read(text: str) -> bool:
    return bool(LETTER.search(text))


# --- templates -------------------------------------------------------------------------


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_ELEMENTS:
            self._skipping.append(tag)
        values = dict(attrs)
        for name, value in attrs:
            readable = name in READ_ATTRIBUTES or (
                name == "value" and tag == "input" and values.get("type") in {"submit", "button", "reset"}
            )
            if readable and value and _people_read(value):
                self.found.append((self.getpos()[0], value.strip()))

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping and _people_read(data):
            self.found.append((self.getpos()[0], " ".join(data.split())))


def template_findings(source: str) -> list[tuple[int, str]]:
    """(line, text) of each piece of text people read in a template that is not marked."""
    pieces: list[str] = []
    findings: list[tuple[int, str]] = []
    quiet_until: str | None = None  # inside blocktranslate or comment: everything is fine
    for token in Lexer(source).tokenize():
        content = token.contents
        if quiet_until is not None:
            if token.token_type == TokenType.BLOCK and content.split()[:1] == [quiet_until]:
                quiet_until = None
            pieces.append(HOLE + "\n" * token.contents.count("\n"))
            continue
        if token.token_type == TokenType.TEXT:
            pieces.append(content)
            continue
        if token.token_type == TokenType.BLOCK:
            words = content.split()
            word = words[0] if words else ""
            if word in {"blocktranslate", "blocktrans"}:
                quiet_until = "end" + word
            elif word == "comment":
                quiet_until = "endcomment"
            elif word == "block" and len(words) > 1 and words[1].endswith("_class"):
                quiet_until = "endblock"  # {% block page_class %}page--medium{% endblock %}: CSS classes
        elif token.token_type == TokenType.VAR:
            for literal in FILTER_LITERAL.finditer(content):
                if re.search(r"\|(date|time)\s*$", content[: literal.start()]):
                    continue  # a format ("j M Y, H:i T"), not words
                before = content[: literal.start() + 1].rstrip()
                text = literal["text"]
                if _people_read(text) and not CODE_LIKE.match(text) and not before.endswith("_("):
                    findings.append((token.lineno, text))
        # Keep line numbers: a tag spanning lines counts its newlines.
        pieces.append(HOLE + "\n" * token.contents.count("\n"))
    collector = _TextCollector()
    collector.feed("".join(pieces))
    collector.close()
    return sorted(findings + collector.found)


# --- Python ----------------------------------------------------------------------------


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _unmarked(node: ast.AST | None) -> Iterator[tuple[int, str]]:
    """The plain text in an expression that should have been a translated string."""
    if node is None:
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if _people_read(node.value):
            yield node.lineno, node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(p.value for p in node.values if isinstance(p, ast.Constant) and isinstance(p.value, str))
        if _people_read(text):
            yield node.lineno, "f-string: " + text
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        yield from _unmarked(node.left)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from _unmarked(node.left)
        yield from _unmarked(node.right)
    elif isinstance(node, ast.Call) and _callee(node) == "format" and isinstance(node.func, ast.Attribute):
        yield from _unmarked(node.func.value)
    elif isinstance(node, ast.IfExp):
        yield from _unmarked(node.body)
        yield from _unmarked(node.orelse)
    elif isinstance(node, ast.BoolOp | ast.Dict):
        for value in node.values:
            yield from _unmarked(value)
    elif isinstance(node, ast.List | ast.Tuple):
        for element in node.elts:
            yield from _unmarked(element)


def _choices_labels(node: ast.ClassDef) -> Iterator[tuple[int, str]]:
    bases = {b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else "" for b in node.bases}
    if not bases & {"TextChoices", "IntegerChoices"}:
        return
    for statement in node.body:
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple):
            elements = statement.value.elts
            if len(elements) >= 2:
                yield from _unmarked(elements[-1])


def python_findings(source: str, *, models: bool = False) -> list[tuple[int, str]]:
    """(line, text) of each plain string the code hands to a person (see the docstring).
    In ``models.py`` a field's ``help_text`` is for the admin site and not checked."""
    findings: list[tuple[int, str]] = []
    read_keywords = FIELD_KEYWORDS - {"help_text"} if models else FIELD_KEYWORDS
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            findings += _choices_labels(node)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id.endswith("errors")
                ):
                    findings += _unmarked(node.value)
        elif isinstance(node, ast.Call):
            name = _callee(node)
            if name in MARKERS:
                continue
            keywords = {k.arg: k.value for k in node.keywords if k.arg}
            if name in ERRORS:
                findings += _unmarked(node.args[0] if node.args else keywords.get("message"))
                findings += _unmarked(keywords.get("fields"))
            elif name in MESSAGE_LEVELS and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                if isinstance(owner, ast.Name) and owner.id == "messages" and len(node.args) >= 2:
                    findings += _unmarked(node.args[1])
            elif name == "add_error" and len(node.args) >= 2:
                findings += _unmarked(node.args[1])
            for keyword in read_keywords & keywords.keys():
                findings += _unmarked(keywords[keyword])
            attrs = keywords.get("attrs")
            if isinstance(attrs, ast.Dict):
                for key, value in zip(attrs.keys, attrs.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value in READ_ATTRIBUTES:
                        findings += _unmarked(value)
    return sorted(set(findings))


# --- the package -----------------------------------------------------------------------


def _checked(paths: Iterable[Path]) -> Iterator[Path]:
    for root in paths:
        files = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in files:
            if SKIPPED_PARTS & set(path.relative_to(PACKAGE).parts[:-1]) if path.is_relative_to(PACKAGE) else False:
                continue
            if path.suffix in {".html", ".py"}:
                yield path


def findings(paths: Iterable[Path] = (PACKAGE,)) -> list[Finding]:
    found = []
    for path in _checked(paths):
        source = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            scanned = template_findings(source)
        else:
            scanned = python_findings(source, models=path.name == "models.py")
        found += [Finding(path, line, text) for line, text in scanned]
    return found


def main(argv: list[str]) -> int:
    found = findings([Path(a).resolve() for a in argv] or [PACKAGE])
    for finding in found:
        print(finding)
    print(f"{len(found)} unmarked", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
