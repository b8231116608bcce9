"""D-5.3: damage by fire, flood or other acts of nature is refused with exactly that
reason, and no RMA number is created. The fault category decides; free text that speaks
of fire or flood is flagged for the specialist, not refused."""

from __future__ import annotations

import pytest

from caredesk.accounts.models import User
from caredesk.cases.models import Case
from caredesk.core.errors import Conflict
from caredesk.rma import services
from caredesk.rma.models import EXCLUSION_REASON, FaultCategory, RmaStatus
from caredesk.rma.queries import rma_lines
from caredesk.rma.tests.conftest import line


@pytest.mark.parametrize("category", [FaultCategory.FIRE, FaultCategory.FLOOD, FaultCategory.ACT_OF_NATURE])
def test_d53_a_request_for_damage_by_nature_is_refused_with_that_reason(
    tse: User, specialist: User, case: Case, category: str
) -> None:
    request = services.request_rma(tse, case.case_id, [line("KR1000001"), line("KR1000002", category)])
    assert request.status == RmaStatus.REFUSED
    assert request.decision_reason == str(EXCLUSION_REASON)
    assert request.decision_reason == "Damage caused by fire, flood or other acts of nature is not covered by an RMA."
    assert request.rma_number is None
    with pytest.raises(Conflict):
        services.approve(specialist, request.validation_number)
    assert request.__class__.objects.get(pk=request.pk).rma_number is None


def test_d53_amending_a_line_to_an_excluded_fault_refuses_the_request(tse: User, specialist: User, case: Case) -> None:
    request = services.request_rma(tse, case.case_id, [line("KR1000001")])
    amended = services.amend_lines(specialist, request.validation_number, [line("KR1000001", FaultCategory.FLOOD)])
    assert (amended.status, amended.rma_number) == (RmaStatus.REFUSED, None)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("The rack caught fire next to it.", ["fire"]),
        ("Basement FLOODED last week", ["flooded"]),
        ("Nach dem Hochwasser startet das Gerät nicht mehr.", ["hochwasser"]),
        ("Un incendie dans la salle voisine.", ["incendie"]),
        ("Hubo una inundación en la sede.", ["inundación"]),
        ("倉庫で火災があり、その後起動しません。", ["火災"]),
        ("Firewall rules lost after reboot; no power on port 3.", []),
    ],
)
def test_d53_free_text_about_fire_or_flood_is_flagged_not_refused(
    tse: User, case: Case, text: str, words: list[str]
) -> None:
    request = services.request_rma(tse, case.case_id, [line("KR1000001", FaultCategory.HARDWARE_FAULT, text)])
    assert request.status == RmaStatus.PENDING
    assert rma_lines(request)[0].flagged_words == words
