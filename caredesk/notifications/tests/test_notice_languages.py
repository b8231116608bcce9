"""D-7.4: notices are written in every language of the product. Each language has the same
templates as English, each renders with the context the English one gets (as the
listeners give it), begins with its Subject line and asks for nothing English lacks."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.template.base import Lexer, TokenType

from caredesk.accounts.models import Registration
from caredesk.cases import services as cases
from caredesk.cases.models import CloseReason, Escalation, EscalationKind
from caredesk.notifications import listeners, services
from caredesk.rma.models import EXCLUSION_REASON, LineStatus, ReturnCharge, RmaLine, RmaMessage, RmaRequest, RmaStatus
from tests.personas import World, admin_case

TEMPLATES = Path(services.__file__).parent / "templates" / "notifications"
ENGLISH = sorted(p.name for p in (TEMPLATES / "en").glob("*.txt"))
LANGUAGE_DIRS = sorted(p.name for p in TEMPLATES.iterdir() if p.is_dir())
WORD = re.compile(r"[A-Za-z_][\w.]*")
TAG_WORDS = {"if", "elif", "else", "endif", "not", "and", "or", "autoescape", "endautoescape", "off", "on"}


def _variables(source: str) -> set[str]:
    """The context names a template reads: the first part of each variable and of each
    name an ``if`` tests (literals and filters aside)."""
    names: set[str] = set()
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.VAR:
            names.add(token.contents.split("|")[0].strip().split(".")[0])
        elif token.token_type == TokenType.BLOCK:
            text = re.sub(r"(\"[^\"]*\"|'[^']*')", " ", token.contents)
            names |= {w.split(".")[0] for w in WORD.findall(text) if w not in TAG_WORDS}
    return names


def _contexts(world: World) -> dict[str, list[dict[str, Any]]]:
    """For each template, the contexts the listeners give the English one (every branch
    that changes what it says)."""
    case = admin_case(world.alice, priority="P1", summary="Router <b>down</b>")
    cases.assign(world.agent, case.case_id)
    message = cases.reply(world.agent, case.case_id, "Please restart it.")
    case.refresh_from_db()
    base = {"case": case, "link": "https://care.example/cases/1/", "centre": "Vendor Customer Care",
            "recipient": world.alice}  # fmt: skip
    escalations = [
        Escalation(
            case=case,
            kind=EscalationKind.FASTER_PROGRESS,
            reason="It is urgent.",
            requested_by=world.alice,
            on_call=on_call,
            new_owner=new_owner,
        )  # fmt: skip
        for on_call, new_owner in ((False, None), (True, world.manager))
    ]
    closings = [
        {"reason": reason, "note": note, "duplicate_of": "C-2", "reopen_days": days}
        for reason in CloseReason.values
        for note, days in (("", 14), ("A note.", 0))
    ]
    member = {"organisation": world.acme, "centre": "Vendor Customer Care", "recipient": world.alice,
              "link": "https://care.example/members/"}  # fmt: skip
    registration = Registration(email="dora@acme.example", full_name="Dora Diaz", proof="SN-ACME-1")
    due = datetime(2026, 6, 30, 17, 0, tzinfo=UTC)
    request = RmaRequest(
        validation_number="V2606000001",
        rma_number="R1000001",
        case=case,
        quote_status="offered",
        quote_total=Decimal("900.00"),
        quote_currency="USD",
        decision_reason="Not a hardware fault.",
    )
    line = RmaLine(
        request=request,
        line_number="R1000001-1",
        serial="KR1000001",
        carrier="DHL",
        tracking_number="JD0001",
        return_due_at=due,
    )
    rma = {**base, "request": request, "link": "https://care.example/rmas/R1000001/"}
    lines = [
        {"number": "R1000001-1", "serial": "KR1000001", "type": "Advance replacement", "advance": True},
        {"number": "R1000001-2", "serial": "KR1000002", "type": "Return to factory repair", "advance": False},
    ]
    moves = [
        ("pending", ""),
        ("pending", "awaiting_tse"),
        ("awaiting_tse", "pending"),
        ("approved", "pending"),
        ("rejected", "pending"),
        ("refused", ""),
        ("cancelled", "pending"),
    ]
    return {
        "case_assigned": [base],
        "case_awaiting": [base],
        "case_breached": [base],
        "case_closed": [{**base, **closing} for closing in closings],
        "case_customer_reopened": [{**base, "message": m, "actor_name": "Alice Archer"} for m in (None, message)],
        "case_customer_replied": [{**base, "message": message}],
        "case_escalated": [{**base, "escalation": e} for e in escalations],
        "case_escalated_team": [{**base, "escalation": e} for e in escalations],
        "case_management": [{**base, "level": level} for level in listeners.LEVELS.values()],
        "case_on_call": [base],
        "case_opened": [base],
        "case_reopened": [base],
        "case_replied": [{**base, "message": message}],
        "case_resolution": [{**base, "message": message, "days": 7}],
        "member_joined": [
            {
                **member,
                "member": world.bob,
                "proof": "SN-ACME-1",
                "days": 30,
                "members_link": "https://care.example/members/",
            }
        ],  # fmt: skip
        "member_requested": [{**member, "registration": registration}],
        "rma_status": [
            {
                **rma,
                "status": status,
                "before": before,
                "status_label": RmaStatus(status).label,
                "exclusion": EXCLUSION_REASON,
                "lines": lines,
                "return_days": 10,
            }
            for status, before in moves
        ],
        "rma_line": [
            {**rma, "line": line, "status": s, "status_label": LineStatus(s).label} for s in LineStatus.values
        ],
        "rma_answer": [{**rma, "message": RmaMessage(author_name="Rita Specialist", body="Yes, ship it.")}],
        "rma_charge": [
            {
                **rma,
                "line": line,
                "waived": waived,
                "charge": ReturnCharge(
                    amount=Decimal("12500.00"), currency="USD", due_at=due, waive_reason="Late carrier."
                ),
            }
            for waived in (False, True)
        ],
    }


def test_every_language_of_notices_has_exactly_the_english_templates() -> None:
    assert sorted(services.LANGUAGES) == LANGUAGE_DIRS
    for language in services.LANGUAGES:
        assert sorted(p.name for p in (TEMPLATES / language).iterdir()) == ENGLISH, language


def test_every_language_has_the_buttons_of_the_html_part() -> None:
    for labels in [*services.BUTTONS.values(), services.CASE_BUTTON, services.RMA_BUTTON]:
        assert sorted(labels) == sorted(services.LANGUAGES)
        assert all(label.strip() for label in labels.values())


@pytest.mark.parametrize("language", [code for code in services.LANGUAGES if code != "en"])
def test_each_notice_reads_only_what_the_english_one_is_given(language: str) -> None:
    for name in ENGLISH:
        english = _variables((TEMPLATES / "en" / name).read_text(encoding="utf-8"))
        translated = _variables((TEMPLATES / language / name).read_text(encoding="utf-8"))
        assert translated <= english, (language, name, translated - english)


def test_each_notice_renders_in_every_language_with_the_english_context(world: World) -> None:
    contexts = _contexts(world)
    assert sorted(f"{name}.txt" for name in contexts) == ENGLISH
    for name, variants in contexts.items():
        for context in variants:
            english_subject, english_body = services._render(name, "en", context)
            for language in services.LANGUAGES:
                source = (TEMPLATES / language / f"{name}.txt").read_text(encoding="utf-8")
                assert source.startswith("{% autoescape off %}Subject: "), (language, name)
                subject, body = services._render(name, language, context)  # raises without a Subject line
                assert subject and body.strip(), (language, name)
                assert "{{" not in body and "{%" not in body, (language, name)
                assert context["link"] in body, (language, name)
                if language != "en":
                    assert (subject, body) != (english_subject, english_body), (language, name)
